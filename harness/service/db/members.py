"""Image members of the DB API.

Member rows are handed out as ``{"id", "image_id", "member",
"can_share", "status", "created_at", "updated_at"}``.  Who may change a
membership is decided by the callers (registry, v2 API); listings only
show a non-admin the rows of images it owns and the rows naming it.
"""

import sqlalchemy as sa

from harness.service import errors
from harness.service.db import children
from harness.service.db import common
from harness.service.db import schema
from harness.service.db import values as values_mod

MEMBERS = schema.image_members
IMAGES = schema.images

#: Keys of a member dict.
MEMBER_KEYS = ('id', 'image_id', 'member', 'can_share', 'status',
               'created_at', 'updated_at')

#: Columns a member update may change.
_UPDATABLE = ('member', 'can_share', 'status')


def image_member_create(engine, context, values):
    """Add member ``values['member']`` to image ``values['image_id']``.

    ``can_share`` defaults to false, ``status`` to ``pending``.

    :raises Invalid: no image id or member, a member that is not a
        string of at most 255 characters, or values the columns refuse.
    :raises NotFound: no such image.
    :raises Duplicate: already a (non-deleted) member.
    """
    row = common.coerce_columns(MEMBERS, values)
    if not row.get('image_id') or not values.get('member'):
        raise errors.Invalid('A membership needs an image_id and a member.')
    values_mod.member_id(values['member'])
    common.check_id(row['image_id'])
    now = common.utcnow()
    row.update(can_share=bool(row.get('can_share')),
               status=row.get('status') or 'pending', created_at=now,
               updated_at=now, deleted=False, deleted_at=None)
    row.pop('id', None)
    with common.invalid_on_db_error(), engine.begin() as connection:
        children.check_image(connection, row['image_id'])
        if _live(connection, row['image_id'], row['member']):
            raise errors.Duplicate(
                'The target member %s is already associated with image %s.'
                % (row['member'], row['image_id']))
        result = connection.execute(MEMBERS.insert().values(**row))
        return _get(connection, result.inserted_primary_key[0])


def image_member_update(engine, context, memb_id, values):
    """Change ``member``, ``can_share`` or ``status`` of membership
    *memb_id* (other keys are ignored); return the member dict.

    :raises NotFound: no such non-deleted membership.
    :raises Invalid: a ``member`` that cannot name a member.
    """
    if 'member' in values:
        values_mod.member_id(values['member'])
    changes = {key: value for key, value in
               common.coerce_columns(MEMBERS, values).items()
               if key in _UPDATABLE}
    if 'can_share' in changes:
        changes['can_share'] = bool(changes['can_share'])
    changes['updated_at'] = common.utcnow()
    with common.invalid_on_db_error(), engine.begin() as connection:
        _get(connection, memb_id)
        connection.execute(MEMBERS.update().where(MEMBERS.c.id == memb_id)
                           .values(**changes))
        return _get(connection, memb_id)


def image_member_delete(engine, context, memb_id):
    """Soft-delete membership *memb_id*.

    :raises NotFound: no such non-deleted membership.
    """
    with engine.begin() as connection:
        _get(connection, memb_id)
        connection.execute(
            MEMBERS.update().where(MEMBERS.c.id == memb_id)
            .values(**common.soft_delete_values(common.utcnow())))


def image_members_replace(engine, context, image_id, memberships):
    """Make *memberships* the member set of *image_id*, in one
    transaction: every member id is checked before anything changes.

    :param memberships: list of ``(member, can_share)``; *can_share*
        ``None`` keeps an existing member's flag (false for a new one).
    :raises Invalid: a member id that is not a non-empty string of at
        most 255 characters (nothing is changed).
    :raises NotFound: no such image.
    """
    wanted = {}
    for member, can_share in memberships:
        wanted[values_mod.member_id(member)] = can_share
    now = common.utcnow()
    with common.invalid_on_db_error(), engine.begin() as connection:
        children.check_image(connection, image_id)
        query = sa.select(MEMBERS).where(MEMBERS.c.image_id == image_id,
                                         MEMBERS.c.deleted == sa.false())
        for row in connection.execute(query).all():
            if row.member not in wanted:
                connection.execute(
                    MEMBERS.update().where(MEMBERS.c.id == row.id)
                    .values(**common.soft_delete_values(now)))
                continue
            can_share = wanted.pop(row.member)
            if can_share is not None and bool(can_share) != row.can_share:
                connection.execute(
                    MEMBERS.update().where(MEMBERS.c.id == row.id)
                    .values(can_share=bool(can_share), updated_at=now))
        rows = [{'image_id': image_id, 'member': member,
                 'can_share': bool(can_share), 'status': 'pending',
                 'created_at': now, 'updated_at': now, 'deleted': False}
                for member, can_share in wanted.items()]
        if rows:
            connection.execute(MEMBERS.insert(), rows)


def image_member_find(engine, context, image_id=None, member=None,
                      status=None):
    """Non-deleted memberships matching the given criteria, in insertion
    order.  A non-admin sees the rows of images its owner owns and the
    rows naming its owner (an anonymous one: none)."""
    query = sa.select(MEMBERS).where(MEMBERS.c.deleted == sa.false())
    if not context.is_admin:
        owner = context.owner
        if owner is None:
            return []
        query = query.join(IMAGES, IMAGES.c.id == MEMBERS.c.image_id).where(
            sa.or_(IMAGES.c.owner == owner, MEMBERS.c.member == owner))
    for column, value in (('image_id', image_id), ('member', member),
                          ('status', status)):
        if value is not None:
            if '\0' in str(value):
                return []  # stored nowhere; PostgreSQL cannot compare it
            query = query.where(MEMBERS.c[column] == str(value))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(MEMBERS.c.id))
        return [_format(row._mapping) for row in rows]


def image_member_count(engine, context, image_id):
    """Number of non-deleted members of *image_id*.

    :raises Invalid: no image id (``Image id is required.``).
    """
    if not image_id:
        raise errors.Invalid('Image id is required.')
    query = sa.select(sa.func.count(MEMBERS.c.id)).where(
        MEMBERS.c.image_id == str(image_id),
        MEMBERS.c.deleted == sa.false())
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def _format(row):
    return {key: row[key] for key in MEMBER_KEYS}


def _get(connection, memb_id):
    query = sa.select(MEMBERS).where(MEMBERS.c.id == common.to_int(
        'memb_id', memb_id), MEMBERS.c.deleted == sa.false())
    row = connection.execute(query).first()
    if row is None:
        raise errors.NotFound('No membership found with ID %s' % memb_id)
    return _format(row._mapping)


def _live(connection, image_id, member):
    query = sa.select(MEMBERS.c.id).where(
        MEMBERS.c.image_id == image_id, MEMBERS.c.member == member,
        MEMBERS.c.deleted == sa.false())
    return connection.execute(query.limit(1)).first() is not None
