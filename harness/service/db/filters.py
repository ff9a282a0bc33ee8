"""SQL conditions and ordering for image listings (spec section 7.1).

Pure query building: nothing here touches a connection.  Every function
returns SQLAlchemy Core expressions over :data:`schema.images`.
"""

import datetime

import sqlalchemy as sa

from harness.errors import ConfigError
from harness.service.config import to_bool
from harness.service.db import errors
from harness.service.db import schema

IMAGES = schema.images
PROPERTIES = schema.image_properties
MEMBERS = schema.image_members
TAGS = schema.image_tags

# Filter keys handled specially, never as column equality or properties.
_SPECIAL = ('properties', 'tags', 'changes-since', 'deleted', 'checksum',
            'is_public', 'visibility')

#: Stand-ins for NULL when sorting, so NULL sorts as the smallest value on
#: every back end (SQLite and MySQL do that natively, PostgreSQL does not).
_MIN_DATETIME = datetime.datetime(1000, 1, 1)


def image_conditions(filters, is_public=None):
    """Translate listing *filters* into a list of WHERE conditions.

    :param filters: dict of filters (see spec 7.1); not modified.
    :param is_public: ``True``/``False`` adds ``is_public == value``.
    :raises InvalidFilterRangeValue: a ``*_min``/``*_max`` value is not
        numeric.
    """
    filters = dict(filters or {})
    conditions = []
    if is_public is not None:
        conditions.append(IMAGES.c.is_public == bool(is_public))
    if filters.get('checksum') is not None:
        conditions.append(IMAGES.c.checksum == filters['checksum'])
    if 'is_public' in filters:
        # Inside filters, is_public names a property (Glance behaviour).
        conditions.append(_property_matches('is_public', filters['is_public']))
    for name, value in (filters.get('properties') or {}).items():
        conditions.append(_property_matches(name, value))
    if 'changes-since' in filters:
        since = normalize_time(filters['changes-since'])
        conditions.append(IMAGES.c.updated_at > since)
    if 'deleted' in filters:
        conditions.extend(_deleted_conditions(filters['deleted']))
    for tag in filters.get('tags') or ():
        conditions.append(_has_tag(tag))
    for key, value in filters.items():
        if key in _SPECIAL or value is None:
            continue
        conditions.append(_column_or_property(key, value))
    return conditions


def visibility_condition(context, admin_as_user=False,
                         member_status='accepted', visibility=None):
    """The condition restricting a listing to what *context* may see.

    :returns: a condition, or ``None`` when nothing is restricted (admin).
    """
    regular_user = not context.is_admin or admin_as_user
    owner = context.owner
    if not regular_user:
        if visibility == 'shared':
            # Glance joins the members table without any filter for admins.
            return sa.exists().where(MEMBERS.c.image_id == IMAGES.c.id)
        return None
    if owner is None:
        # Port: Glance 2014.1 matched any image with a member here, leaking
        # shared private images to anonymous callers; match none instead.
        member_branch = sa.false()
    else:
        member_branch = _member_exists(owner, member_status)
    if visibility == 'shared':
        return member_branch
    branches = [IMAGES.c.is_public == sa.true()]
    if owner is not None:
        branches += [IMAGES.c.owner == owner, member_branch]
    return sa.or_(*branches)


def visibility_filter(visibility):
    """Condition of ``filters['visibility']`` public/private, else None."""
    if visibility == 'public':
        return IMAGES.c.is_public == sa.true()
    if visibility == 'private':
        return IMAGES.c.is_public == sa.false()
    return None


def sort_columns(sort_key):
    """Columns to order by: the key, then ``created_at``, then ``id``.

    :raises InvalidSortKey: *sort_key* is not an ``images`` column.
    """
    keys = [sort_key] if isinstance(sort_key, str) else list(sort_key)
    ordered = []
    for key in keys + ['created_at', 'id']:
        if key not in IMAGES.c:
            raise errors.InvalidSortKey()
        if key not in ordered:
            ordered.append(key)
    return [IMAGES.c[key] for key in ordered]


