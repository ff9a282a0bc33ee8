"""Image queries of the DB API.

Functions take an :class:`~sqlalchemy.engine.Engine` and a request context
(``is_admin``, ``owner`` and optionally ``show_deleted``) and return plain
dicts: the image columns plus ``properties`` (every property row of the
image, deleted ones included, as dicts) and ``locations`` (the non-deleted
locations as ``{"url", "metadata"}``), which is what Glance's DB API
returned and what the registry RPC hands out.
"""

import logging
import uuid

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from harness.service import errors
from harness.service.db import access
from harness.service.db import children
from harness.service.db import common
from harness.service.db import filters as db_filters
from harness.service.db import schema
from harness.service.db import tags as tags_mod
from harness.service.db.common import utcnow

LOG = logging.getLogger(__name__)

IMAGES = schema.images

STATUSES = ('active', 'saving', 'queued', 'killed', 'pending_delete',
            'deleted')

#: Column keys of the full image dict (:func:`to_full_dict`), in order.
IMAGE_ATTRS = ('id', 'name', 'status', 'size', 'virtual_size', 'disk_format',
               'container_format', 'min_disk', 'min_ram', 'is_public',
               'checksum', 'owner', 'protected', 'created_at', 'updated_at',
               'deleted_at', 'deleted')


def image_get(engine, context, image_id, force_show_deleted=False):
    """Return the image *image_id* as a dict.

    :raises NotFound: missing, or deleted and deleted rows are not shown.
    :raises Forbidden: the image is not visible to *context*.
    """
    with engine.connect() as connection:
        row = get_row(connection, context, image_id, force_show_deleted)
        return children.attach(connection, [row])[0]


def image_get_all(engine, context, filters=None, marker=None, limit=None,
                  sort_key='created_at', sort_dir='desc',
                  member_status='accepted', is_public=None,
                  admin_as_user=False):
    """List the images visible to *context*.

    :param filters: dict; ``visibility``, ``deleted``, ``changes-since``,
        ``<column>_min``/``_max``, ``properties``, ``tags``, column names
        and other names (properties), as :mod:`.filters` reads them.
    :param marker: id of the image after which the page starts.
    :raises NotFound: the marker does not exist (or is hidden deleted).
    :raises Forbidden: the marker is not visible.
    :raises InvalidSortKey: *sort_key* is not a column.
    :raises InvalidFilterRangeValue: non-numeric range filter.
    """
    filters = dict(filters or {})
    visibility = filters.pop('visibility', None)
    showing_deleted = 'changes-since' in filters or bool(
        filters.get('deleted', False))
    columns = db_filters.sort_columns(sort_key)
    conditions = db_filters.image_conditions(filters, is_public)
    for condition in (
            db_filters.visibility_condition(context, admin_as_user,
                                            member_status, visibility),
            db_filters.visibility_filter(visibility)):
        if condition is not None:
            conditions.append(condition)
    with engine.connect() as connection:
        if marker is not None:
            marker_row = get_row(connection, context, marker,
                                 force_show_deleted=showing_deleted)
            conditions.append(
                db_filters.after_marker(columns, marker_row, sort_dir))
        query = (sa.select(IMAGES).where(*conditions)
                 .order_by(*db_filters.order_by(columns, sort_dir)))
        if limit is not None:
            query = query.limit(limit)
        rows = [dict(row._mapping) for row in connection.execute(query)]
        return children.attach(connection, rows)


