"""A strict check of chunked framing, run alongside h11's decoder.

h11 decodes the chunked body; it is lenient in three places a front-end
may read differently: whitespace after the chunk size, any byte (a bare
CR) in a chunk extension, and bare LF or obs-fold in the trailer section.
:class:`ChunkedCheck` sees the same bytes first and refuses those.  It only
follows the framing (sizes and line ends); it never copies chunk data.
"""

import re

from harness.service.wsgi import head as head_mod

#: Longest chunk-size or trailer line accepted.
MAX_LINE = 4096
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = (rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]'
           rb'|\\[\t \x21-\x7e\x80-\xff])*"')
# RFC 9112 7.1 with no whitespace next to the size: "1a;name=value".
_SIZE_LINE = re.compile(
    rb'([0-9A-Fa-f]{1,15})((?:[ \t]*;[ \t]*%s(?:[ \t]*=[ \t]*(?:%s|%s))?)*)'
    rb'\r\n' % (_TOKEN, _TOKEN, _QUOTED))
_FIELD = re.compile(rb'%s:[^\r\n\x00]*\r\n' % _TOKEN)

_SIZE, _DATA, _CRLF, _TRAILER, _DONE = range(5)


class ChunkedError(Exception):
    """The chunked framing is malformed."""


class ChunkedCheck(object):
    """Feed it every body byte, in order; it raises :class:`ChunkedError`.

    Bytes after the end of the body (a pipelined request) are ignored.
    """

    def __init__(self):
        self._state = _SIZE
        self._left = 0
        self._line = bytearray()
        self._trailers = 0

    def feed(self, data):
        pos, end = 0, len(data)
        while pos < end and self._state != _DONE:
            if self._state == _DATA:
                step = min(self._left, end - pos)
                pos += step
                self._left -= step
                if not self._left:
                    self._state = _CRLF
                continue
            newline = data.find(b'\n', pos)
            stop = end if newline < 0 else newline + 1
            self._line += data[pos:stop]
            pos = stop
            if len(self._line) > MAX_LINE:
                raise ChunkedError('Chunk size or trailer line too long')
            if newline >= 0:
                line, self._line = bytes(self._line), bytearray()
                self._end_of_line(line)

    def _end_of_line(self, line):
        if self._state == _CRLF:
            if line != b'\r\n':
                raise ChunkedError('Chunk data not followed by CRLF')
            self._state = _SIZE
        elif self._state == _SIZE:
            match = _SIZE_LINE.fullmatch(line)
            if match is None or match.group(2)[:1] in (b' ', b'\t'):
                raise ChunkedError('Invalid chunk size line %r' % line[:40])
            self._left = int(match.group(1), 16)
            self._state = _DATA if self._left else _TRAILER
        elif line == b'\r\n':
            self._state = _DONE
        else:
            self._trailers += 1
            if (self._trailers > head_mod.MAX_HEADERS
                    or not _FIELD.fullmatch(line)):
                raise ChunkedError('Invalid chunked trailer line')
