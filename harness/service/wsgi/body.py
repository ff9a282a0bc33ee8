"""``wsgi.input``: request bodies framed by Content-Length or chunked.

Reads never go past the end of the body, so an application can loop on
``read(n)`` until ``b''`` without blocking on the next request of a
keep-alive connection.  A client that goes away mid-body makes reads raise
:class:`ClientDisconnected` (an ``IOError``), which an application can tell
apart from the end of the body (``b''``).
"""

from harness.errors import HarnessError

#: Longest accepted chunk-size or trailer line.
MAX_CHUNK_LINE = 4096
#: Most trailer lines accepted after the last chunk.
MAX_TRAILERS = 100
_DISCARD_BLOCK = 65536
#: Largest single socket read: a huge claimed length must not make us
#: allocate it before the bytes arrive.
_MAX_READ = 1 << 20
_HEX = frozenset(b'0123456789abcdefABCDEF')


class BodyError(HarnessError, IOError):
    """The request body could not be read; the connection is unusable."""


class ClientDisconnected(BodyError):
    """The client closed the connection (or stalled past the socket timeout)
    before sending the whole request body."""


class InvalidChunkedBody(BodyError):
    """The chunked framing of the request body is malformed."""


class _Input(object):
    """What both framings share: the 100-continue hook and iteration."""

    def __init__(self, rfile, before_first_read=None):
        self._rfile = rfile
        self._before_first_read = before_first_read
        #: True once the framing reported the end of the body.
        self.complete = False
        #: True once the body failed (disconnect, bad framing).
        self.broken = False

    def _start(self):
        hook, self._before_first_read = self._before_first_read, None
        if hook is not None:
            hook()

    @property
    def started(self):
        """Whether the application (or a discard) began reading."""
        return self._before_first_read is None

    def _fail(self, error_class, message, cause=None):
        self.broken = True
        raise error_class(message) from cause

    def _exact(self, size):
        """Read exactly *size* bytes of body from the socket."""
        if size <= _MAX_READ:
            return self._exact_once(size)
        parts = []
        while size > 0:
            parts.append(self._exact_once(min(size, _MAX_READ)))
            size -= len(parts[-1])
        return b''.join(parts)

    def _exact_once(self, size):
        try:
            data = self._rfile.read(size)
        except OSError as exc:
            self._fail(ClientDisconnected,
                       'Client disconnected while sending the body: %s'
                       % exc, exc)
        if len(data) < size:
            self._fail(ClientDisconnected,
                       'Client disconnected before the end of the body')
        return data

    def _line(self, limit):
        """Read one line (at most *limit* bytes) of body from the socket."""
        try:
            line = self._rfile.readline(limit)
        except OSError as exc:
            self._fail(ClientDisconnected,
                       'Client disconnected while sending the body: %s'
                       % exc, exc)
        return line

    def readlines(self, hint=-1):
        """Return the remaining lines (until about *hint* bytes)."""
        lines, total = [], 0
        for line in self:
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def discard(self):
        """Read and drop what the application left of the body.

        :returns: whether the end of the body was reached cleanly.
        """
        try:
            while self.read(_DISCARD_BLOCK):
                pass
        except BodyError:
            return False
        return self.complete


class ContentLengthInput(_Input):
    """A body of a known length (``CONTENT_LENGTH``; 0 when absent)."""

    def __init__(self, rfile, length, before_first_read=None):
        super().__init__(rfile, before_first_read)
        self._left = length
        self.complete = length == 0

    def read(self, size=-1):
        """Return up to *size* bytes (all the rest when negative)."""
        if self._left <= 0:
            return b''
        self._start()
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._exact(size)
        self._left -= size
        self.complete = self._left == 0
        return data

    def readline(self, size=-1):
        """Return one line, at most *size* bytes, never past the body."""
        if self._left <= 0:
            return b''
        self._start()
        limit = self._left if size is None or size < 0 else min(
            size, self._left)
        line = self._line(limit)
        if len(line) < limit and not line.endswith(b'\n'):
            self._fail(ClientDisconnected,
                       'Client disconnected before the end of the body')
        self._left -= len(line)
        self.complete = self._left == 0
        return line


class ChunkedInput(_Input):
    """A ``Transfer-Encoding: chunked`` body, decoded."""

    def __init__(self, rfile, before_first_read=None):
        super().__init__(rfile, before_first_read)
        self._chunk_left = 0
        self._first = True

    def _next_chunk(self):
        """Move to the next chunk; set :attr:`complete` after the last."""
        if not self._first and self._exact(2) != b'\r\n':
            self._fail(InvalidChunkedBody, 'Chunk data not followed by CRLF')
        self._first = False
        line = self._line(MAX_CHUNK_LINE + 1)
        if not line.endswith(b'\n'):
            if len(line) > MAX_CHUNK_LINE:
                self._fail(InvalidChunkedBody, 'Chunk size line too long')
            self._fail(ClientDisconnected,
                       'Client disconnected before the end of the body')
        digits = line.split(b';', 1)[0].strip()
        if not digits or not _HEX.issuperset(digits):
            self._fail(InvalidChunkedBody, 'Invalid chunk size %r'
                       % line[:40])
        self._chunk_left = int(digits, 16)
        if self._chunk_left == 0:
            self._skip_trailers()
            self.complete = True

    def _skip_trailers(self):
        for _ in range(MAX_TRAILERS):
            line = self._line(MAX_CHUNK_LINE + 1)
            if not line.endswith(b'\n'):
                self._fail(InvalidChunkedBody if line else ClientDisconnected,
                           'Invalid or truncated chunked trailer')
            if line in (b'\r\n', b'\n'):
                return
        self._fail(InvalidChunkedBody, 'Too many chunked trailer lines')

    def read(self, size=-1):
        """Return up to *size* decoded bytes (all the rest when negative).

        Fewer bytes than asked only at the end of the body.
        """
        if self.complete or self.broken:
            return b''
        self._start()
        want = -1 if size is None or size < 0 else size
        parts = []
        while want != 0 and not self.complete:
            if self._chunk_left == 0:
                self._next_chunk()
                continue
            count = self._chunk_left if want < 0 else min(
                want, self._chunk_left)
            parts.append(self._exact(count))
            self._chunk_left -= count
            if want > 0:
                want -= count
        if len(parts) == 1:
            return parts[0]
        return b''.join(parts)

    def readline(self, size=-1):
        """Return one decoded line of at most *size* bytes."""
        if self.complete or self.broken:
            return b''
        self._start()
        want = -1 if size is None or size < 0 else size
        parts = []
        while want != 0 and not self.complete:
            if self._chunk_left == 0:
                self._next_chunk()
                continue
            limit = self._chunk_left if want < 0 else min(
                want, self._chunk_left)
            line = self._line(limit)
            if len(line) < limit and not line.endswith(b'\n'):
                self._fail(ClientDisconnected,
                           'Client disconnected before the end of the body')
            parts.append(line)
            self._chunk_left -= len(line)
            if want > 0:
                want -= len(line)
            if line.endswith(b'\n'):
                break
        return b''.join(parts)
