"""Raw HTTP exchanges for the v2 corpus: over TCP to a launched API, or
in-process through the service's own HTTP layer on a socket pair.

Both send the same bytes (a case may carry broken framing) and read one
whole response up to the close: every request says ``Connection:
close``, and the client half-closes after its last byte, so a body
shorter than its ``Content-Length`` ends in EOF, not in a wait.
"""

import socket
import threading

from harness.service.wsgi import connections
from harness.service.wsgi import head as head_mod
from harness.service.wsgi import http

#: Seconds any one exchange may take (a hang fails the case).
TIMEOUT = 20.0


class Reply(object):
    """One parsed response: *status* (``None``: no response at all),
    lower-cased *headers*, *body*, and *rest* (bytes after the body)."""

    def __init__(self, data):
        self.raw = data
        while data.startswith(b'HTTP/1.1 1'):
            # An interim "100 Continue": the answer follows it.
            data = data.partition(b'\r\n\r\n')[2]
        head, sep, rest = data.partition(b'\r\n\r\n')
        self.status, self.headers, self.body, self.rest = None, {}, b'', data
        if not sep or not data.startswith(b'HTTP/1.'):
            return
        lines = head.decode('latin-1').split('\r\n')
        for line in lines[1:]:
            name, _, value = line.partition(':')
            self.headers[name.strip().lower()] = value.strip()
        length = int(self.headers.get('content-length', len(rest)))
        self.status = int(lines[0].split()[1])
        self.body, self.rest = rest[:length], rest[length:]


def request(method, target, headers=(), body=b'', length=None):
    """The bytes of one request: *headers* are ``(name, value)`` bytes
    pairs added after ``Host`` and ``Connection: close``; a
    ``Content-Length`` of *length* (default: the body's) is added unless
    *headers* frame the body themselves."""
    names = {name.lower() for name, _ in headers}
    lines = [method + b' ' + target + b' HTTP/1.1', b'Host: 127.0.0.1',
             b'Connection: close']
    lines += [name + b': ' + value for name, value in headers]
    if not names & {b'content-length', b'transfer-encoding'} and (
            body or length is not None or method in (b'POST', b'PUT',
                                                     b'PATCH')):
        lines.append(b'Content-Length: %d'
                     % (len(body) if length is None else length))
    return b'\r\n'.join(lines) + b'\r\n\r\n' + body


def _send_all_then_half_close(sock, data):
    try:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # refused early: the answer is still readable


def _read_to_close(sock):
    parts = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            parts.append(b'<reset>')
            break
        except socket.timeout:
            parts.append(b'<hang>')
            break
        if not data:
            break
        parts.append(data)
    return b''.join(parts)


def exchange_tcp(port, data):
    """Send *data* to 127.0.0.1:*port*; the :class:`Reply`."""
    with socket.create_connection(('127.0.0.1', port),
                                  timeout=TIMEOUT) as sock:
        writer = threading.Thread(target=_send_all_then_half_close,
                                  args=(sock, data))
        writer.start()
        reply = _read_to_close(sock)
        writer.join(TIMEOUT)
    return Reply(reply)


class InProcess(object):
    """Serves exchanges with *app* through :func:`http.serve`, the code
    a launched API runs for each request, minus the event loop."""

    def __init__(self, app, conf):
        self._listener = socket.socket()
        self._listener.bind(('127.0.0.1', 0))
        self.state = connections.ServerState(app, conf, self._listener)

    def close(self):
        self._listener.close()

    def exchange(self, data):
        client, server_end = socket.socketpair()
        with client, server_end:
            client.settimeout(TIMEOUT)
            server_end.settimeout(TIMEOUT)
            writer = threading.Thread(target=_send_all_then_half_close,
                                      args=(client, data))
            writer.start()
            server = threading.Thread(target=self._serve,
                                      args=(server_end,))
            server.start()
            reply = _read_to_close(client)
            server.join(TIMEOUT)
            writer.join(TIMEOUT)
        return Reply(reply)

    def _serve(self, sock):
        conn = http.Connection(sock, ('127.0.0.1', 1))
        max_line = self.state.max_header_line
        # What the event loop does: collect the head, then serve it.
        while not conn.head_length:
            data = sock.recv(65536)
            conn.buffer += data
            conn.head_length = head_mod.scan(conn.buffer, max_line)
            if not data and not conn.head_length:
                conn.head_length = -1
        http.serve(conn, self.state)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the 4xx path already half-closed it
