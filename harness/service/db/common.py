"""Helpers shared by the DB API modules: time, JSON columns, value
coercion and the translation of driver errors.

Nothing here runs a query of its own; the functions take plain values or
an open connection.
"""

import contextlib
import datetime
import json

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from harness.errors import ConfigError
from harness.service import errors
from harness.service.config import to_bool
from harness.service.db import schema
from harness.service.db import values as values_mod

#: Length of the ``id`` / ``image_id`` columns: longer ids match nothing.
ID_LENGTH = 36

#: Keys an update never writes (Glance's "protected attributes").
PROTECTED_KEYS = ('id', 'created_at', 'updated_at', 'deleted_at', 'deleted')


def utcnow():
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def later_than(updated_at):
    """Now, or just after *updated_at* if the clock has not passed it: a
    change always moves ``updated_at``, so a read-modify-write that
    compares it (``from_updated_at``) sees every change in between."""
    now = utcnow()
    if updated_at is not None and now <= updated_at:
        now = updated_at + datetime.timedelta(microseconds=1)
    return now


def can_show_deleted(context):
    """Whether *context* sees deleted rows: admins always do (as Glance's
    ``RequestContext.show_deleted`` property), others when asked to."""
    return bool(context.is_admin or getattr(context, 'show_deleted', False))


def check_id(identifier, kind='image'):
    """Raise NotFound for an id that cannot be in an ``id`` column.

    PostgreSQL and MySQL would store nothing that long, and a lookup
    must not depend on how a back end compares over-long strings; no id
    holds a NUL character (PostgreSQL refuses to compare with one), and
    every id is text (an RPC caller may send any JSON value).
    """
    if identifier is not None and (not isinstance(identifier, str)
                                   or len(identifier) > ID_LENGTH
                                   or '\0' in identifier):
        error = errors.TaskNotFound if kind == 'task' else errors.NotFound
        raise error('No %s found with ID %s' % (kind, identifier))


def dump_json(value):
    """Text of a JSON column (``None`` stays ``None``)."""
    return None if value is None else json.dumps(value)


def load_json(text, empty=None):
    """Value of a JSON column; *empty* for NULL or empty text."""
    if not text:
        return empty
    return json.loads(text)


def to_int(name, value, default=None, maximum=None):
    """*value* as an int (text accepted); ``None`` gives *default*.

    :param maximum: the largest value allowed (and ``-maximum - 1`` the
        smallest); ``None``: any.
    :raises Invalid: not an integer, or out of range.
    """
    if value is None:
        return default
    if isinstance(value, float) and not value.is_integer():
        # 1.5 is no integer (int() would cut it); nor are inf and nan.
        raise errors.Invalid("Invalid value '%s' for %s: not an integer"
                             % (value, name))
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        # OverflowError: an infinite float.
        raise errors.Invalid("Invalid value '%s' for %s: not an integer"
                             % (value, name)) from None
    if maximum is not None:
        values_mod.check_int(name, number, maximum)
    return number


def int_maximum(kind):
    """The largest value integer column type *kind* stores."""
    if isinstance(kind, sa.BigInteger):
        return values_mod.BIG_INTEGER_MAX
    return values_mod.INTEGER_MAX


def to_boolean(name, value, default=False):
    """*value* as a bool (oslo spellings accepted for text).

    :raises Invalid: text that is no boolean.
    """
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return to_bool(value, name)
        except ConfigError:
            raise errors.Invalid("Invalid value '%s' for %s: not a boolean"
                                 % (value, name)) from None
    return bool(value)


def to_datetime(name, value):
    """*value* (datetime or ISO 8601 text) as a naive UTC datetime.

    :raises Invalid: text that is no ISO 8601 date-time, or a time no
        back end stores (see :func:`.values.to_utc`).
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text[-1:] in ('Z', 'z'):
            text = text[:-1] + '+00:00'
        try:
            value = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise errors.Invalid("Invalid value '%s' for %s: not a "
                                 "date-time" % (value, name)) from None
    if not isinstance(value, datetime.datetime):
        raise errors.Invalid("Invalid value '%s' for %s: not a date-time"
                             % (value, name))
    return values_mod.to_utc(name, value)


def coerce_columns(table, values):
    """Keep the keys of *values* naming columns of *table*, converted to
    the column types (integers, booleans and date-times may come as text
    from the registry or as JSON numbers)."""
    row = {}
    for key, value in values.items():
        if key not in table.c:
            continue
        kind = table.c[key].type
        if isinstance(kind, sa.Boolean):
            value = to_boolean(key, value, default=None)
        elif isinstance(kind, sa.Integer):
            value = to_int(key, value, maximum=int_maximum(kind))
        elif isinstance(kind, (sa.DateTime, schema.DateTime)):
            value = to_datetime(key, value)
        elif isinstance(kind, sa.String) and value is not None:
            # PostgreSQL compares and stores text columns with text only.
            value = values_mod.to_text(key, value)
        row[key] = value
    return row


def first_line(exc):
    """The first line of a driver error: what the caller may be told."""
    orig = getattr(exc, 'orig', None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


@contextlib.contextmanager
def invalid_on_db_error():
    """Turn constraint and data errors of the driver into ``Invalid``.

    A NOT NULL column left empty, a string too long for its column (MySQL
    strict mode, PostgreSQL) or a value of the wrong type are errors of
    the data supplied, not of the service.
    """
    try:
        yield
    except (sa_exc.IntegrityError, sa_exc.DataError) as exc:
        raise errors.Invalid(first_line(exc)) from exc


def soft_delete_values(when):
    """Column values of a soft delete at *when*."""
    return {'deleted': True, 'deleted_at': when, 'updated_at': when}
