"""Image property rows of the DB API (the registry RPC's
``image_property_create`` / ``image_property_delete``).

Properties are normally written through ``image_create`` and
``image_update``; these two functions exist for the RPC contract.
"""

import sqlalchemy as sa

from harness.service import errors
from harness.service.db import children
from harness.service.db import common
from harness.service.db import schema

PROPERTIES = schema.image_properties


def image_property_create(engine, context, values):
    """Create property ``values['name']`` of image ``values['image_id']``
    with ``values['value']``; return the property row as a dict.

    A deleted property of that name is brought back with the new value.

    :raises Duplicate: the image already has that property.
    :raises Invalid: no image id or name, or values the columns refuse.
    """
    image_id, name = values.get('image_id'), values.get('name')
    if not image_id or not name:
        raise errors.Invalid('A property needs an image_id and a name.')
    common.check_id(image_id)
    now = common.utcnow()
    with common.invalid_on_db_error(), engine.begin() as connection:
        children.check_image(connection, image_id)
        row = _find(connection, image_id, name)
        if row is not None and not row['deleted']:
            raise errors.Duplicate('Image %s already has a property %s'
                                   % (image_id, name))
        children.set_properties(connection, image_id,
                                {name: values.get('value')}, False, now)
        return _find(connection, image_id, name)


def image_property_delete(engine, context, prop_ref, image_ref):
    """Soft-delete property *prop_ref* (its name) of image *image_ref*
    (its id); return the deleted row as a dict.

    :raises NotFound: the image has no such (non-deleted) property.
    """
    common.check_id(image_ref)
    with engine.begin() as connection:
        row = _find(connection, image_ref, prop_ref)
        if row is None or row['deleted']:
            raise errors.NotFound('Image %s has no property %s'
                                  % (image_ref, prop_ref))
        connection.execute(
            PROPERTIES.update().where(PROPERTIES.c.id == row['id'])
            .values(**common.soft_delete_values(common.utcnow())))
        return _find(connection, image_ref, prop_ref)


def _find(connection, image_id, name):
    query = sa.select(PROPERTIES).where(PROPERTIES.c.image_id == image_id,
                                        PROPERTIES.c.name == name)
    row = connection.execute(query).first()
    return None if row is None else dict(row._mapping)
