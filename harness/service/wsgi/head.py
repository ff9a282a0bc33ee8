"""Checks on the raw bytes of a request head, before h11 parses it.

h11 is strict about most of HTTP/1.1 but, by design, tolerant in places a
front-end proxy may read differently (request smuggling): it accepts bare
LF line ends, unfolds obs-fold lines, and lets chunked framing win over a
``Content-Length``.  This module refuses those, and what WSGI itself makes
ambiguous (``X_Foo`` and ``X-Foo`` are the same ``HTTP_X_FOO`` key), with
400 and a closed connection (nginx and Apache drop such names by default;
a 400 says so), except Glance v1's ``x-image-meta-*`` names.  It also
bounds the head: :data:`MAX_HEAD_BYTES` and :data:`MAX_HEADERS` (431).

:func:`scan` runs in the event loop on the bytes received so far and says
whether the head is complete (or surely bad); :func:`check` runs on the
complete head in the worker thread and raises :class:`BadRequest`.
"""

import re

#: Largest request head (request line and header fields) accepted.
MAX_HEAD_BYTES = 65536
#: Most header fields accepted in one request.
MAX_HEADERS = 100

_END = b'\r\n\r\n'
# A CR not followed by LF, an LF not preceded by CR, or a NUL.  A CR at the
# very end of what arrived so far may still get its LF.
_BAD_BYTE = re.compile(rb'\r(?=[^\n])|(?<!\r)\n|\x00')
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: The one family of names where "_" is part of an API: Glance v1 clients
#: send x-image-meta-is_public, x-image-meta-property-x_foo, ...  Nothing
#: the server or a middleware acts on has this prefix.
UNDERSCORE_PREFIXES = (b'x-image-meta-',)
_DIGITS = re.compile(rb'[0-9]{1,19}')
_VERSION = re.compile(rb'HTTP/[0-9]\.[0-9]')
# What the first line of a request can be so far: a method token, then a
# target, then the start of a version.  A line that already left this
# shape (say, the rest of a body longer than its Content-Length) can never
# begin a request: waiting for the head deadline would only delay the 400.
_LINE_PREFIX = re.compile(
    rb"[!#$%&'*+.^_`|~0-9A-Za-z-]*"
    rb"(?: [^\x00-\x20\x7f]*(?: (?:H(?:T(?:T(?:P(?:/(?:[0-9](?:\.[0-9]?)?)?"
    rb")?)?)?)?)?)?)?\r?")
_LINE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^\x00-\x20\x7f]+ "
                   rb"HTTP/[0-9]\.[0-9]")

TOO_LARGE = '431 Request Header Fields Too Large'


class BadRequest(Exception):
    """The request cannot be served; answer *status* and close."""

    def __init__(self, explanation, status='400 Bad Request'):
        super().__init__(explanation)
        self.status = status


def strip_empty_lines(buffer):
    """Drop the CRLFs a client may send before a request (RFC 9112 2.2).
    """
    count = 0
    while buffer.startswith(b'\r\n', count):
        count += 2
    if count:
        del buffer[:count]


def scan(buffer, max_line):
    """Whether *buffer* holds a head to hand to :func:`check`.

    :returns: the length of the complete head (up to and including the
        empty line), ``-1`` when :func:`check` will reject what arrived
        already (bad byte, too long), ``0`` when more bytes are needed.
    """
    end = buffer.find(_END, 0, MAX_HEAD_BYTES + 4)
    if end >= 0:
        return end + 4
    if (len(buffer) > MAX_HEAD_BYTES or _BAD_BYTE.search(buffer)
            or not can_begin_request(buffer)):
        return -1
    last = buffer.rfind(b'\n') + 1
    if len(buffer) - last > max_line + 2:
        return -1
    return 0


def can_begin_request(buffer):
    """Whether *buffer* may still be (the start of) a request line: a
    complete first line must be one, a partial one a prefix of one."""
    first = buffer.find(b'\r\n')
    if first >= 0:
        return _LINE.fullmatch(buffer, 0, first) is not None
    return _LINE_PREFIX.fullmatch(buffer) is not None


def check(head, max_line):
    """Refuse what h11 would accept but must not be served.

    :param head: the request head as received (from :func:`scan`).
    :returns: the request line (for the access log).
    :raises BadRequest: with the status to answer.
    """
    if len(head) > MAX_HEAD_BYTES + 4 or not head.endswith(_END):
        if _BAD_BYTE.search(head):
            raise BadRequest('Bare CR or LF, or NUL, in the request head')
        if not can_begin_request(head):
            raise BadRequest('Malformed request line')
        if len(head) > MAX_HEAD_BYTES:
            raise BadRequest('Request header block too large', TOO_LARGE)
        raise BadRequest('Line is too long')
    if _BAD_BYTE.search(head):
        raise BadRequest('Bare CR or LF, or NUL, in the request head')
    lines = bytes(head[:-4]).split(b'\r\n')
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest('Too many header fields', TOO_LARGE)
    if any(len(line) > max_line for line in lines):
        raise BadRequest('Line is too long')
    http10 = _check_version(lines[0])
    _check_fields(lines[1:], http10)
    return lines[0]


def _check_version(request_line):
    version = request_line.rpartition(b' ')[2]
    if version == b'HTTP/1.1':
        return False
    if version == b'HTTP/1.0':
        return True
    if _VERSION.fullmatch(version):
        raise BadRequest('Unsupported HTTP version',
                         '505 HTTP Version Not Supported')
    raise BadRequest('Malformed request line')


def _check_fields(lines, http10):
    hosts, codings, lengths = 0, [], []
    for line in lines:
        if line[:1] in (b' ', b'\t'):
            raise BadRequest('Obsolete line folding is not accepted')
        name, sep, value = line.partition(b':')
        if not sep or not _TOKEN.fullmatch(name):
            raise BadRequest('Invalid header name %r'
                             % name[:40].decode('latin-1'))
        name = name.lower()
        if b'_' in name and not name.startswith(UNDERSCORE_PREFIXES):
            # WSGI maps "_" and "-" to the same key: X_Roles would pass
            # for X-Roles behind a proxy that strips X-Roles.
            raise BadRequest('Header name with an underscore: %r'
                             % name[:40].decode('latin-1'))
        value = value.strip(b' \t')
        if name == b'host':
            hosts += 1
        elif name == b'transfer-encoding':
            codings += [c.strip(b' \t') for c in value.split(b',')]
        elif name == b'content-length':
            lengths.append(value)
    if hosts > 1 or (hosts == 0 and not http10):
        raise BadRequest('A request needs exactly one Host header')
    if codings:
        _check_codings(codings, lengths, http10)
    if lengths and (len(lengths) > 1
                    or not _DIGITS.fullmatch(lengths[0])):
        raise BadRequest('Invalid Content-Length')


def _check_codings(codings, lengths, http10):
    if lengths:
        raise BadRequest('Transfer-Encoding together with Content-Length')
    if http10:
        raise BadRequest('Transfer-Encoding in an HTTP/1.0 request')
    if not all(_TOKEN.fullmatch(c) for c in codings):
        raise BadRequest('Invalid Transfer-Encoding')
    if [c.lower() for c in codings] != [b'chunked']:
        # A well-formed coding we do not implement (RFC 9112 6.1).
        raise BadRequest('Unsupported Transfer-Encoding',
                         '501 Not Implemented')
