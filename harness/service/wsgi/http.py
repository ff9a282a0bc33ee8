"""One request of a client connection: parse, call the WSGI app, respond.

The event loop (:mod:`.loop`) collects a request head without a thread;
once it is complete, :func:`serve` runs in a pool thread: it checks the
head (:mod:`.head`), lets h11 parse it, calls the application and writes
the response through h11 (:mod:`.response`).  Malformed input gets a 4xx
with ``Connection: close``; it never produces a 500, a traceback or a hang
(every read has a timeout).
"""

import logging
import socket
import time

import h11

from harness.errors import HarnessError
from harness.service.wsgi import body as body_mod
from harness.service.wsgi import head as head_mod
from harness.service.wsgi import request as request_mod
from harness.service.wsgi import response as response_mod
from harness.service.wsgi.body import ClientDisconnected  # noqa: F401 (API)

LOG = logging.getLogger('harness.wsgi.server')

_ERROR_BODY_500 = (b'500 Internal Server Error\n\nThe server has either '
                   b'erred or is incapable of performing the requested '
                   b'operation.\n')
#: After a 4xx, what we read (at most, for at most LINGER s) so that the
#: client gets the answer before the close (an unread byte means RST).
_LINGER_BYTES = 1 << 18
_LINGER = 1.0
#: After an answer that left the body unread (a 413 for a body too large
#: to read), what we read at most, for at most LINGER s: the client may
#: have sent all of it already, and closing on unread bytes sends an RST
#: that can destroy the answer before the client reads it.
_DRAIN_BYTES = 1 << 24


class Connection(object):
    """A client connection: its socket and the bytes not consumed yet."""

    def __init__(self, sock, address, tls=False):
        self.sock = sock
        self.address = address
        #: Received bytes that belong to the next request (or its body).
        self.buffer = bytearray()
        self.served = 0
        #: A TLS handshake is due before any request.
        self.handshaking = tls
        #: When it began waiting in the loop (for eviction and timeouts).
        self.since = time.monotonic()
        #: When the first byte of the current head arrived (or None).
        self.head_started = None
        #: From :func:`head.scan`: >0 head length, -1 bad head.
        self.head_length = 0

    def close(self):
        try:
            self.sock.close()
        except OSError as exc:
            LOG.debug('Error closing a connection: %s', exc)


def serve(conn, server):
    """Serve the request whose head is in ``conn.buffer``.

    :returns: whether the connection may carry another request.
    """
    start = time.time()
    try:
        conn.sock.settimeout(server.timeout)
        keep = _serve(conn, server, start)
    except Exception:
        # A bug here must reach the service log, not the thread hook.
        LOG.exception('Error on the connection from %s', conn.address[0])
        keep = False
    conn.served += 1
    return keep


def _serve(conn, server, start):
    length = conn.head_length
    head = bytes(conn.buffer[:length] if length > 0 else conn.buffer)
    shown = head.partition(b'\r\n')[0][:200].decode('latin-1')
    try:
        shown = head_mod.check(head, server.max_header_line).decode(
            'latin-1')
        protocol = h11.Connection(
            h11.SERVER, max_incomplete_event_size=head_mod.MAX_HEAD_BYTES + 4)
        protocol.receive_data(head)
        del conn.buffer[:length]
        event = protocol.next_event()
        if type(event) is not h11.Request:
            raise head_mod.BadRequest('Incomplete request head')
        request = request_mod.Request(conn, server, protocol, event)
        environ = request.environ()
    except head_mod.BadRequest as exc:
        _reject(conn, server, exc.status, str(exc), shown, start)
        return False
    except h11.RemoteProtocolError as exc:
        status = exc.error_status_hint
        _reject(conn, server, '431 Request Header Fields Too Large'
                if status == 431 else '400 Bad Request', str(exc), shown,
                start)
        return False
    return _respond(conn, server, request, environ, start)


def _reject(conn, server, status, explanation, shown, start):
    text = ('%s\n\n%s\n' % (status, explanation)).encode('latin-1',
                                                         'replace')
    head = ('HTTP/1.1 %s\r\nContent-Type: text/plain\r\n'
            'Content-Length: %d\r\nConnection: close\r\n\r\n'
            % (status, len(text))).encode('latin-1')
    LOG.info('Bad request from %s: %s', conn.address[0], explanation)
    try:
        conn.sock.sendall(head + text)
        _linger(conn.sock)
    except OSError as error:
        LOG.debug('Could not send %s: %s', status, error)
    server.log_access(conn.address[0], shown, status[:3], len(text), start)


def _linger(sock, limit=_LINGER_BYTES):
    """Half-close, then read (at most *limit* bytes of) what the client
    still sends."""
    socket.socket.shutdown(sock, socket.SHUT_WR)
    sock.settimeout(_LINGER)
    deadline = time.monotonic() + _LINGER
    left = limit
    while left > 0 and time.monotonic() < deadline:
        data = sock.recv(min(left, 65536))
        if not data:
            return
        left -= len(data)


def _respond(conn, server, request, environ, start):
    def closing():
        # A body that failed to parse makes the connection unusable: say
        # so in the head, whatever the application answers.
        return server.is_stopping() or request.input.failing

    resp = response_mod.Response(conn.sock, request.protocol,
                                 request.method, closing)
    _run_app(conn, server, environ, resp)
    server.log_access(conn.address[0], request.line, resp.code or '-',
                      resp.body_bytes, start)
    keep = (resp.keep_alive and not server.is_stopping()
            and request.finish_body())
    body = request.input
    if not keep and resp.headers_sent and not (body.complete
                                               or body.broken):
        try:
            _linger(conn.sock, _DRAIN_BYTES)
        except OSError as error:
            LOG.debug('Lingering close: %s', error)
    return keep


def _run_app(conn, server, environ, resp):
    result = None
    try:
        result = server.app(environ, resp.start_response)
        resp.send_result(result)
    except response_mod.WriteFailed as exc:
        LOG.info('Client %s went away during the response: %s',
                 conn.address[0], exc)
    except body_mod.ClientDisconnected as exc:
        LOG.info('Client %s disconnected: %s', conn.address[0], exc)
    except body_mod.InvalidChunkedBody as exc:
        LOG.info('Bad request body from %s: %s', conn.address[0], exc)
        _error_response(resp, '400 Bad Request', (
            '400 Bad Request\n\n%s\n' % exc).encode('latin-1', 'replace'))
    except HarnessError as exc:
        # A failure the service itself names (e.g. a cache fill whose
        # checksum does not match ends its stream with one): one line, no
        # traceback; the client sees the stream cut (or a 500 before it).
        LOG.error('Error serving %s %s: %s', environ['REQUEST_METHOD'],
                  environ['PATH_INFO'], exc)
        _error_response(resp, '500 Internal Server Error', _ERROR_BODY_500)
    except Exception:
        LOG.exception('Unhandled error serving %s %s',
                      environ['REQUEST_METHOD'], environ['PATH_INFO'])
        _error_response(resp, '500 Internal Server Error', _ERROR_BODY_500)
    finally:
        _close_result(result)


def _error_response(resp, status, text):
    if resp.headers_sent:
        # Part of the response is out: only an abrupt close tells the
        # client (resp.keep_alive stays False: the body is incomplete).
        return
    try:
        resp.send_error(status, text)
    except response_mod.WriteFailed as exc:
        LOG.info('Could not send the %s response: %s', status[:3], exc)


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
