"""Writing one HTTP/1.1 response: ``start_response``, framing, streaming.

Each body chunk the application yields is written as soon as it is
produced (never the whole body buffered).  Framing: the application's
``Content-Length``; else a one-element list gets a computed length; else
chunked encoding for HTTP/1.1 clients, or closing the connection for
HTTP/1.0 ones.  HEAD, 1xx, 204 and 304 responses have no body.
"""

import socket
import time

_DAYS = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
_MONTHS = ('', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
           'Sep', 'Oct', 'Nov', 'Dec')
#: Below this size a chunk is copied next to its framing (one send).
_SMALL = 16384
_LAST_CHUNK = b'0\r\n\r\n'


class WriteFailed(Exception):
    """Sending to the client failed: it went away (or stalled too long)."""


def http_date(now=None):
    """RFC 7231 date, e.g. ``Thu, 17 Apr 2014 10:23:45 GMT``."""
    t = time.gmtime(now)
    return '%s, %02d %s %04d %02d:%02d:%02d GMT' % (
        _DAYS[t.tm_wday], t.tm_mday, _MONTHS[t.tm_mon], t.tm_year,
        t.tm_hour, t.tm_min, t.tm_sec)


def log_date(now=None):
    """Access-log date in eventlet's style, e.g. ``17/Apr/2014 10:23:45``."""
    t = time.gmtime(now)
    return '%02d/%3s/%04d %02d:%02d:%02d' % (
        t.tm_mday, _MONTHS[t.tm_mon], t.tm_year, t.tm_hour, t.tm_min,
        t.tm_sec)


class FileWrapper(object):
    """``wsgi.file_wrapper``: iterate a file; sent with sendfile when we can.
    """

    def __init__(self, filelike, blksize=65536):
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self):
        read, size = self.filelike.read, self.blksize
        while True:
            data = read(size)
            if not data:
                return
            yield data

    def close(self):
        close = getattr(self.filelike, 'close', None)
        if close is not None:
            close()


def _check_headers(headers):
    for name, value in headers:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError('Header names and values must be str: %r'
                            % ((name, value),))
        if '\n' in value or '\r' in value or ':' in name:
            raise ValueError('Invalid header %r' % ((name, value),))


