"""Image queries of the DB API (spec section 7.1).

Functions take an :class:`~sqlalchemy.engine.Engine` and a request context
(``is_admin``, ``owner`` and optionally ``show_deleted``) and return plain
dicts: the image columns plus ``properties`` (every property row of the
image, deleted ones included, as dicts) and ``locations`` (the non-deleted
locations as ``{"url", "metadata"}``), which is what Glance's DB API
returned and what the registry RPC hands out.
"""

import datetime
import json
import logging
import uuid

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from harness.service.db import errors
from harness.service.db import filters as db_filters
from harness.service.db import schema

LOG = logging.getLogger(__name__)

IMAGES = schema.images
PROPERTIES = schema.image_properties
LOCATIONS = schema.image_locations
MEMBERS = schema.image_members

STATUSES = ('active', 'saving', 'queued', 'killed', 'pending_delete',
            'deleted')


def utcnow():
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def can_show_deleted(context):
    """Whether *context* sees deleted rows: admins always do (as Glance's
    ``RequestContext.show_deleted`` property), others when asked to."""
    return bool(context.is_admin or getattr(context, 'show_deleted', False))


def is_image_visible(engine, context, image, status=None):
    """Return True if *image* (a dict) is visible to *context*.

    :param status: member status required of the context's membership
        (``None``: any).
    """
    with engine.connect() as connection:
        return _is_visible(connection, context, image, status)


def image_get(engine, context, image_id, force_show_deleted=False):
    """Return the image *image_id* as a dict.

    :raises NotFound: missing, or deleted and deleted rows are not shown.
    :raises Forbidden: the image is not visible to *context*.
    """
    with engine.connect() as connection:
        row = _image_get(connection, context, image_id, force_show_deleted)
        return _with_children(connection, [row])[0]


def image_get_all(engine, context, filters=None, marker=None, limit=None,
                  sort_key='created_at', sort_dir='desc',
                  member_status='accepted', is_public=None,
                  admin_as_user=False):
    """List the images visible to *context* (spec 7.1 "Listing").

    :param filters: dict; ``visibility``, ``deleted``, ``changes-since``,
        ``<column>_min``/``_max``, ``properties``, ``tags``, column names
        and other names (properties) as described in the spec.
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
            marker_row = _image_get(connection, context, marker,
                                    force_show_deleted=showing_deleted)
            conditions.append(
                db_filters.after_marker(columns, marker_row, sort_dir))
        query = (sa.select(IMAGES).where(*conditions)
                 .order_by(*db_filters.order_by(columns, sort_dir)))
        if limit is not None:
            query = query.limit(limit)
        rows = [dict(row._mapping) for row in connection.execute(query)]
        return _with_children(connection, rows)


def image_create(engine, context, values):
    """Create an image from *values* and return it as a dict.

    ``properties`` (name -> value) and ``locations`` (URL strings or
    ``{"url", "metadata"}`` dicts) create the child rows; keys that are not
    columns are ignored.

    :raises Invalid: no or unknown ``status``, or a constraint violation.
    :raises Duplicate: an image with this id already exists.
    """
    values = dict(values)
    properties = values.pop('properties', None) or {}
    locations = values.pop('locations', None) or []
    row = _new_image_row(values)
    now = row['created_at']
    try:
        with engine.begin() as connection:
            connection.execute(IMAGES.insert().values(**row))
            _insert_properties(connection, row['id'], properties, now)
            _insert_locations(connection, row['id'], locations, now)
    except sa_exc.IntegrityError as exc:
        _raise_integrity_error(engine, row['id'], exc)
    # No visibility check: an admin may create an image for another owner.
    with engine.connect() as connection:
        query = sa.select(IMAGES).where(IMAGES.c.id == row['id'])
        created = dict(connection.execute(query).one()._mapping)
        return _with_children(connection, [created])[0]


def to_full_dict(row, properties, locations):
    """Build the registry v1 "full" image dict (spec 7.2).

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


#: Column keys of the full image dict, in the order of the spec.
IMAGE_ATTRS = ('id', 'name', 'status', 'size', 'virtual_size', 'disk_format',
               'container_format', 'min_disk', 'min_ram', 'is_public',
               'checksum', 'owner', 'protected', 'created_at', 'updated_at',
               'deleted_at', 'deleted')


