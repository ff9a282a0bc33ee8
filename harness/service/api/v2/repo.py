"""Image records of the v2 API: load, save, delete data.

The v2 API talks to the DB API directly, or through the registry's
``POST /rpc`` when ``data_api`` names the registry: either way
:func:`~harness.service.api.v2.dbgateway.gateway` hands out an object
whose methods are the DB API functions.  :func:`load` and :func:`save`
turn its rows into *records* (see
``doc/source/explanation/internals/v2-contracts.rst``) and back,
mapping DB errors to HTTP ones.
"""

import copy
import logging
import uuid

import webob.exc

from harness.errors import HarnessError
from harness.service import crypt
from harness.service import errors as db_errors
from harness.service import quota
from harness.service.api.imagedata import deletion

LOG = logging.getLogger(__name__)

#: Columns a record carries as they are.
COLUMNS = ('id', 'name', 'status', 'size', 'virtual_size', 'disk_format',
           'container_format', 'min_disk', 'min_ram', 'checksum', 'owner',
           'protected', 'created_at', 'updated_at')
#: Location padding in v2.
V2_BLOCKSIZE = 16
#: Tries of a read-modify-write that another change keeps overtaking.
ATTEMPTS = 10


class Stale(HarnessError):
    """The image changed between the read and the write of a change."""


def policy_target(record):
    """What the download policies see of *record*: its properties and
    columns (the API and the cache filter check the same target)."""
    target = dict(record['properties'])
    target.update((key, record.get(key)) for key in COLUMNS)
    return target


def tags_of(db, image_ids):
    """``{image_id: [tags]}`` of *image_ids*: one query for them all
    (one ``/rpc`` round trip when *db* is the registry client)."""
    image_ids = list(image_ids)
    if not image_ids:
        return {}
    return db.image_tags_get_many(image_ids=image_ids)


