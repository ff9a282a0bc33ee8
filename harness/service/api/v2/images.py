"""Create, show and delete v2 images.

Listing lives in :mod:`.listing`, PATCH in :mod:`.patch`.
"""

import logging

import webob
import webob.exc

from harness.service import errors as db_errors
from harness.service import quota
from harness.service import webapp
from harness.service.api.v2 import attrs
from harness.service.api.v2 import listing
from harness.service.api.v2 import patch
from harness.service.api.v2 import repo
from harness.service.api.v2 import view

LOG = logging.getLogger(__name__)

#: Body keys a client may never send (checked before the schema).
DISALLOWED = ('direct_url', 'self', 'file', 'schema')
#: Body keys that are image attributes; the rest are extra properties.
CORE_KEYS = ('id', 'checksum', 'created_at', 'container_format',
             'disk_format', 'min_disk', 'min_ram', 'name', 'size',
             'virtual_size', 'status', 'tags', 'updated_at', 'visibility',
             'protected')
#: Attributes the service sets itself.
READ_ONLY = ('created_at', 'updated_at', 'status', 'checksum', 'size',
             'virtual_size')
#: Names no extra property may take.
RESERVED = ('owner', 'is_public', 'locations', 'deleted', 'deleted_at',
            'direct_url', 'self', 'file', 'schema')


def check_create_protections(api, ctx, names):
    rules = api.property_rules
    if rules is None:
        return
    for name in names:
        if not rules.check(name, 'create', ctx):
            raise attrs.reserved(name)


class ImagesController(object):
    """Images of the v2 API (*api*: the router)."""

    def __init__(self, api):
        self.api = api
        self.conf = api.conf
        self._listing = listing.Lister(api)
        self._patch = patch.Patcher(api)

    def index(self, req):
        return self._listing.index(req)

    def update(self, req, image_id):
        return self._patch.update(req, image_id)

    def show(self, req, image_id):
        """``GET /v2/images/<id>``."""
        ctx = self.api.context(req)
        record = repo.load(self.api, ctx, image_id)
        return view.image_response(self.api, req, ctx, record)

    # -- create ----------------------------------------------------------

    def create(self, req):
        """``POST /v2/images``: a ``queued`` image, no data yet."""
        ctx = self.api.context(req)
        body = webapp.read_json(req, missing=webapp.BODY_EXPECTED)
        if isinstance(body, dict):
            for key in DISALLOWED:
                if key in body:
                    raise attrs.read_only(key)
        if not ctx.is_admin and ctx.owner is None:
            raise webob.exc.HTTPForbidden(
                explanation="You are not permitted to create images owned "
                            "by 'None'.")
        core, extra, tags = check_create_body(self.api, ctx, body)
        record = write_image(self.api, ctx, core, extra, tags)
        response = view.image_response(self.api, req, ctx, record,
                                       status=201)
        response.headers['Location'] = view.image_url(req, record['id'])
        return response

    # -- delete ----------------------------------------------------------

    def delete(self, req, image_id):
        """``DELETE /v2/images/<id>``: 204; data deleted or queued.

        The status change is a compare-and-set on the status read; if an
        upload moved it meanwhile, the delete reads again and wins (the
        upload then answers 410 and removes its data).
        """
        ctx = self.api.context(req)
        for _ in range(repo.ATTEMPTS):
            record = repo.load(self.api, ctx, image_id)
            repo.check_owner(ctx, record,
                             'You are not permitted to delete this image.')
            self.api.enforce(ctx, 'delete_image')
            if record['protected']:
                raise webob.exc.HTTPForbidden(
                    explanation='Image %s is protected and cannot be '
                    'deleted.' % image_id)
            try:
                self._delete(ctx, record)
            except repo.Stale:
                continue
            LOG.info('Deleted image %s', image_id)
            return webob.Response(status=204)
        raise webob.exc.HTTPConflict(explanation='Image operation conflicts')

    def _delete(self, ctx, record):
        image_id = record['id']
        old_status = record['status']
        new_status = 'deleted'
        if self.conf.delayed_delete and record['locations']:
            new_status = 'pending_delete'
        db = self.api.db(ctx)
        with self._delete_errors(image_id):
            try:
                db.image_update(image_id=image_id,
                                values={'status': new_status},
                                from_state=old_status)
            except db_errors.Conflict:
                raise repo.Stale(image_id) from None
            try:
                repo.delete_data(self.api, record)
            except webob.exc.HTTPException:
                db.image_update(image_id=image_id,
                                values={'status': old_status})
                raise
            db.image_destroy(image_id=image_id)

    @staticmethod
    def _delete_errors(image_id):
        return _DeleteErrors(image_id)


class _DeleteErrors(repo.db_errors_to_http):
    """Delete reports a vanished image as a 404 ``Failed to find image
    <id> to delete``."""

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, db_errors.NotFound):
            raise webob.exc.HTTPNotFound(
                explanation='Failed to find image %s to delete'
                % self.image_id) from None
        return super().__exit__(kind, exc, tb)


def check_create_body(api, ctx, body):
    """Validate image create *body* (``POST /v2/images``, an import
    task's ``image_properties``) and its policies and quotas.

    :returns: ``(core, extra, tags)``: core attributes, extra properties
        and the tags, duplicates collapsed.
    :raises webob.exc.HTTPException: the first thing wrong with it.
    """
    api.schemas.validate_image(body)
    core = {key: body[key] for key in CORE_KEYS if key in body}
    extra = {key: value for key, value in body.items()
             if key not in CORE_KEYS}
    for key in READ_ONLY:
        if key in core:
            raise attrs.read_only(key)
    for key in RESERVED:
        if key in extra:
            raise attrs.reserved(key)
    for key in extra:
        attrs.check_length('Property name', key)
    check_create_protections(api, ctx, sorted(extra))
    api.enforce(ctx, 'add_image')
    if core.get('visibility') == 'public':
        api.enforce(ctx, 'publicize_image')
    attrs.check_min_values(core)
    tags = attrs.unique(core.pop('tags', []))
    quota.enforce_count(api.conf.image_tag_quota, len(tags), quota.TAGS)
    quota.enforce_count(api.conf.image_property_quota, len(extra),
                        quota.PROPERTIES)
    return core, extra, tags


def write_image(api, ctx, core, extra, tags):
    """Create the ``queued`` image of a checked create body, owned by the
    caller, with its tags (one goes without the other never); return its
    record."""
    values = {key: value for key, value in core.items()
              if key != 'visibility'}
    values.update(status='queued', owner=ctx.owner,
                  is_public=core.get('visibility') == 'public',
                  properties=extra)
    db = api.db(ctx)
    with repo.db_errors_to_http(values.get('id')):
        row = db.image_create(values=values)
        try:
            if tags:
                db.image_tag_set_all(image_id=row['id'], tags=tags)
            tags = db.image_tag_get_all(image_id=row['id'])
        except Exception:
            # Nothing half-written: the image goes if its tags fail.
            db.image_destroy(image_id=row['id'])
            raise
    return repo.to_record(api.conf, row, tags)