def _image_get(connection, context, image_id, force_show_deleted=False):
    """The images row of *image_id* as a dict, with Glance's checks."""
    query = sa.select(IMAGES).where(IMAGES.c.id == image_id)
    if not force_show_deleted and not can_show_deleted(context):
        query = query.where(IMAGES.c.deleted == sa.false())
    row = connection.execute(query).first()
    if row is None:
        LOG.debug('No image found with ID %s', image_id)
        raise errors.NotFound('No image found with ID %s' % image_id)
    image = dict(row._mapping)
    if not _is_visible(connection, context, image):
        LOG.debug('Forbidding request, image %s not visible', image_id)
        raise errors.Forbidden('Forbidding request, image %s not visible'
                               % image_id)
    return image


def _is_visible(connection, context, image, status=None):
    if context.is_admin or image['owner'] is None or image['is_public']:
        return True
    owner = context.owner
    if owner is None:
        return False
    if owner == image['owner']:
        return True
    query = sa.select(MEMBERS.c.id).where(
        MEMBERS.c.image_id == image['id'], MEMBERS.c.member == owner,
        MEMBERS.c.deleted == sa.false())
    if status is not None:
        query = query.where(MEMBERS.c.status == status)
    return connection.execute(query.limit(1)).first() is not None


def _with_children(connection, images):
    """Attach ``properties`` and ``locations`` to each image dict."""
    ids = [image['id'] for image in images]
    props = {image_id: [] for image_id in ids}
    locs = {image_id: [] for image_id in ids}
    if ids:
        query = (sa.select(PROPERTIES).where(PROPERTIES.c.image_id.in_(ids))
                 .order_by(PROPERTIES.c.id))
        for row in connection.execute(query):
            props[row.image_id].append(dict(row._mapping))
        query = (sa.select(LOCATIONS)
                 .where(LOCATIONS.c.image_id.in_(ids),
                        LOCATIONS.c.deleted == sa.false())
                 .order_by(LOCATIONS.c.id))
        for row in connection.execute(query):
            locs[row.image_id].append({'url': row.value,
                                       'metadata': _load_json(row.meta_data)})
    for image in images:
        image['properties'] = props[image['id']]
        image['locations'] = locs[image['id']]
    return images


def _new_image_row(values):
    """Validate *values* and fill in the column defaults of a new image."""
    status = values.get('status')
    if not status:
        raise errors.Invalid('Image status is required.')
    if status not in STATUSES:
        raise errors.Invalid("Invalid image status '%s' for image." % status)
    row = {key: value for key, value in values.items() if key in IMAGES.c}
    now = utcnow()
    for key, default in (('id', str(uuid.uuid4())), ('is_public', False),
                         ('protected', False), ('min_disk', 0),
                         ('min_ram', 0), ('deleted', False),
                         ('created_at', now), ('updated_at', now)):
        if row.get(key) is None:
            row[key] = default
    return row


def _insert_properties(connection, image_id, properties, now):
    rows = [{'image_id': image_id, 'name': name, 'value': value,
             'created_at': now, 'updated_at': now, 'deleted': False}
            for name, value in properties.items()]
    if rows:
        connection.execute(PROPERTIES.insert(), rows)


def _insert_locations(connection, image_id, locations, now):
    rows = []
    for location in locations:
        if isinstance(location, str):
            location = {'url': location}
        rows.append({'image_id': image_id, 'value': location['url'],
                     'meta_data': json.dumps(location.get('metadata') or {}),
                     'status': location.get('status') or 'active',
                     'created_at': now, 'updated_at': now, 'deleted': False})
    if rows:
        connection.execute(LOCATIONS.insert(), rows)


def _raise_integrity_error(engine, image_id, exc):
    with engine.connect() as connection:
        exists = connection.execute(
            sa.select(IMAGES.c.id).where(IMAGES.c.id == image_id)).first()
    if exists is not None:
        raise errors.Duplicate('Image ID %s already exists!'
                               % image_id) from exc
    raise errors.Invalid(str(exc.orig).splitlines()[0]) from exc


def _load_json(text):
    if not text:
        return {}
    return json.loads(text)