def image_create(engine, context, values):
    """Create an image from *values* and return it as a dict.

    ``properties`` (name -> value) and ``locations`` (URL strings or
    ``{"url", "metadata"}`` dicts) create the child rows; keys that are not
    columns are ignored.  No visibility check: an admin may create an
    image for another owner.

    :raises Invalid: no or unknown ``status``, a value of the wrong type
        or out of its column's range, ``properties`` not a mapping, or a
        constraint violation.
    :raises Duplicate: an image with this id already exists.
    """
    values = dict(values)
    properties = children.check_properties(values)
    locations = values.pop('locations', None) or []
    row = _new_image_row(values)
    now = utcnow()
    try:
        with engine.begin() as connection:
            connection.execute(IMAGES.insert().values(**row))
            children.set_properties(connection, row['id'], properties,
                                    False, now)
            children.insert_locations(connection, row['id'], locations,
                                      now)
    except (sa_exc.IntegrityError, sa_exc.DataError) as exc:
        _raise_create_error(engine, row['id'], exc)
    with engine.connect() as connection:
        return _read_back(connection, row['id'])


def image_update(engine, context, image_id, values, purge_props=False,
                 from_state=None, from_updated_at=None, tags=None):
    """Change image *image_id* and return it.

    ``properties`` are created or updated (and, with *purge_props*, the
    ones absent are deleted: no ``properties`` at all purges every one);
    ``locations``, when given, replace the image's locations.  The keys
    ``id``, ``created_at``, ``updated_at``, ``deleted_at`` and
    ``deleted`` are ignored; ``updated_at`` becomes now.

    :param from_state: apply only if the current status is this one.
    :param from_updated_at: apply only if ``updated_at`` is still this
        (the caller read the image then: a read-modify-write as one unit).
    :param tags: if given, the image's tag set afterwards (same
        transaction).
    :raises NotFound: missing (or hidden deleted).
    :raises Forbidden: not visible, or a private image *context* may not
        change.
    :raises ForbiddenPublicImage: a public image *context* may not change.
    :raises Conflict: the status is not *from_state*, or ``updated_at``
        not *from_updated_at*.
    :raises Invalid: bad status, *from_state* or values (as
        :func:`image_create`).
    """
    values = dict(values)
    properties = children.check_properties(values)
    if from_state:
        _check_status(from_state)
    locations = values.pop('locations', None)
    changes = _update_values(values)
    if from_updated_at is not None:
        from_updated_at = common.to_datetime('from_updated_at',
                                             from_updated_at)
    with common.invalid_on_db_error(), engine.begin() as connection:
        image = get_row(connection, context, image_id)
        access.check_mutable(context, image)
        now = changes['updated_at'] = common.later_than(image['updated_at'])
        query = IMAGES.update().where(IMAGES.c.id == image_id)
        if from_state:
            query = query.where(IMAGES.c.status == from_state)
        if from_updated_at is not None:
            query = query.where(IMAGES.c.updated_at == from_updated_at)
        if connection.execute(query.values(**changes)).rowcount == 0:
            if from_updated_at is not None:
                raise errors.Conflict('image %s changed since %s'
                                      % (image_id, from_updated_at))
            raise errors.Conflict(
                'cannot transition from %s to %s in update (wanted '
                'from_state=%s)' % (image['status'], values.get('status'),
                                    from_state))
        children.set_properties(connection, image_id, properties,
                                purge_props, now)
        if locations is not None:
            children.replace_locations(connection, image_id, locations, now)
        if tags is not None:
            tags_mod.replace(connection, image_id, tags, now)
        # Read back unchecked: an admin may just have given it away.
        return _read_back(connection, image_id)


def image_destroy(engine, context, image_id):
    """Soft-delete image *image_id* and its child rows (properties,
    locations, members, tags) with one ``deleted_at``; return the image
    as it is now (its locations are gone, its properties deleted).

    :raises NotFound, Forbidden, ForbiddenPublicImage: as
        :func:`image_update`.
    """
    with engine.begin() as connection:
        image = get_row(connection, context, image_id)
        access.check_mutable(context, image)
        now = utcnow()
        connection.execute(IMAGES.update().where(IMAGES.c.id == image_id)
                           .values(**common.soft_delete_values(now)))
        children.soft_delete_all(connection, image_id, now)
        return _read_back(connection, image_id)


