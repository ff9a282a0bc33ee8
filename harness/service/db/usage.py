"""Storage used by an owner."""

import sqlalchemy as sa

from harness.service.db import common
from harness.service.db import schema

IMAGES = schema.images
LOCATIONS = schema.image_locations


def user_get_storage_usage(engine, context, owner_id, image_id=None):
    """Bytes stored for *owner_id*: ``size`` times the number of live
    locations, over the owner's images with a positive size that are not
    ``killed``, ``pending_delete`` or ``deleted``.

    :param image_id: an image left out of the sum (the one being
        uploaded).
    """
    common.check_id(image_id)
    copies = (sa.select(sa.func.count(LOCATIONS.c.id))
              .where(LOCATIONS.c.image_id == IMAGES.c.id,
                     LOCATIONS.c.deleted == sa.false(),
                     LOCATIONS.c.status != 'deleted')
              .scalar_subquery())
    query = sa.select(sa.func.sum(IMAGES.c.size * copies)).where(
        IMAGES.c.owner == owner_id, IMAGES.c.size > 0,
        IMAGES.c.status.not_in(('killed', 'pending_delete', 'deleted')))
    if image_id is not None:
        query = query.where(IMAGES.c.id != image_id)
    with engine.connect() as connection:
        total = connection.execute(query).scalar()
    # MySQL and PostgreSQL sum into DECIMAL.
    return int(total or 0)
