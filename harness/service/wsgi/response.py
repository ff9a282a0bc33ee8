"""Writing one response through h11: ``start_response``, streaming.

Each body chunk the application yields is sent as soon as it is produced
(never the whole body buffered).  h11 frames it: the application's
``Content-Length``; else a one-element list gets a computed length; else
chunked encoding for HTTP/1.1 clients, or closing the connection for
HTTP/1.0 ones.  HEAD, 1xx, 204 and 304 responses have no body.

A body bigger than its ``Content-Length`` is clipped and a shorter one
ends the connection (the client would wait forever).  A status or header
the application returns with a CR, LF or NUL in it is refused by
:meth:`Response.start_response` (``ValueError``: the server answers 500),
so it never reaches the client.
"""

import logging
import os
import re
import socket
import stat
import time

import h11

LOG = logging.getLogger('harness.wsgi.server')

_DAYS = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
_MONTHS = ('', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
           'Sep', 'Oct', 'Nov', 'Dec')
_STATUS = re.compile(r'([1-5][0-9][0-9])(?: ([\t\x20-\x7e\x80-\xff]*))?')
_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VALUE_BAD = re.compile(r'[\r\n\x00]|[^\x00-\xff]')


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
    """``wsgi.file_wrapper``: iterate a file; a regular file is sent
    straight from its descriptor."""

    def __init__(self, filelike, blksize=1 << 20):
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


class _Sent(object):
    """Stands for bytes we sent ourselves: h11 only needs the length."""

    def __init__(self, count):
        self.count = count

    def __len__(self):
        return self.count


def check_status(status):
    """Return ``(code, reason bytes)`` of a WSGI status line."""
    match = _STATUS.fullmatch(status) if isinstance(status, str) else None
    if match is None:
        raise ValueError('Invalid status %r' % (status,))
    return int(match.group(1)), (match.group(2) or '').encode('latin-1')


def check_headers(headers):
    """Return the WSGI *headers* as a list of latin-1 byte pairs."""
    out = []
    for name, value in headers:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError('Header names and values must be str: %r'
                            % ((name, value),))
        if not _NAME.fullmatch(name) or _VALUE_BAD.search(value):
            raise ValueError('Invalid header %r' % ((name, value),))
        # h11 refuses surrounding whitespace, which means nothing anyway.
        out.append((name.encode('ascii'),
                    value.strip(' \t').encode('latin-1')))
    return out