def to_full_dict(row, properties, locations):
    """Build the registry v1 "full" image dict.

    :param row: mapping of the image columns.
    :param properties: property rows (dicts); deleted ones are skipped.
    :param locations: ``{"url", "metadata"}`` dicts, in order.
    :returns: dict with ISO 8601 datetimes (no zone; microseconds only
        when non-zero), ``properties`` as name -> value, ``location`` (the
        first URL or ``None``) and ``location_data``.
    """
    image = {key: row[key] for key in IMAGE_ATTRS}
    for key in ('created_at', 'updated_at', 'deleted_at'):
        if image[key] is not None:
            image[key] = image[key].isoformat()
    image['properties'] = {prop['name']: prop['value']
                           for prop in properties if not prop['deleted']}
    location_data = [{'url': loc['url'], 'metadata': loc['metadata']}
                     for loc in locations]
    image['location'] = location_data[0]['url'] if location_data else None
    image['location_data'] = location_data
    return image


def get_row(connection, context, image_id, force_show_deleted=False):
    """The images row of *image_id* as a dict, with Glance's checks.

    :raises NotFound: no such row, or a deleted one not to be shown.
    :raises Forbidden: not visible to *context*.
    """
    common.check_id(image_id)
    query = sa.select(IMAGES).where(IMAGES.c.id == image_id)
    if not force_show_deleted and not common.can_show_deleted(context):
        query = query.where(IMAGES.c.deleted == sa.false())
    row = connection.execute(query).first()
    if row is None:
        LOG.debug('No image found with ID %s', image_id)
        raise errors.NotFound('No image found with ID %s' % image_id)
    image = dict(row._mapping)
    if not access.is_visible(connection, context, image):
        LOG.debug('Forbidding request, image %s not visible', image_id)
        raise errors.Forbidden('Forbidding request, image %s not visible'
                               % image_id)
    return image


def _read_back(connection, image_id):
    query = sa.select(IMAGES).where(IMAGES.c.id == image_id)
    row = dict(connection.execute(query).one()._mapping)
    return children.attach(connection, [row])[0]


def _check_status(status):
    if not status:
        raise errors.Invalid('Image status is required.')
    if status not in STATUSES:
        raise errors.Invalid("Invalid image status '%s' for image."
                             % status)


def _image_columns(values):
    """The column values of *values*, typed, with Glance's clean-ups."""
    row = common.coerce_columns(IMAGES, values)
    if 'owner' in row and not row['owner']:
        row['owner'] = None
    for key in ('min_disk', 'min_ram'):
        if key in row and row[key] is None:
            row[key] = 0
    for key in ('is_public', 'protected'):
        if key in row and row[key] is None:
            row[key] = False
    return row


def _new_image_row(values):
    """Validate *values* and fill in the column defaults of a new image."""
    _check_status(values.get('status'))
    if values.get('id') is not None:
        values['id'] = str(values['id'])
        if len(values['id']) > common.ID_LENGTH:
            raise errors.Invalid('Image id is longer than %d characters'
                                 % common.ID_LENGTH)
    row = _image_columns(values)
    now = utcnow()
    for key, default in (('id', str(uuid.uuid4())), ('is_public', False),
                         ('protected', False), ('min_disk', 0),
                         ('min_ram', 0), ('deleted', False),
                         ('created_at', now), ('updated_at', now)):
        if row.get(key) is None:
            row[key] = default
    return row


def _update_values(values):
    """Column changes of an update (protected keys dropped)."""
    if 'status' in values:
        _check_status(values['status'])
    row = _image_columns(values)
    for key in common.PROTECTED_KEYS:
        row.pop(key, None)
    return row


def _raise_create_error(engine, image_id, exc):
    with engine.connect() as connection:
        exists = connection.execute(
            sa.select(IMAGES.c.id).where(IMAGES.c.id == image_id)).first()
    if exists is not None:
        raise errors.Duplicate('Image ID %s already exists!'
                               % image_id) from exc
    raise errors.Invalid(common.first_line(exc)) from exc
