"""Child rows of images: properties and locations (plus the soft delete
of every child table when an image goes).

Functions take an open connection; the callers own the transaction.
"""

import sqlalchemy as sa

from harness.service import errors
from harness.service.db import common
from harness.service.db import schema
from harness.service.db import values

IMAGES = schema.images
PROPERTIES = schema.image_properties
LOCATIONS = schema.image_locations
MEMBERS = schema.image_members
TAGS = schema.image_tags


def check_image(connection, image_id):
    """Raise NotFound unless an images row *image_id* exists (deleted or
    not): child rows must not point nowhere, even on SQLite where foreign
    keys are off.

    Called first in a transaction that writes child rows: it locks the
    image row until the transaction ends (a no-op UPDATE: a row lock on
    MySQL and PostgreSQL, the database write lock on SQLite), so writers
    of one image's members, tags or properties take turns and each sees
    what the one before it committed (no duplicate live member or tag).
    """
    connection.execute(IMAGES.update().where(IMAGES.c.id == image_id)
                       .values(deleted=IMAGES.c.deleted))
    query = sa.select(IMAGES.c.id).where(IMAGES.c.id == image_id)
    if connection.execute(query).first() is None:
        raise errors.NotFound('No image found with ID %s' % image_id)


def attach(connection, images):
    """Attach ``properties`` (every property row, deleted ones included,
    as dicts) and ``locations`` (the non-deleted ones as ``{"url",
    "metadata"}``, in insertion order) to each image dict."""
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
            locs[row.image_id].append(
                {'url': row.value,
                 'metadata': common.load_json(row.meta_data, {})})
    for image in images:
        image['properties'] = props[image['id']]
        image['locations'] = locs[image['id']]
    return images


def property_text(value, name='property'):
    """Properties are text; other JSON scalars are stored as their str.

    :raises Invalid: an object, a list or a NUL character.
    """
    return None if value is None else values.to_text(name, value)


def check_properties(image_values):
    """Pop ``properties`` from *image_values*: a name -> scalar mapping.

    :raises Invalid: not an object, or a value that is an object or a
        list (it would be stored as its Python text), or NUL in a name or
        value.
    """
    properties = image_values.pop('properties', None)
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise errors.Invalid('Image properties must be an object, not %s'
                             % type(properties).__name__)
    for name, value in properties.items():
        # Checked again when written; here so nothing is written first.
        values.to_text('property name', name)
        property_text(value, 'property %s' % name)
    return properties


def set_properties(connection, image_id, properties, purge, now):
    """Create or update *properties* (name -> value) of an image.

    A property deleted earlier is brought back (the table is unique on
    image and name, deleted rows included).  With *purge*, non-deleted
    properties absent from *properties* are soft-deleted.
    """
    query = sa.select(PROPERTIES).where(PROPERTIES.c.image_id == image_id)
    existing = {row.name: row for row in connection.execute(query)}
    for name, value in properties.items():
        values.to_text('property name', name)
        value = property_text(value, 'property %s' % name)
        row = existing.get(name)
        if row is None:
            connection.execute(PROPERTIES.insert().values(
                image_id=image_id, name=name, value=value,
                created_at=now, updated_at=now, deleted=False))
        else:
            connection.execute(
                PROPERTIES.update().where(PROPERTIES.c.id == row.id)
                .values(value=value, updated_at=now,
                        deleted=False, deleted_at=None))
    if not purge:
        return
    stale = [row.id for name, row in existing.items()
             if name not in properties and not row.deleted]
    if stale:
        connection.execute(PROPERTIES.update()
                           .where(PROPERTIES.c.id.in_(stale))
                           .values(**common.soft_delete_values(now)))


def location_entries(locations):
    """Normalise locations (URL strings or ``{"url", "metadata"}``
    dicts) to dicts with ``url``, ``metadata`` and ``status``.

    :raises Invalid: an entry without a URL.
    """
    entries = []
    for location in locations:
        if isinstance(location, str):
            location = {'url': location}
        if not isinstance(location, dict) or \
                not isinstance(location.get('url'), str) or \
                not isinstance(location.get('metadata') or {}, dict):
            raise errors.Invalid('Invalid location: %s' % (location,))
        values.to_text('location', location['url'])
        entries.append({'url': location['url'],
                        'metadata': location.get('metadata') or {},
                        'status': location.get('status') or 'active'})
    return entries


def insert_locations(connection, image_id, locations, now):
    """Add *locations* (see :func:`location_entries`) to an image."""
    rows = [{'image_id': image_id, 'value': entry['url'],
             'meta_data': common.dump_json(entry['metadata']),
             'status': entry['status'], 'created_at': now,
             'updated_at': now, 'deleted': False}
            for entry in location_entries(locations)]
    if rows:
        connection.execute(LOCATIONS.insert(), rows)


def replace_locations(connection, image_id, locations, now):
    """Soft-delete the image's locations and add *locations* instead."""
    connection.execute(
        LOCATIONS.update().where(LOCATIONS.c.image_id == image_id,
                                 LOCATIONS.c.deleted == sa.false())
        .values(**common.soft_delete_values(now)))
    insert_locations(connection, image_id, locations, now)


def soft_delete_all(connection, image_id, when):
    """Soft-delete every live child row of an image, stamped *when* (the
    image's own ``deleted_at``)."""
    for table in (LOCATIONS, PROPERTIES, MEMBERS, TAGS):
        connection.execute(
            table.update().where(table.c.image_id == image_id,
                                 table.c.deleted == sa.false())
            .values(**common.soft_delete_values(when)))