class Response(object):
    """The response to one request on *sock*.

    :param keep_alive: whether the request allows another one afterwards;
        cleared when the response cannot be delimited or asks to close.
    :param stopping: callable telling whether the server is stopping (then
        the connection is closed after this response).
    """

    def __init__(self, sock, method, http11, keep_alive, stopping):
        self._sock = sock
        self._plain = type(sock) is socket.socket
        self.method = method
        self.http11 = http11
        self.keep_alive = keep_alive
        self._stopping = stopping
        self.status = None
        self.code = None
        self._headers = None
        self.headers_sent = False
        self.body_bytes = 0
        self._framing = None
        self._left = None
        self._length_hint = None

    # -- the WSGI side ----------------------------------------------------

    def start_response(self, status, headers, exc_info=None):
        """PEP 3333 ``start_response``; returns the ``write`` callable."""
        if exc_info:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError('start_response called twice')
        if not isinstance(status, str) or len(status) < 3 or not (
                status[:3].isdigit() and status[3:4] in ('', ' ')):
            raise ValueError('Invalid status %r' % (status,))
        headers = list(headers)
        _check_headers(headers)
        self.status, self.code, self._headers = status, int(status[:3]), \
            headers
        return self.write

    def write(self, data):
        """Send body bytes (the legacy ``write`` callable, and iteration)."""
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if not data:
            return
        if not self.headers_sent:
            self._send_head(data)
            return
        self._send_body(data)

    def send_result(self, result):
        """Send every chunk of the application's iterable, then finish."""
        if isinstance(result, (list, tuple)) and len(result) == 1:
            self._length_hint = len(result[0])
        if isinstance(result, FileWrapper) and self._try_sendfile(result):
            return
        for data in result:
            if data:
                self.write(data)
        self.finish()

    def finish(self):
        """Close the body framing (send headers now if nothing was sent)."""
        if self.status is None:
            raise AssertionError('The application never called '
                                 'start_response()')
        if not self.headers_sent:
            if self._length_hint is None:
                self._length_hint = 0
            self._send_head(b'')
        if self._framing == 'chunked':
            self._send(_LAST_CHUNK)
        elif self._framing == 'length' and self._left:
            # Fewer bytes than announced: the client would wait forever.
            self.keep_alive = False

    # -- head ------------------------------------------------------------

    def _frame(self, lines, has_length):
        no_body = (self.method == 'HEAD' or self.code < 200
                   or self.code in (204, 304))
        if no_body:
            self._framing = 'none'
        elif has_length:
            self._framing = 'length'
        elif self._length_hint is not None:
            self._framing, self._left = 'length', self._length_hint
            lines.append('Content-Length: %d\r\n' % self._length_hint)
        elif self.http11:
            self._framing = 'chunked'
            lines.append('Transfer-Encoding: chunked\r\n')
        else:
            self._framing = 'close'
            self.keep_alive = False

    def _send_head(self, first):
        lines = ['HTTP/1.1 %s\r\n' % self.status]
        has_length = has_date = asked_close = False
        for name, value in self._headers:
            low = name.lower()
            if low == 'content-length':
                if not value.strip().isdigit():
                    raise ValueError('Invalid Content-Length %r' % value)
                self._left = int(value)
                has_length = True
            elif low == 'date':
                has_date = True
            elif low == 'connection' and 'close' in value.lower():
                asked_close = True
            lines.append('%s: %s\r\n' % (name, value))
        if asked_close or self._stopping():
            self.keep_alive = False
        self._frame(lines, has_length)
        if not has_date:
            lines.append('Date: %s\r\n' % http_date())
        if not self.keep_alive and self.http11 and not asked_close:
            lines.append('Connection: close\r\n')
        elif self.keep_alive and not self.http11:
            lines.append('Connection: keep-alive\r\n')
        lines.append('\r\n')
        head = ''.join(lines).encode('latin-1')
        self.headers_sent = True
        if first and self._framing != 'none' and len(first) < _SMALL:
            self._send(head + self._framed(first))
            return
        self._send(head)
        if first:
            self._send_body(first)

    # -- body ------------------------------------------------------------

    def _framed(self, data):
        """Small *data* with its framing, as one bytes object."""
        data = self._clip(data)
        self.body_bytes += len(data)
        if self._framing == 'chunked':
            return b'%x\r\n%s\r\n' % (len(data), data)
        return data

    def _clip(self, data):
        if self._framing != 'length':
            return data
        if len(data) > self._left:
            # More than announced: drop the excess, the framing is final.
            data = memoryview(data)[:self._left]
            self.keep_alive = False
        self._left -= len(data)
        return data

    def _send_body(self, data):
        if self._framing == 'none':
            return
        if len(data) < _SMALL:
            self._send(self._framed(data))
            return
        data = self._clip(data)
        self.body_bytes += len(data)
        if self._framing == 'chunked':
            self._sendv((b'%x\r\n' % len(data), data, b'\r\n'))
        elif data:
            self._send(data)

    def _send(self, data):
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise WriteFailed(str(exc)) from exc

    def _sendv(self, parts):
        """Send several buffers, in one system call when the socket allows.
        """
        if not self._plain:
            for part in parts:
                self._send(part)
            return
        try:
            sent = self._sock.sendmsg(parts)
            for part in parts:
                if sent >= len(part):
                    sent -= len(part)
                    continue
                self._sock.sendall(memoryview(part)[sent:])
                sent = 0
        except OSError as exc:
            raise WriteFailed(str(exc)) from exc

    def _try_sendfile(self, wrapper):
        """Send a file body with ``sendfile(2)``; False if not possible."""
        if not self._plain:
            return False
        try:
            fileno = wrapper.filelike.fileno()
            offset = wrapper.filelike.tell()
        except (AttributeError, OSError, ValueError):
            return False
        if fileno < 0:
            return False
        if not self.headers_sent:
            self._send_head(b'')
        if self._framing != 'length' or not self._left:
            # Unknown length (chunked) or nothing to send: iterate instead.
            for data in wrapper:
                self.write(data)
            self.finish()
            return True
        try:
            count = self._sock.sendfile(wrapper.filelike, offset, self._left)
        except OSError as exc:
            raise WriteFailed(str(exc)) from exc
        self.body_bytes += count
        self._left -= count
        self.finish()
        return True
