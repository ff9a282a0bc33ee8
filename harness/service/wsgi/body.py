"""``wsgi.input``: the request body, read as it arrives.

Reads never go past the end of the body, so an application can loop on
``read(n)`` until ``b''`` without blocking on the next request of a
keep-alive connection.  A client that goes away (or stalls past the socket
timeout) mid-body makes reads raise :class:`ClientDisconnected` (an
``IOError``), which an application can tell apart from the end (``b''``).

A chunked body is decoded by h11 (its ``Data`` events), with
:class:`~.chunked.ChunkedCheck` refusing what h11 tolerates.  A
``Content-Length`` body needs no decoding: once h11 parsed the head, the
bytes are counted straight from the socket into the caller's buffer
(``readinto``), sparing the two copies h11's receive buffer would make of
every byte of a large upload.
"""

import h11

from harness.errors import HarnessError
from harness.service.wsgi import chunked as chunked_mod

_DISCARD_BLOCK = 1 << 16
#: Largest single socket read: a huge claimed length must not make us
#: allocate it before the bytes arrive.
_MAX_READ = 1 << 20


class BodyError(HarnessError, IOError):
    """The request body could not be read; the connection is unusable."""


class ClientDisconnected(BodyError):
    """The client closed the connection (or stalled past the socket timeout)
    before sending the whole request body."""


class InvalidChunkedBody(BodyError):
    """The chunked framing of the request body is malformed."""


class _Input(object):
    """What both framings share: the 100-continue hook and the file API.

    :param conn: the :class:`~.http.Connection` (its ``buffer`` holds
        bytes already received, its ``sock`` the rest).
    :param before_first_read: called once before the first read (sends
        ``100 Continue``).
    """

    def __init__(self, conn, before_first_read=None):
        self._conn = conn
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
    def failing(self):
        """Whether reading the body fails (or will: bad bytes are in)."""
        return self.broken

    @property
    def started(self):
        """Whether the application (or a discard) began reading."""
        return self._before_first_read is None

    def _fail(self, error_class, message, cause=None):
        self.broken = True
        raise error_class(message) from cause

    def _recv_into(self, view):
        """Fill *view* from the connection's buffer or socket; 0 at EOF."""
        buffered = self._conn.buffer
        if buffered:
            count = min(len(buffered), len(view))
            view[:count] = buffered[:count]
            del buffered[:count]
            return count
        try:
            return self._conn.sock.recv_into(view)
        except OSError as exc:
            self._fail(ClientDisconnected, 'Client disconnected while '
                       'sending the body: %s' % exc, exc)

    def read(self, size=-1):
        """Return up to *size* bytes (all the rest when negative).

        Fewer bytes than asked only at the end of the body.
        """
        if self.complete or self.broken:
            return b''
        self._start()
        want = -1 if size is None or size < 0 else size
        parts = []
        while want and not self.complete:
            step = _MAX_READ if want < 0 else min(want, _MAX_READ)
            data = self._read_some(step)
            parts.append(data)
            if want > 0:
                want -= len(data)
        return parts[0] if len(parts) == 1 else b''.join(parts)

    def readinto(self, buffer):
        """Fill *buffer* with the next bytes; return how many (0: end)."""
        view = memoryview(buffer).cast('B')
        total = 0
        while total < len(view) and not (self.complete or self.broken):
            self._start()
            total += self._read_into(view[total:])
        return total

    def readline(self, size=-1):
        """Return one line, at most *size* bytes, never past the body."""
        want = -1 if size is None or size < 0 else size
        parts = []
        while want and not (self.complete or self.broken):
            self._start()
            data = self._peek_line(want)
            parts.append(data)
            if want > 0:
                want -= len(data)
            if data.endswith(b'\n'):
                break
        return b''.join(parts)

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


class LengthInput(_Input):
    """A body of a known length (``CONTENT_LENGTH``; 0 when absent)."""

    def __init__(self, conn, length, before_first_read=None):
        super().__init__(conn, before_first_read)
        self._left = length
        self.complete = length == 0

    def _read_into(self, view):
        count = self._recv_into(view[:self._left])
        if not count:
            self._fail(ClientDisconnected,
                       'Client disconnected before the end of the body')
        self._left -= count
        self.complete = self._left == 0
        return count

    def _read_some(self, size):
        data = bytearray(min(size, self._left))
        view = memoryview(data)
        got = 0
        while got < len(data):
            got += self._read_into(view[got:])
        return bytes(data)

    def _peek_line(self, limit):
        buffered = self._conn.buffer
        if not buffered:
            data = bytearray(min(_DISCARD_BLOCK, self._left))
            # Into our buffer: a line takes only what it needs of it.
            buffered += data[:self._recv_into(memoryview(data))]
            if not buffered:
                self._fail(ClientDisconnected,
                           'Client disconnected before the end of the body')
        end = buffered.find(b'\n', 0, self._left) + 1 or min(
            len(buffered), self._left)
        if limit > 0:
            end = min(end, limit)
        line = bytes(buffered[:end])
        del buffered[:end]
        self._left -= end
        self.complete = self._left == 0
        return line


class ChunkedInput(_Input):
    """A ``Transfer-Encoding: chunked`` body, decoded by h11.

    :param protocol: the ``h11.Connection`` that parsed the request; the
        bytes of :attr:`conn.buffer <.http.Connection.buffer>` after the
        head were already fed to it and to the check.
    """

    def __init__(self, conn, protocol, check, before_first_read=None):
        super().__init__(conn, before_first_read)
        self._h11 = protocol
        self._check = check
        self._pending = b''
        self._eof = False
        self._error = None

    @property
    def failing(self):
        return self.broken or self._error is not None

    def receive(self, data):
        """Take body bytes that arrived with the head."""
        try:
            self._check.feed(data)
        except chunked_mod.ChunkedError as exc:
            self._error = exc
            return
        self._h11.receive_data(data)

    def _next_data(self):
        """The next decoded bytes (``b''`` at the end of the body)."""
        if self._error is not None:
            self._fail(InvalidChunkedBody, str(self._error), self._error)
        while not self.complete:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                if self._eof:
                    self._fail(ClientDisconnected, 'Client disconnected '
                               'before the end of the body', exc)
                self._fail(InvalidChunkedBody, 'Invalid chunked body: %s'
                           % exc, exc)
            if type(event) is h11.Data:
                return event.data
            if type(event) is h11.EndOfMessage:
                self.complete = True
                # What follows is the next request: back to our buffer.
                self._conn.buffer[:0] = self._h11.trailing_data[0]
                return b''
            self._receive()
        return b''

    def _receive(self):
        try:
            data = self._conn.sock.recv(_MAX_READ)
        except OSError as exc:
            self._fail(ClientDisconnected, 'Client disconnected while '
                       'sending the body: %s' % exc, exc)
        self._eof = not data
        try:
            self._check.feed(data)
        except chunked_mod.ChunkedError as exc:
            self._fail(InvalidChunkedBody, str(exc), exc)
        self._h11.receive_data(data)

    def _take(self, size):
        if not self._pending:
            self._pending = self._next_data()
        data = self._pending
        if 0 < size < len(data):
            self._pending = data[size:]
            return data[:size]
        self._pending = b''
        return data

    def _read_some(self, size):
        return bytes(self._take(size))

    def _read_into(self, view):
        data = self._take(len(view))
        view[:len(data)] = data
        return len(data)

    def _peek_line(self, limit):
        if not self._pending:
            self._pending = self._next_data()
        end = self._pending.find(b'\n') + 1 or len(self._pending)
        if limit > 0:
            end = min(end, limit)
        return bytes(self._take(end))
