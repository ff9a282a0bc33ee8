"""``POST /v1/images`` and ``PUT /v1/images/<id>``.

Metadata comes from the ``x-image-meta-*`` headers; data from the body
(streamed into the store), a remote location, or a copy-from URL.
"""

import logging

import webob.exc

from harness.service import quota
from harness.service import store
from harness.service import webapp
from harness.service.api.imagedata import limits
from harness.service.api.v1 import common
from harness.service.api.v1 import headers as headers_mod
from harness.service.api.v1 import sources
from harness.service.api.v1 import upload

LOG = logging.getLogger(__name__)

#: Metadata the registry stores; the other header fields are not columns.
CREATE_FIELDS = ('id', 'name', 'status', 'size', 'disk_format',
                 'container_format', 'min_disk', 'min_ram', 'is_public',
                 'checksum', 'owner', 'protected', 'properties')
# The location is recorded when the image is activated, not before; the
# status only moves with data (a header equal to it changes nothing).
UPDATE_FIELDS = tuple(field for field in CREATE_FIELDS
                      if field not in ('id', 'status'))
#: Only an admin may change these once an image is active.
ACTIVE_IMMUTABLE = ('size', 'checksum')
OCTET_STREAM = 'application/octet-stream'


class ParsedRequest(object):
    """The metadata, body and copy-from of a create/update request.

    :raises webob.exc.HTTPBadRequest: bad headers or formats, or a size
        over ``image_size_cap``.
    """

    def __init__(self, conf, req):
        self.req = req
        self.ctx = webapp.request_context(req)
        self.meta = headers_mod.validate_image_meta(
            conf, headers_mod.parse_image_meta(req.headers))
        environ = req.environ
        self.length = limits.content_length(environ)
        headers_mod.check_size_cap(conf, self.meta, self.length)
        self.has_body = headers_mod.has_body(environ)
        self.copy_from = sources.copy_from_header(req)

    @property
    def properties(self):
        """The properties named by the request's headers."""
        return self.meta['properties']