def order_by(columns, sort_dir):
    """ORDER BY clauses for *columns* (NULL as the smallest value)."""
    exprs = [sort_expression(column) for column in columns]
    if sort_dir == 'desc':
        return [expr.desc() for expr in exprs]
    return [expr.asc() for expr in exprs]


def after_marker(columns, marker, sort_dir):
    """Condition selecting the rows strictly after *marker* in the order.

    :param marker: mapping of the marker image's column values.
    """
    exprs = [sort_expression(column) for column in columns]
    values = [_null_as(column, marker[column.name]) for column in columns]
    branches = []
    for index, expr in enumerate(exprs):
        equal = [exprs[i] == values[i] for i in range(index)]
        if sort_dir == 'desc':
            step = expr < values[index]
        else:
            step = expr > values[index]
        branches.append(sa.and_(*equal, step))
    return sa.or_(*branches)


def sort_expression(column):
    """*column* with NULL replaced by a value below every real one."""
    default = _null_default(column)
    if default is None:
        return column
    return sa.func.coalesce(column, sa.literal(default, column.type))


def normalize_time(value):
    """Return *value* (datetime or ISO 8601 text) as a naive UTC datetime."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise errors.Invalid('Unrecognized changes-since value') from None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def _null_default(column):
    kind = column.type
    if isinstance(kind, (schema.DateTime, sa.DateTime)):
        return _MIN_DATETIME
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return -1
    if isinstance(kind, sa.String):
        return ''
    return None


def _null_as(column, value):
    return _null_default(column) if value is None else value


def _deleted_conditions(value):
    deleted = to_bool(value, 'deleted') if isinstance(value, str) else value
    conditions = [IMAGES.c.deleted == bool(deleted)]
    if not deleted:
        # Glance hides killed images whenever non-deleted ones are asked for.
        conditions.append(IMAGES.c.status != 'killed')
    return conditions


def _column_or_property(key, value):
    if key.endswith('_min') or key.endswith('_max'):
        column = key[:-4]
        if column in IMAGES.c:
            return _range(IMAGES.c[column], key.endswith('_min'), value)
    if key in IMAGES.c:
        return column_equals(IMAGES.c[key], value)
    return _property_matches(key, value)


def column_equals(column, value):
    """``column == value`` with text values converted to the column type.

    Query strings carry text; a value that cannot be an integer or boolean
    matches no row (what SQLite does, where PostgreSQL would fail).
    """
    if isinstance(value, str) and isinstance(column.type, sa.Boolean):
        try:
            value = to_bool(value, column.name)
        except ConfigError:
            return sa.false()
    elif isinstance(value, str) and isinstance(column.type, sa.Integer):
        try:
            value = int(value)
        except ValueError:
            return sa.false()
    return column == value


def _range(column, is_min, value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.InvalidFilterRangeValue(
            'Unable to filter on a range with a non-numeric value.') from None
    return column >= number if is_min else column <= number


def _property_matches(name, value):
    text = value if isinstance(value, str) else str(value)
    return sa.exists().where(PROPERTIES.c.image_id == IMAGES.c.id,
                             PROPERTIES.c.deleted == sa.false(),
                             PROPERTIES.c.name == name,
                             PROPERTIES.c.value == text)


def _has_tag(tag):
    return sa.exists().where(TAGS.c.image_id == IMAGES.c.id,
                             TAGS.c.deleted == sa.false(),
                             TAGS.c.value == tag)


def _member_exists(member, member_status):
    conditions = [MEMBERS.c.image_id == IMAGES.c.id,
                  MEMBERS.c.deleted == sa.false(),
                  MEMBERS.c.member == member]
    if member_status != 'all':
        conditions.append(MEMBERS.c.status == member_status)
    return sa.exists().where(*conditions)
