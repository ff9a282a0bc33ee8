"""SQL conditions and ordering for image listings.

Pure query building: nothing here touches a connection.  Every function
returns SQLAlchemy Core expressions over :data:`schema.images`.
"""

import sqlalchemy as sa

from harness.errors import ConfigError
from harness.service import errors
from harness.service.config import to_bool
from harness.service.db import common
from harness.service.db import schema
from harness.service.db import values as values_mod

IMAGES = schema.images
PROPERTIES = schema.image_properties
MEMBERS = schema.image_members
TAGS = schema.image_tags

#: Most filters one listing may give (properties and tags counted one
#: by one).  Each is a subquery: from about 100 PostgreSQL plans for
#: seconds, from 300 for minutes.
MAX_FILTERS = 20

# Filter keys handled specially, never as column equality or properties.
_SPECIAL = ('properties', 'tags', 'changes-since', 'deleted', 'checksum',
            'is_public', 'visibility')


def image_conditions(filters, is_public=None):
    """Translate listing *filters* into a list of WHERE conditions.

    :param filters: dict of filters; not modified.
    :param is_public: ``True``/``False`` adds ``is_public == value``.
    :raises InvalidFilterRangeValue: a ``*_min``/``*_max`` value is not
        numeric.
    """
    filters = dict(filters or {})
    check_count(filters)
    conditions = []
    if is_public is not None:
        conditions.append(IMAGES.c.is_public == bool(is_public))
    if filters.get('checksum') is not None:
        conditions.append(column_equals(IMAGES.c.checksum,
                                        filters['checksum']))
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


def check_count(filters):
    """Raise ``Invalid`` for more than :data:`MAX_FILTERS` filters."""
    count = sum(len(filters.get(key) or ())
                for key in ('properties', 'tags'))
    count += len(set(filters) - {'properties', 'tags', 'deleted'})
    if count > MAX_FILTERS:
        raise errors.Invalid('Too many filters: %d (at most %d).'
                             % (count, MAX_FILTERS))


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


def sort_columns(sort_key, table=IMAGES):
    """Columns to order by: the key, then ``created_at``, then ``id``.

    :param table: the table listed (images by default; tasks too).
    :raises InvalidSortKey: *sort_key* is not a column of *table*.
    """
    keys = [sort_key] if isinstance(sort_key, str) else list(sort_key)
    ordered = []
    for key in keys + ['created_at', 'id']:
        if key not in table.c:
            raise errors.InvalidSortKey()
        if key not in ordered:
            ordered.append(key)
    return [table.c[key] for key in ordered]


def order_by(columns, sort_dir):
    """ORDER BY clauses for *columns*, NULL as the smallest value.

    SQLite and MySQL sort NULL first in ascending order, PostgreSQL last;
    an explicit ``IS NULL`` key makes every back end agree (and agree with
    :func:`after_marker`).

    :raises Invalid: *sort_dir* is neither ``asc`` nor ``desc``.
    """
    if sort_dir not in ('asc', 'desc'):
        raise errors.Invalid('Unknown sort direction, must be "desc" or '
                             '"asc"')
    clauses = []
    for column in columns:
        keys = [column]
        if column.nullable:
            keys.insert(0, sa.case((column.is_(None), 0), else_=1))
        clauses += [key.desc() if sort_dir == 'desc' else key.asc()
                    for key in keys]
    return clauses


def after_marker(columns, marker, sort_dir):
    """Condition selecting the rows strictly after *marker* in the order
    of :func:`order_by`.

    :param marker: mapping of the marker image's column values.
    """
    branches = []
    for index, column in enumerate(columns):
        equal = [_equal(columns[i], marker[columns[i].name])
                 for i in range(index)]
        step = _after(column, marker[column.name], sort_dir == 'desc')
        branches.append(sa.and_(*equal, step))
    return sa.or_(*branches)


def _equal(column, value):
    return column.is_(None) if value is None else column == value


def _after(column, value, descending):
    """Rows whose *column* comes strictly after *value*."""
    if not descending:
        # NULL sorts first: everything non-NULL follows a NULL marker, and
        # nothing NULL follows a non-NULL one (NULL > v is never true).
        return column.is_not(None) if value is None else column > value
    if value is None:
        return sa.false()
    if column.nullable:
        return sa.or_(column < value, column.is_(None))
    return column < value


def normalize_time(value):
    """Return *value* (datetime or ISO 8601 text) as a naive UTC datetime.

    :raises Invalid: ``Unrecognized changes-since value``: not a
        date-time, or one no back end stores.
    """
    try:
        return common.to_datetime('changes-since', value)
    except errors.Invalid:
        raise errors.Invalid('Unrecognized changes-since value') from None


def _deleted_conditions(value):
    deleted = common.to_boolean('deleted', value)
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


def is_datetime(column):
    """Whether *column* holds date-times (SQLAlchemy refuses anything
    else as a value to compare it with, quoting its SQL)."""
    kind = column.type
    return isinstance(getattr(kind, 'impl_instance', kind), sa.DateTime)


def column_equals(column, value, name=None):
    """``column == value`` with text values converted to the column type.

    Query strings carry text; a value that cannot be an integer or boolean
    matches no row (what SQLite does, where PostgreSQL would fail), and a
    text column is compared with text.

    :raises Invalid: an integer the column cannot hold, or a value of a
        date-time column that is no date-time (naming the filter *name*,
        by default the column's).
    """
    if is_datetime(column):
        return column == common.to_datetime(name or column.name, value)
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
        values_mod.check_int(column.name, value,
                             common.int_maximum(column.type))
    elif isinstance(column.type, sa.String):
        # PostgreSQL has no text = integer operator.
        value = value if isinstance(value, str) else str(value)
        if not storable(value):
            return sa.false()
    return column == value


def storable(text):
    """Whether a text column can hold *text*: one with NUL matches no row
    (and PostgreSQL refuses to even compare with it)."""
    return '\0' not in text


def _range(column, is_min, value):
    if is_datetime(column):
        bound = common.to_datetime(
            '%s_%s' % (column.name, 'min' if is_min else 'max'), value)
        return column >= bound if is_min else column <= bound
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise errors.InvalidFilterRangeValue(
            'Unable to filter on a range with a non-numeric value.') from None
    maximum = common.int_maximum(column.type)
    if isinstance(column.type, sa.Integer) and \
            not -maximum - 1 <= number <= maximum:
        raise errors.InvalidFilterRangeValue(
            'Unable to filter on a range with a value out of range: %s'
            % value)
    return column >= number if is_min else column <= number


def _property_matches(name, value):
    text = value if isinstance(value, str) else str(value)
    if not (storable(text) and storable(name)):
        return sa.false()
    return sa.exists().where(PROPERTIES.c.image_id == IMAGES.c.id,
                             PROPERTIES.c.deleted == sa.false(),
                             PROPERTIES.c.name == name,
                             PROPERTIES.c.value == text)


def _has_tag(tag):
    if not storable(str(tag)):
        return sa.false()
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
