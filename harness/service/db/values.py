"""Value rules shared by the DB layer, the registry and the v1 API.

What a column can hold is checked here once, before any SQL runs, so a
value out of range is an :class:`~harness.service.errors.Invalid` (a
400) on every back end, instead of a driver error on MySQL/PostgreSQL or
an ``OverflowError`` on SQLite.  Pure Python: the API process imports it
without SQLAlchemy.
"""

import datetime
import json

from harness.service import errors

#: Largest value of an ``INTEGER`` and of a ``BIGINT`` column.
INTEGER_MAX = (1 << 31) - 1
BIG_INTEGER_MAX = (1 << 63) - 1

#: Largest value of the integer columns of ``images``.
IMAGE_INT_MAX = {'size': BIG_INTEGER_MAX, 'virtual_size': BIG_INTEGER_MAX,
                 'min_disk': INTEGER_MAX, 'min_ram': INTEGER_MAX}

#: Length of ``image_members.member``.
MEMBER_MAX_LENGTH = 255

#: Date-times every back end stores (MySQL ``DATETIME`` starts at 1000).
DATETIME_MIN = datetime.datetime(1000, 1, 1)
DATETIME_MAX = datetime.datetime.max


def check_int(name, number, maximum, minimum=None):
    """Return *number* if it fits ``[minimum, maximum]``.

    :param minimum: default ``-maximum - 1`` (the column's own bound).
    :raises Invalid: out of range.
    """
    if minimum is None:
        minimum = -maximum - 1
    if not minimum <= number <= maximum:
        raise errors.Invalid("Invalid value '%s' for %s: out of range "
                             "(%d to %d)" % (number, name, minimum, maximum))
    return number


def check_datetime(name, value):
    """Return the naive UTC *value* if every back end can store it.

    :raises Invalid: outside :data:`DATETIME_MIN` .. :data:`DATETIME_MAX`.
    """
    if not DATETIME_MIN <= value <= DATETIME_MAX:
        raise errors.Invalid("Invalid value '%s' for %s: out of range"
                             % (value.isoformat(), name))
    return value


def to_utc(name, value):
    """Aware *value* as naive UTC (naive: unchanged), range-checked.

    :raises Invalid: the UTC time falls outside the years 1000-9999
        (``0001-01-01T00:00:00+01:00`` is in year 0).
    """
    if value.tzinfo is not None:
        try:
            value = value.astimezone(datetime.timezone.utc).replace(
                tzinfo=None)
        except OverflowError:
            raise errors.Invalid("Invalid value '%s' for %s: out of range"
                                 % (value.isoformat(), name)) from None
    return check_datetime(name, value)


def to_text(name, value):
    """*value* as the text of a string column: a JSON scalar as its text.

    :raises Invalid: an object or a list (it would be stored as its Python
        text), or text with a NUL character (PostgreSQL stores none).
    """
    if isinstance(value, (dict, list, tuple, set)):
        raise errors.Invalid('Invalid value %s for %s: it must be a string'
                             % (_json_text(value), name))
    text = value if isinstance(value, str) else str(value)
    if '\0' in text:
        raise errors.Invalid('Invalid value for %s: it holds a NUL '
                             'character' % name)
    return text


def member_id(value):
    """Return *value* if it can name an image member.

    :raises Invalid: not a non-empty string of at most
        :data:`MEMBER_MAX_LENGTH` characters.
    """
    if not isinstance(value, str) or not value:
        raise errors.Invalid('Invalid member_id %s: it must be a non-empty '
                             'string' % _json_text(value))
    if len(value) > MEMBER_MAX_LENGTH:
        raise errors.Invalid('Invalid member_id: longer than %d characters'
                             % MEMBER_MAX_LENGTH)
    return to_text('member_id', value)


def _json_text(value):
    """*value* spelled as the client sent it (JSON), for messages."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
