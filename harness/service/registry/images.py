"""The registry's v1 image routes.

:class:`ImagesController` is mixed into the registry application, which
provides ``self.engine`` and ``self.conf``.
"""

import logging

import webob.exc

from harness.service import errors
from harness.service import json_body
from harness.service import webapp
from harness.service.db import api as db_api
from harness.service.registry import common
from harness.service.registry.params import query_params

LOG = logging.getLogger(__name__)

#: Fields of the brief entries of ``GET /images``.
BRIEF_FIELDS = ('id', 'name', 'size', 'disk_format', 'container_format',
                'checksum')

PURGE_HEADER = 'X-Glance-Registry-Purge-Props'


class ImagesController(object):
    """Handlers of ``/``, ``/images`` and ``/images/<id>``."""

    def index(self, req):
        """``GET /images``: brief entries of the visible images."""
        images = self._get_images(req)
        return webapp.json_response({'images': [
            {field: image[field] for field in BRIEF_FIELDS}
            for image in images]})

    def detail(self, req):
        """``GET /images/detail``: full entries of the visible images."""
        images = self._get_images(req)
        return webapp.json_response({'images': [
            common.full(image) for image in images]})

    def show(self, req, image_id):
        """``GET /images/<id>``: one full entry; hidden or missing: 404."""
        ctx = webapp.request_context(req)
        try:
            image = db_api.image_get(self.engine, ctx, image_id)
        except errors.NotFound:
            LOG.info('Image %s not found', image_id)
            raise webob.exc.HTTPNotFound() from None
        except errors.Forbidden:
            # Private images of others must not be seen to exist.
            LOG.info("Access denied to image %s but returning 'not found'",
                     image_id)
            raise webob.exc.HTTPNotFound() from None
        return webapp.json_response({'image': common.full(image)})

    def create(self, req):
        """``POST /images``: create, answer 200 with the full entry."""
        ctx = common.writable_context(req)
        values = _image_values(req)
        values.setdefault('status', 'active')
        if not ctx.is_admin or 'owner' not in values:
            values['owner'] = ctx.owner
        image_id = values.get('id')
        if image_id is not None and not common.is_uuid_like(image_id):
            LOG.info('Rejecting image creation request for invalid image '
                     'id %r', image_id)
            raise common.bad_request('Invalid image id format')
        values = db_locations(values)
        try:
            image = db_api.image_create(self.engine, ctx, values)
        except errors.Duplicate:
            LOG.error('Image with identifier %s already exists!', image_id)
            raise webob.exc.HTTPConflict(
                explanation='Image with identifier %s already exists!'
                % image_id) from None
        except errors.Invalid as exc:
            message = 'Failed to add image metadata. Got error: %s' % exc
            LOG.error('%s', message)
            raise common.bad_request(message) from None
        LOG.info('Successfully created image %s', image['id'])
        return webapp.json_response({'image': common.full(image)})

    def update(self, req, image_id):
        """``PUT /images/<id>``: body ``{"image": {...}, "from_state":
        ...}``; header ``X-Glance-Registry-Purge-Props: true`` purges."""
        ctx = common.writable_context(req)
        body = webapp.read_json(req, limit=None,
                                missing=json_body.MALFORMED)
        values = _image_values(req, body)
        from_state = body.get('from_state')
        if not ctx.is_admin:
            # Only admins may give an image away.
            values.pop('owner', None)
        purge = req.headers.get(PURGE_HEADER, 'false').lower() == 'true'
        values = db_locations(values)
        LOG.debug('Updating image %s with metadata: %r', image_id, values)
        try:
            image = db_api.image_update(self.engine, ctx, image_id, values,
                                        purge_props=purge,
                                        from_state=from_state)
        except errors.Invalid as exc:
            message = 'Failed to update image metadata. Got error: %s' % exc
            LOG.error('%s', message)
            raise common.bad_request(message) from None
        except errors.ForbiddenPublicImage:
            LOG.info('Update denied for public image %s', image_id)
            raise webob.exc.HTTPForbidden() from None
        except (errors.NotFound, errors.Forbidden):
            LOG.info("Image %s not found (or not the caller's)", image_id)
            raise common.plain_error(webob.exc.HTTPNotFound,
                                     'Image not found') from None
        except errors.Conflict as exc:
            LOG.info('%s', exc)
            raise common.plain_error(webob.exc.HTTPConflict,
                                     'Image operation conflicts') from None
        LOG.info('Updating metadata for image %s', image_id)
        return webapp.json_response({'image': common.full(image)})

    def delete(self, req, image_id):
        """``DELETE /images/<id>``: soft delete, 200 with the image."""
        ctx = common.writable_context(req)
        try:
            image = db_api.image_destroy(self.engine, ctx, image_id)
        except errors.ForbiddenPublicImage:
            LOG.info('Delete denied for public image %s', image_id)
            raise webob.exc.HTTPForbidden() from None
        except (errors.NotFound, errors.Forbidden):
            LOG.info('Image %s not found', image_id)
            raise webob.exc.HTTPNotFound() from None
        LOG.info('Successfully deleted image %s', image_id)
        return webapp.json_response({'image': common.full(image)})

    def _get_images(self, req):
        ctx = webapp.request_context(req)
        params = query_params(req, ctx, self.conf)
        if ctx.is_admin and params.get('is_public') is True:
            # Glance compatibility: an admin asking for public images (the
            # default) is answered as a regular user would be.
            params['admin_as_user'] = True
            del params['is_public']
        try:
            return db_api.image_get_all(self.engine, ctx, **params)
        except (errors.NotFound, errors.Forbidden):
            LOG.info('Invalid marker. Image %s could not be found.',
                     params.get('marker'))
            raise common.bad_request(
                'Invalid marker. Image could not be found.') from None
        except errors.Invalid as exc:
            raise common.bad_request(str(exc)) from None


def _image_values(req, body=None):
    """The ``image`` object of the request body, as a new dict."""
    if body is None:
        body = webapp.read_json(req, limit=None,
                                missing=json_body.MALFORMED)
    image = body.get('image') if isinstance(body, dict) else None
    if not isinstance(image, dict):
        raise common.bad_request(
            'The request body must be a JSON object with an "image" '
            'object.')
    return dict(image)


def db_locations(values):
    """Turn the wire's ``location`` / ``location_data`` into the DB API's
    ``locations`` list of ``{"url", "metadata"}``.

    ``location`` comes first; a ``location_data`` entry with the same URL
    gives it its metadata instead of adding it twice.  Neither key (or
    only a null ``location``): ``locations`` is left out, so an update
    keeps the image's locations.
    """
    values = dict(values)
    location = values.pop('location', None)
    location_data = values.pop('location_data', None)
    if location is None and location_data is None:
        return values
    if location_data is not None and not isinstance(location_data, list):
        raise common.bad_request('Invalid location_data: %s (not a list)'
                                 % (location_data,))
    ordered = {}
    if location is not None:
        ordered[location] = {}
    for entry in location_data or ():
        if not isinstance(entry, dict) or 'url' not in entry:
            raise common.bad_request('Invalid location_data entry: %s'
                                     % (entry,))
        ordered[entry['url']] = entry.get('metadata') or {}
    values['locations'] = [{'url': url, 'metadata': metadata}
                           for url, metadata in ordered.items()]
    return values