class Response(object):
    """The response to one request, written through *protocol*.

    :param sock: the client socket.
    :param protocol: the request's ``h11.Connection`` (server side).
    :param stopping: callable telling whether the connection is to close
        after this response (server stopping, unusable request body).
    """

    def __init__(self, sock, protocol, method, stopping):
        self._sock = sock
        self._plain = type(sock) is socket.socket
        self._h11 = protocol
        self.method = method
        self._stopping = stopping
        self.status = None
        self.code = None
        self._reason = b''
        self._headers = None
        self.headers_sent = False
        self.body_bytes = 0
        #: Bytes still allowed by Content-Length (None: no length).
        self._left = None
        self._length_hint = None
        #: Set once the whole announced body went out.
        self.complete = False
        #: Set when the application produced more than it announced.
        self.clipped = False

    @property
    def keep_alive(self):
        """Whether the connection may carry another request."""
        return (self.complete and not self.clipped
                and self._h11.our_state is h11.DONE)

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
        code, reason = check_status(status)
        self._headers = check_headers(list(headers))
        self.status, self.code, self._reason = status, code, reason
        return self.write

    def write(self, data):
        """Send body bytes (the legacy ``write`` callable, and iteration)."""
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if not self.headers_sent:
            self._send_head()
        if data:
            self._send_body(data)

    def send_result(self, result):
        """Send every chunk of the application's iterable, then finish."""
        if isinstance(result, (list, tuple)) and len(result) == 1:
            self._length_hint = len(result[0])
        if isinstance(result, FileWrapper) and self._try_file(result):
            return
        for data in result:
            if data:
                self.write(data)
        self.finish()

    def finish(self):
        """End the body (send the head now if nothing was sent)."""
        if self.status is None:
            raise AssertionError('The application never called '
                                 'start_response()')
        if not self.headers_sent:
            if self._length_hint is None:
                self._length_hint = 0
            self._send_head()
        if self._left:
            # Fewer bytes than announced: only closing tells the client.
            return
        self._send(self._h11.send(h11.EndOfMessage()))
        self.complete = True

    # -- head and body ----------------------------------------------------

    def _send_head(self):
        headers = self._headers
        names = {name.lower() for name, _ in headers}
        if b'content-length' in names:
            value = [v for n, v in headers if n.lower() == b'content-length']
            if len(value) != 1 or not value[0].isdigit():
                raise ValueError('Invalid Content-Length %r' % (value,))
            self._left = int(value[0])
        elif self._length_hint is not None and not self._no_body():
            headers.append((b'Content-Length', b'%d' % self._length_hint))
            self._left = self._length_hint
        if b'date' not in names:
            headers.append((b'Date', http_date().encode('ascii')))
        if self._stopping():
            headers.append((b'Connection', b'close'))
        if self._no_body():
            self._left = None
        try:
            head = self._h11.send(h11.Response(
                status_code=self.code, reason=self._reason, headers=headers))
        except h11.LocalProtocolError as exc:
            raise ValueError('Cannot send the response head: %s'
                             % exc) from exc
        self.headers_sent = True
        self._send(head)

    def send_error(self, status, text):
        """Answer *status* with *text* and close (nothing was sent yet)."""
        if self._h11.our_state is not h11.SEND_RESPONSE:
            # h11 refused our head: write this simple one ourselves.
            self.status, self.code = status, int(status[:3])
            self.headers_sent = True
            self._send(('HTTP/1.1 %s\r\nContent-Type: text/plain\r\n'
                        'Content-Length: %d\r\nConnection: close\r\n\r\n'
                        % (status, len(text))).encode('latin-1') + text)
            self.body_bytes = len(text)
            return
        self.status = None
        self._length_hint = None
        self.start_response(status, [
            ('Content-Type', 'text/plain; charset=UTF-8'),
            ('Content-Length', str(len(text))), ('Connection', 'close')])
        self.send_result([text])

    def _no_body(self):
        return (self.method == 'HEAD' or self.code < 200
                or self.code in (204, 304))

    def _send_body(self, data):
        if self._no_body():
            return
        if self._left is not None:
            if len(data) > self._left:
                # More than announced: drop the excess, the framing is final.
                data = memoryview(data)[:self._left]
                self.clipped = True
            self._left -= len(data)
            if not data:
                return
        self.body_bytes += len(data)
        self._sendv(self._h11.send_with_data_passthrough(h11.Data(data=data)))

    def _send(self, data):
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise WriteFailed(str(exc)) from exc

    def _sendv(self, parts):
        """Send several buffers, in one system call when the socket allows.
        """
        if len(parts) == 1 or not self._plain:
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

    def _try_file(self, wrapper):
        """Send a regular file from its descriptor; False if not possible.

        ``pread`` into one reused buffer, then ``sendall``: no allocation
        per block.  (``sendfile(2)`` was measured slower on loopback: the
        receiver then copies from page-cache pages, not from hot memory.)
        """
        try:
            fileno = wrapper.filelike.fileno()
            offset = wrapper.filelike.tell()
            regular = stat.S_ISREG(os.fstat(fileno).st_mode)
        except (AttributeError, OSError, ValueError):
            return False
        if not regular:
            return False
        if not self.headers_sent:
            self._send_head()
        if not self._left:
            # No length (chunked), or nothing to send: iterate instead.
            for data in wrapper:
                self.write(data)
            self.finish()
            return True
        block = memoryview(bytearray(min(self._left, wrapper.blksize)))
        while self._left:
            try:
                count = os.preadv(fileno, [block[:self._left]], offset)
            except OSError as exc:
                LOG.error('Reading the file to send failed: %s', exc)
                break
            if not count:
                LOG.error('The file ended %d bytes short of the length '
                          'announced', self._left)
                break
            self._send(block[:count])
            self._h11.send_with_data_passthrough(h11.Data(data=_Sent(count)))
            self.body_bytes += count
            self._left -= count
            offset += count
        self.finish()
        return True
