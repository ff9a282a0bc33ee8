"""Image tags of the DB API.

Tags are returned in creation order; an image carries a tag at most once
(creating one it already has changes nothing).
"""

import sqlalchemy as sa

from harness.service import errors
from harness.service.db import children
from harness.service.db import common
from harness.service.db import schema

TAGS = schema.image_tags


def image_tag_get_all(engine, context, image_id):
    """The image's non-deleted tags, oldest first.

    :raises NotFound: *image_id* is too long to be an id.
    """
    common.check_id(image_id)
    with engine.connect() as connection:
        return _tags(connection, image_id)


def image_tags_get_many(engine, context, image_ids):
    """``{image_id: [tags]}`` of every id in *image_ids*, in one query
    (a listing page asks once, not once per image).

    Values that cannot be ids (see :func:`common.check_id`) simply have
    no tags.

    :raises Invalid: *image_ids* is not a list.
    """
    if not isinstance(image_ids, (list, tuple)):
        raise errors.Invalid('image_ids must be a list')
    tags = {}
    for image_id in image_ids:
        try:
            common.check_id(image_id)
        except errors.NotFound:
            continue
        tags[image_id] = []
    ids = list(tags)
    if not ids:
        return tags
    query = (sa.select(TAGS.c.image_id, TAGS.c.value)
             .where(TAGS.c.image_id.in_(ids), TAGS.c.deleted == sa.false())
             .order_by(TAGS.c.created_at, TAGS.c.id))
    with engine.connect() as connection:
        for row in connection.execute(query):
            tags[row.image_id].append(row.value)
    return tags


def image_tag_create(engine, context, image_id, value):
    """Tag image *image_id* with *value*; return *value*.

    :raises NotFound: no such image.
    :raises Invalid: a value the column refuses (e.g. too long).
    """
    common.check_id(image_id)
    with common.invalid_on_db_error(), engine.begin() as connection:
        children.check_image(connection, image_id)
        if value not in _tags(connection, image_id):
            _insert(connection, image_id, [value], common.utcnow())
    return value


def image_tag_delete(engine, context, image_id, value):
    """Soft-delete tag *value* of image *image_id*.

    :raises NotFound: the image has no such tag.
    """
    common.check_id(image_id)
    with engine.begin() as connection:
        result = connection.execute(
            TAGS.update().where(TAGS.c.image_id == image_id,
                                TAGS.c.value == value,
                                TAGS.c.deleted == sa.false())
            .values(**common.soft_delete_values(common.utcnow())))
        if result.rowcount == 0:
            raise errors.NotFound('Image %s has no tag %s'
                                  % (image_id, value))


def image_tag_set_all(engine, context, image_id, tags):
    """Make *tags* the image's tag set: missing ones are created (in the
    order given), the others soft-deleted.

    :raises NotFound: no such image.
    """
    common.check_id(image_id)
    with common.invalid_on_db_error(), engine.begin() as connection:
        children.check_image(connection, image_id)
        replace(connection, image_id, tags, common.utcnow())


def replace(connection, image_id, tags, now):
    """Make *tags* the tag set of *image_id* within *connection*'s
    transaction (the caller holds the image row)."""
    wanted = list(dict.fromkeys(tags))
    existing = _tags(connection, image_id)
    _insert(connection, image_id,
            [tag for tag in wanted if tag not in existing], now)
    stale = [tag for tag in existing if tag not in wanted]
    if stale:
        connection.execute(
            TAGS.update().where(TAGS.c.image_id == image_id,
                                TAGS.c.value.in_(stale),
                                TAGS.c.deleted == sa.false())
            .values(**common.soft_delete_values(now)))


def _tags(connection, image_id):
    query = (sa.select(TAGS.c.value)
             .where(TAGS.c.image_id == image_id,
                    TAGS.c.deleted == sa.false())
             .order_by(TAGS.c.created_at, TAGS.c.id))
    return [row.value for row in connection.execute(query)]


def _insert(connection, image_id, values, now):
    # One row at a time: ids then follow the given order on every back
    # end, and rows created together sort by id.
    for value in values:
        connection.execute(TAGS.insert().values(
            image_id=image_id, value=value, created_at=now, updated_at=now,
            deleted=False))
