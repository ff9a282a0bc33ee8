"""The one JSON loader of the service's request bodies.

The v1 API, the registry and its RPC endpoint (and the v2 API, meant to
use it too) decode request bodies with :func:`loads`, so one set of rules
applies everywhere:

* nesting deeper than :data:`MAX_DEPTH` arrays/objects is refused before
  the decoder sees it (the stdlib decoder recurses, and 100,000 ``[``
  would end in a ``RecursionError``, a 500);
* ``NaN``, ``Infinity`` and numbers that overflow a float (``1e400``) are
  refused: no column or option takes them, and ``int(inf)`` fails late;
* strings with a lone surrogate escape (``"\\ud800"``) are refused: they
  are no Unicode text, and no database driver can encode them;
* anything else the decoder refuses is "malformed".

Every refusal is :class:`InvalidJSON`, which the apps answer with 400 and
the error's text.
"""

import json
import math
import re

from harness.errors import HarnessError

#: Deepest nesting of arrays and objects accepted in a body.  Glance's
#: bodies nest a handful of levels (RPC kwargs, location metadata).
MAX_DEPTH = 64

MALFORMED = 'Malformed JSON in request body.'

# A JSON string (escapes included, "unrolled" so it runs in C), or one
# bracket.  Brackets inside strings are thereby skipped.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_OPENING = frozenset('[{')
# An escape of a surrogate code point: only then can a lone one appear.
_SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F]')


class InvalidJSON(HarnessError, ValueError):
    """A request body that is not acceptable JSON; ``str()`` is the
    message for the client."""


def _reject_constant(name):
    raise InvalidJSON('Number out of range in JSON body: %s' % name)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        _reject_constant(text)
    return value


def _text(data):
    if isinstance(data, (bytes, bytearray)):
        try:
            return bytes(data).decode(json.detect_encoding(data))
        except (UnicodeDecodeError, LookupError):
            raise InvalidJSON(MALFORMED) from None
    return data


def check_depth(text, limit=MAX_DEPTH):
    """Raise :class:`InvalidJSON` if *text* nests deeper than *limit*."""
    if text.count('[') + text.count('{') <= limit:
        return  # cannot be that deep: skip the scan
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > limit:
                raise InvalidJSON('JSON body nested deeper than %d levels.'
                                  % limit)
        elif token in ']}':
            depth = max(depth - 1, 0)


def loads(data, object_hook=None):
    """Decode the JSON request body *data* (bytes or text).

    :param object_hook: as for :func:`json.loads` (the RPC date-times).
    :raises InvalidJSON: malformed, too deep, or a non-finite number.
    """
    text = _text(data)
    if not isinstance(text, str):
        raise InvalidJSON(MALFORMED)
    check_depth(text)
    try:
        value = json.loads(text, object_hook=object_hook,
                           parse_float=_finite_float,
                           parse_constant=_reject_constant)
    except InvalidJSON:
        raise
    except (ValueError, RecursionError):
        # ValueError: bad syntax, or an integer of more digits than
        # int() takes.  RecursionError cannot follow check_depth() but
        # must never become a 500 either.
        raise InvalidJSON(MALFORMED) from None
    if _SURROGATE_ESCAPE.search(text):
        _check_encodable(value)
    return value


def _check_encodable(value):
    """Refuse *value* if a string in it is no valid Unicode text (a lone
    surrogate; pairs were joined by the decoder)."""
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode('utf-8')
    except UnicodeEncodeError:
        raise InvalidJSON('Invalid string in JSON body: a lone surrogate '
                          'escape is no Unicode character.') from None