class ImagesController(object):
    """Create and update (*api*: the router, for conf, policy, registry).
    """

    def __init__(self, api):
        self.api = api
        self.conf = api.conf

    # -- create ------------------------------------------------------

    def create(self, req):
        """Reserve an image, then take its data from the source given."""
        parsed = ParsedRequest(self.conf, req)
        ctx = parsed.ctx
        self._enforce_policies(parsed, 'add_image')
        self.api.protections.enforce_create(ctx, parsed.properties)
        quota.enforce_count(self.conf.image_property_quota,
                            len(parsed.properties), quota.PROPERTIES)
        client = self.api.client(ctx)
        image = self._reserve(parsed, client)
        image = self._handle_source(parsed, client, image)
        return common.image_response(
            req, common.readable(image, self.api.property_rules, ctx), 201)

    def _enforce_policies(self, parsed, action):
        ctx = parsed.ctx
        self.api.enforce(ctx, action)
        common.check_writable(ctx)
        if parsed.meta.get('is_public'):
            self.api.enforce(ctx, 'publicize_image')
        if parsed.copy_from:
            self.api.enforce(ctx, 'copy_from')
        if parsed.has_body or parsed.copy_from:
            self.api.enforce(ctx, 'upload_image')

    def _reserve(self, parsed, client):
        self._check_single_source(parsed)
        meta = parsed.meta
        location = sources.external_source(self.api, parsed.ctx, meta,
                                           parsed.req)
        store_name = meta.get('store')
        if store_name and store_name not in store.SCHEMES:
            raise webob.exc.HTTPBadRequest(
                explanation='Required store %s is invalid' % store_name)
        values = _pick(meta, CREATE_FIELDS)
        # Size 0 and no data to come: active at once.  With a source, the
        # source moves it on from queued (a compare-and-set).
        source = parsed.has_body or parsed.copy_from or location
        values['status'] = ('active' if meta.get('size') == 0 and not source
                            else 'queued')
        values['size'] = meta.get('size') or 0
        # "With a location" includes a copy-from source:
        # the reserved image carries the size the remote reports.
        if location and not values['size']:
            values['size'] = sources.backend_size(self.conf, location,
                                                  strict=True)
        with common.registry_errors({
                webob.exc.HTTPConflict:
                    'An image with identifier %s already exists'
                    % meta.get('id'),
                webob.exc.HTTPBadRequest:
                    'Failed to reserve image. Got error: {detail}',
                webob.exc.HTTPForbidden: 'Forbidden to reserve image.'}):
            return client.add_image(values)

    # -- sources -----------------------------------------------------

    def _handle_source(self, parsed, client, image, saving=False):
        """Upload, copy or point at the data; return the image after it.

        :param saving: the image is already ``saving`` (an update moved
            it there with its metadata) and the upload was checked.
        """
        location = parsed.meta.get('location')
        self._check_single_source(parsed)
        if parsed.has_body:
            if not saving:
                self._check_upload(parsed, client, image)
            return self._upload_body(parsed, client, image, saving)
        if parsed.copy_from:
            target = upload.get_store_or_400(self.conf, self._scheme(parsed))
            sources.start_copy(self.api, parsed.ctx, image,
                               parsed.copy_from, target)
            return image
        if location:
            self._validate_for_activation(parsed.meta, image)
            return sources.activate_location(self.conf, client, image,
                                             location,
                                             parsed.meta.get('size'))
        return image

    @staticmethod
    def _check_single_source(parsed):
        given = [source for source in (parsed.copy_from,
                                       parsed.meta.get('location'),
                                       parsed.has_body) if source]
        if len(given) > 1:
            raise webob.exc.HTTPBadRequest(
                explanation="It's invalid to provide multiple image sources.")

    def _check_upload(self, parsed, client, image):
        """What a body upload needs, checked before the image changes; a
        wrong content type kills the (still queued) image, as Glance."""
        self._validate_for_activation(parsed.meta, image)
        if parsed.req.content_type != OCTET_STREAM:
            common.kill_image(client, image['id'], from_states=('queued',))
            raise webob.exc.HTTPBadRequest(
                explanation='Content-Type must be application/octet-stream')
        upload.get_store_or_400(self.conf, self._scheme(parsed))

    def _validate_for_activation(self, meta, image):
        """Data needs both formats: take missing ones from *image*."""
        values = {field: meta.get(field, image.get(field))
                  for field in ('disk_format', 'container_format', 'name')}
        headers_mod.validate_image_meta(self.conf, values)

    def _scheme(self, parsed):
        return parsed.meta.get('store') or self.conf.default_store

    def _upload_body(self, parsed, client, image, saving):
        target = upload.get_store_or_400(self.conf, self._scheme(parsed))
        job = upload.Upload(self.conf, parsed.ctx, client, image)
        return job.run(parsed.req.environ['wsgi.input'], parsed.length,
                       target, saving=saving)

    # -- update ------------------------------------------------------

    def update(self, req, image_id):
        """Change metadata; upload data to a ``queued`` image."""
        parsed = ParsedRequest(self.conf, req)
        ctx = parsed.ctx
        self._enforce_policies(parsed, 'modify_image')
        client = self.api.client(ctx)
        original = common.get_image_or_404(client, image_id)
        self._check_update_allowed(parsed, original)
        purge = (headers_mod.bool_from_string(
            req.headers.get(headers_mod.PURGE_PROPS_HEADER, 'true'))
            and not parsed.has_body)
        location = sources.external_source(self.api, ctx, parsed.meta, req)
        queued = original['status'] == 'queued'
        if location and not queued:
            raise webob.exc.HTTPBadRequest(explanation=(
                'Attempted to update Location field for an image not in '
                'queued status.'))
        self.api.protections.enforce_update(ctx, parsed.properties,
                                            original['properties'], purge)
        self._enforce_property_quota(parsed.properties, original, purge)
        values = _pick(parsed.meta, UPDATE_FIELDS)
        if location and not parsed.meta.get('size'):
            self._check_single_source(parsed)
            values['size'] = sources.backend_size(self.conf, location,
                                                  strict=True)
        from_state = self._transition(parsed, client, original, values,
                                      queued)
        image = self._update_registry(client, image_id, values, purge,
                                      from_state)
        if from_state is None and queued and location:
            image = self._handle_source(parsed, client, image)
        elif parsed.has_body and queued:
            image = self._handle_source(parsed, client, image, saving=True)
        image = common.readable(image, self.api.property_rules, ctx)
        return common.image_response(req, image)

    def _transition(self, parsed, client, original, values, queued):
        """Add the status change of a data upload or a location to
        *values*, checked first; return its ``from_state`` (or ``None``).

        The metadata and the status then change in one compare-and-set:
        a request that loses a race for a queued image changes nothing.
        """
        if not queued:
            return None
        self._check_single_source(parsed)
        location = parsed.meta.get('location')
        if parsed.has_body:
            self._check_upload(parsed, client, original)
            values['status'] = 'saving'
            return 'queued'
        if location and not parsed.copy_from:
            self._validate_for_activation(parsed.meta, original)
            sources.check_location_size(self.conf, location,
                                        parsed.meta.get('size'))
            values.update(location=location, status='active')
            return 'queued'
        return None

    def _check_update_allowed(self, parsed, original):
        status = original['status']
        if status == 'deleted':
            raise webob.exc.HTTPForbidden(
                explanation='Forbidden to update deleted image.')
        wanted = parsed.meta.get('status')
        if wanted is not None and wanted != status:
            # Data is in the store iff the image is active (or
            # pending_delete): a status set by hand would break that, so
            # only uploads, locations and deletes move it (2014.1 let any
            # caller set it).
            raise webob.exc.HTTPForbidden(
                explanation="Forbidden to modify 'status' of image.")
        if not parsed.ctx.is_admin and status == 'active':
            for key in ACTIVE_IMMUTABLE:
                value = parsed.meta.get(key)
                if value is not None and value != original.get(key):
                    raise webob.exc.HTTPForbidden(
                        explanation="Forbidden to modify '%s' of active "
                        "image." % key)
        if parsed.has_body and status != 'queued':
            raise webob.exc.HTTPConflict(
                explanation='Cannot upload to an unqueued image')

    def _enforce_property_quota(self, properties, original, purge):
        names = set(properties)
        if not purge:
            names |= set(original.get('properties') or {})
        quota.enforce_count(self.conf.image_property_quota, len(names),
                            quota.PROPERTIES)

    def _update_registry(self, client, image_id, values, purge,
                         from_state=None):
        try:
            with common.registry_errors({
                    webob.exc.HTTPBadRequest:
                        'Failed to update image metadata. Got error: '
                        '{detail}',
                    webob.exc.HTTPNotFound:
                        'Failed to find image to update: {detail}',
                    webob.exc.HTTPForbidden:
                        'Forbidden to update image: {detail}'}):
                return client.update_image(image_id, values,
                                           purge_props=purge,
                                           from_state=from_state)
        except webob.exc.HTTPConflict as exc:
            LOG.info('Update of image %s conflicts: %s', image_id,
                     exc.detail)
            if values.get('status') == 'saving':
                raise upload.refused_start(client, image_id) from None
            raise webob.exc.HTTPConflict(
                explanation='Image operation conflicts') from None


def _pick(meta, fields):
    """The entries of *meta* the registry takes, properties copied."""
    values = {field: meta[field] for field in fields if field in meta}
    if 'properties' in values:
        values['properties'] = dict(values['properties'])
    return values
