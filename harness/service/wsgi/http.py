"""One client connection: read requests, call the WSGI app, respond.

Each accepted connection is served by :meth:`Connection.run` in its own
thread, request after request (HTTP/1.1 keep-alive, HTTP/1.0 with
``Connection: keep-alive``).  Malformed input gets a 4xx and the connection
is closed; it never produces a 500, a traceback or a hang (every read has a
timeout).
"""

import logging
import re
import socket
import time

from harness.service.wsgi import body as body_mod
from harness.service.wsgi import request as request_mod
from harness.service.wsgi import response as response_mod
from harness.service.wsgi.body import ClientDisconnected  # noqa: F401 (API)
from harness.service.wsgi.request import BadRequest

LOG = logging.getLogger('harness.wsgi.server')

#: Most header lines accepted in one request.
MAX_HEADERS = 1000
#: Empty lines tolerated before a request line (RFC 7230 section 3.5).
MAX_EMPTY_LINES = 5
_READ_BUFFER = 1 << 16
_REQUEST_LINE = re.compile(
    rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP/(\d)\.(\d)\r?\n")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_ERROR_BODY_500 = (b'500 Internal Server Error\n\nThe server has either '
                   b'erred or is incapable of performing the requested '
                   b'operation.\n')


class _Closed(Exception):
    """The client went away (or idled out) between or inside requests."""