def is_uuid(value):
    """Whether *value* is a UUID in any of the spellings Glance took."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def not_found(image_id):
    return webob.exc.HTTPNotFound(
        explanation='No image found with ID %s' % image_id)


def to_record(conf, row, tags):
    """A record from a DB API image row and its tags."""
    record = {key: row.get(key) for key in COLUMNS}
    record['visibility'] = 'public' if row.get('is_public') else 'private'
    record['properties'] = {prop['name']: prop['value']
                            for prop in row.get('properties') or ()
                            if not prop.get('deleted')}
    record['locations'] = [
        {'url': decrypt_url(conf, loc['url']), 'metadata': loc['metadata']}
        for loc in row.get('locations') or ()]
    record['tags'] = list(tags)
    return record


def decrypt_url(conf, url):
    key = conf.metadata_encryption_key
    return crypt.urlsafe_decrypt(key, url) if key else url


def encrypt_url(conf, url):
    key = conf.metadata_encryption_key
    return crypt.urlsafe_encrypt(key, url, V2_BLOCKSIZE) if key else url


def load(api, ctx, image_id):
    """The record of *image_id* as *ctx* sees it (``get_image`` checked).

    :raises webob.exc.HTTPNotFound: unknown, invisible, deleted or not a
        UUID: ``No image found with ID <id>``.
    """
    api.enforce(ctx, 'get_image')
    if not is_uuid(image_id):
        raise not_found(image_id)
    return read(api.conf, api.db(ctx), image_id)


def read(conf, db, image_id):
    """The record of *image_id* read through *db* (a DB gateway); no
    policy is checked.

    :raises webob.exc.HTTPNotFound: unknown, invisible or deleted:
        ``No image found with ID <id>``.
    """
    try:
        row = db.image_get(image_id=image_id)
        tags = db.image_tag_get_all(image_id=image_id)
    except (db_errors.NotFound, db_errors.Forbidden):
        raise not_found(image_id) from None
    if row.get('deleted') or row.get('status') == 'deleted':
        raise not_found(image_id)
    return to_record(conf, row, tags)


def db_values(conf, record):
    """The ``image_update``/``image_create`` values of *record*."""
    values = {key: record.get(key) for key in COLUMNS
              if key not in ('created_at', 'updated_at')}
    values['is_public'] = record.get('visibility') == 'public'
    values['properties'] = dict(record['properties'])
    values['locations'] = [
        {'url': encrypt_url(conf, loc['url']),
         'metadata': loc.get('metadata') or {}}
        for loc in record['locations']]
    return values


def check_property_quota(conf, record):
    quota.enforce_count(conf.image_property_quota,
                        len(record['properties']), quota.PROPERTIES)


def save(api, ctx, record, from_state=None, old_tags=None, since=None):
    """Store *record* and its tags in one ``image_update``.

    :param old_tags: the tags before the change; ``None`` always rewrites.
    :param since: the ``updated_at`` the record was read with: save only
        if the image has not changed since (else :class:`Stale`).
    :returns: the record as stored now.
    """
    check_property_quota(api.conf, record)
    db = api.db(ctx)
    values = db_values(api.conf, record)
    values.pop('id')
    tags = record['tags']
    changed = old_tags is None or list(old_tags) != list(tags)
    with db_errors_to_http(record['id']):
        try:
            row = db.image_update(image_id=record['id'], values=values,
                                  purge_props=True, from_state=from_state,
                                  from_updated_at=since,
                                  tags=list(tags) if changed else None)
        except db_errors.Conflict:
            if since is None:
                raise
            raise Stale(record['id']) from None
        if changed:
            tags = db.image_tag_get_all(image_id=record['id'])
    return to_record(api.conf, row, tags)


def modify(api, ctx, image_id, change):
    """Read image *image_id*, ``change(record)`` in place, write it back,
    as one unit: the write is a compare-and-set on ``updated_at`` (and
    the status), and *change* runs again on a fresh read if another
    change came in between, so racing requests end as if run one after
    the other.  *change* refuses by raising an HTTP error.

    :returns: ``(before, after)``: the record as read and as stored.
    :raises webob.exc.HTTPConflict: still overtaken after
        :data:`ATTEMPTS` tries.
    """
    for _ in range(ATTEMPTS):
        record = load(api, ctx, image_id)
        before = copy.deepcopy(record)
        change(record)
        try:
            return before, save(api, ctx, record,
                                from_state=before['status'],
                                old_tags=before['tags'],
                                since=before['updated_at'])
        except Stale:
            LOG.debug('Image %s changed meanwhile: trying again', image_id)
    raise webob.exc.HTTPConflict(explanation='Image operation conflicts')


class db_errors_to_http(object):
    """Context manager: DB API errors of image *image_id* as HTTP ones."""

    def __init__(self, image_id):
        self.image_id = image_id

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or not isinstance(exc, db_errors.ServiceError):
            return False
        if isinstance(exc, db_errors.Conflict):
            raise webob.exc.HTTPConflict(
                explanation='Image operation conflicts') from None
        if isinstance(exc, db_errors.NotFound):
            raise not_found(self.image_id) from None
        if isinstance(exc, db_errors.Duplicate):
            raise webob.exc.HTTPConflict(explanation=str(exc)) from None
        if isinstance(exc, db_errors.Forbidden):
            raise webob.exc.HTTPForbidden(explanation=str(exc)) from None
        if isinstance(exc, db_errors.Invalid):
            raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
        return False


def check_owner(ctx, record, message):
    """403 *message* unless *ctx* is admin or owns *record* (10.5)."""
    if ctx.is_admin:
        return
    if ctx.owner is None or record.get('owner') != ctx.owner:
        raise webob.exc.HTTPForbidden(explanation=message)


def delete_data(api, record):
    """Delete, or queue for the scrubber, the data of every location.

    :raises webob.exc.HTTPInternalServerError: the scrub queue could not
        be written (the image is left as it was).
    """
    for location in record['locations']:
        try:
            deletion.initiate_deletion(api.conf, location['url'],
                                       record['id'])
        except (OSError, HarnessError) as exc:
            LOG.error('Unable to delete the data of image %s: %s',
                      record['id'], exc)
            raise webob.exc.HTTPInternalServerError(
                explanation='Failed to delete the data of image %s'
                % record['id']) from None