class Connection(object):
    """A client connection of *server* (a ``ServerState``)."""

    def __init__(self, sock, address, server):
        self.sock = sock
        self.address = address
        self.server = server
        #: Waiting for the next request after at least one was served.
        self.idle = False
        self.served = 0
        self._rfile = None

    # -- life cycle -------------------------------------------------------

    def run(self):
        """Serve requests until the connection closes."""
        try:
            if self.server.tls_context is not None:
                self._handshake()
            self._rfile = self.sock.makefile('rb', buffering=_READ_BUFFER)
            while self._handle_one():
                self.served += 1
        except _Closed:
            LOG.debug('Connection from %s closed', self.address[0])
        except Exception:
            # A bug here must reach the service log, not the thread hook.
            LOG.exception('Error on the connection from %s',
                          self.address[0])
        finally:
            self._close()
            self.server.forget(self)

    def _handshake(self):
        raw = self.sock
        raw.settimeout(self.server.timeout)
        try:
            sock = self.server.tls_context.wrap_socket(
                raw, server_side=True, do_handshake_on_connect=False)
            self.server.replace_socket(self, sock)
            sock.do_handshake()
        except OSError as exc:
            LOG.debug('TLS handshake with %s failed: %s', self.address[0],
                      exc)
            raise _Closed() from None

    def _close(self):
        for item in (self._rfile, self.sock):
            if item is None:
                continue
            try:
                item.close()
            except OSError as exc:
                LOG.debug('Error closing a connection: %s', exc)

    # -- reading ----------------------------------------------------------

    def _readline(self):
        limit = self.server.max_header_line
        try:
            line = self._rfile.readline(limit + 3)
        except (OSError, ValueError) as exc:
            # ValueError: the buffered reader after a timeout or close.
            raise _Closed() from exc
        if line and not line.endswith(b'\n'):
            if len(line) > limit + 2:
                raise BadRequest('Line is too long')
            raise _Closed()
        if len(line.rstrip(b'\r\n')) > limit:
            raise BadRequest('Line is too long')
        return line

    def _read_request_line(self):
        self.sock.settimeout(self.server.idle_timeout)
        for _ in range(MAX_EMPTY_LINES):
            line = self._readline()
            if not line:
                raise _Closed()
            if line not in (b'\r\n', b'\n'):
                self.server.leave_idle(self)
                self.sock.settimeout(self.server.timeout)
                return line
        raise BadRequest('Too many empty lines before the request')

    def _read_headers(self):
        headers = []
        while True:
            line = self._readline()
            if not line:
                raise _Closed()
            if line in (b'\r\n', b'\n'):
                return headers
            if line[:1] in (b' ', b'\t'):
                if not headers:
                    raise BadRequest('Invalid header continuation')
                name, value = headers[-1]
                headers[-1] = (name, value + ' ' +
                               line.strip().decode('latin-1'))
                continue
            name, sep, value = line.partition(b':')
            if not sep or not _TOKEN.fullmatch(name):
                raise BadRequest('Invalid header line')
            headers.append((name.decode('latin-1'),
                            value.strip(b' \t\r\n').decode('latin-1')))
            if len(headers) > MAX_HEADERS:
                raise BadRequest('Too many headers')

    # -- one request ------------------------------------------------------

    def _handle_one(self):
        """Serve one request; return whether to wait for another one."""
        if self.served and not self.server.enter_idle(self):
            return False
        start = time.time()
        request_line = b''
        try:
            request_line = self._read_request_line()
            request = self._parse(request_line)
            environ = request.environ()
        except BadRequest as exc:
            self._reject(exc, request_line, start)
            return False
        return self._respond(request, environ, start)

    def _parse(self, request_line):
        match = _REQUEST_LINE.fullmatch(request_line)
        if match is None:
            raise BadRequest('Malformed request line')
        method, target, major, minor = match.groups()
        if major != b'1':
            raise BadRequest('Unsupported HTTP version',
                             '505 HTTP Version Not Supported')
        headers = self._read_headers()
        return request_mod.Request(self, method.decode('ascii'),
                       target.decode('latin-1'), minor != b'0', headers,
                       request_line.rstrip(b'\r\n').decode('latin-1'))

    def _reject(self, exc, request_line, start):
        text = ('%s\n\n%s\n' % (exc.status, exc)).encode('latin-1')
        head = ('HTTP/1.1 %s\r\nContent-Type: text/plain\r\n'
                'Content-Length: %d\r\nConnection: close\r\n\r\n'
                % (exc.status, len(text))).encode('latin-1')
        try:
            self.sock.sendall(head + text)
        except OSError as error:
            LOG.debug('Could not send %s: %s', exc.status, error)
        shown = request_line[:200].rstrip(b'\r\n').decode('latin-1')
        self.server.log_access(self.address[0], shown, exc.status[:3],
                               len(text), start)

    def _respond(self, request, environ, start):
        resp = response_mod.Response(
            self.sock, request.method, request.http11, request.keep_alive,
            self.server.is_stopping)
        self._run_app(environ, resp)
        self.server.log_access(self.address[0], request.line,
                               resp.code or '-', resp.body_bytes, start)
        return (resp.keep_alive and not self.server.is_stopping()
                and request.finish_body())

    def _run_app(self, environ, resp):
        result = None
        try:
            result = self.server.app(environ, resp.start_response)
            resp.send_result(result)
        except response_mod.WriteFailed as exc:
            LOG.info('Client %s went away during the response: %s',
                     self.address[0], exc)
            resp.keep_alive = False
        except body_mod.ClientDisconnected as exc:
            LOG.info('Client %s disconnected: %s', self.address[0], exc)
            resp.keep_alive = False
        except body_mod.InvalidChunkedBody as exc:
            LOG.info('Bad request body from %s: %s', self.address[0], exc)
            self._error_response(resp, '400 Bad Request', (
                '400 Bad Request\n\n%s\n' % exc).encode('latin-1'))
        except Exception:
            LOG.exception('Unhandled error serving %s %s',
                          environ['REQUEST_METHOD'], environ['PATH_INFO'])
            self._error_response(resp, '500 Internal Server Error',
                                 _ERROR_BODY_500)
        finally:
            self._close_result(result)

    @staticmethod
    def _error_response(resp, status, text):
        resp.keep_alive = False
        if resp.headers_sent:
            # Part of the body is out: only an abrupt close tells the client.
            return
        resp.status = None
        resp.start_response(status, [
            ('Content-Type', 'text/plain; charset=UTF-8'),
            ('Content-Length', str(len(text)))])
        try:
            resp.send_result([text])
        except response_mod.WriteFailed as exc:
            LOG.info('Could not send the %s response: %s', status[:3], exc)

    @staticmethod
    def _close_result(result):
        close = getattr(result, 'close', None)
        if close is None:
            return
        try:
            close()
        except Exception:
            LOG.exception('Error closing the application iterable')


def tcp_nodelay(sock):
    """Small writes (chunk trailers, heads) must not wait for an ACK."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
