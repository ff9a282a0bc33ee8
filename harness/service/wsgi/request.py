"""A request parsed by h11: its PEP 3333 environ and its body stream.

``PATH_INFO`` is percent-decoded and carried as latin-1 text (PEP 3333);
headers become ``HTTP_*`` keys (repeated ones joined with commas), except
``CONTENT_TYPE`` and ``CONTENT_LENGTH``.  :func:`.head.check` already
refused names with ``_`` (two names must never share a key).
"""

import sys
from urllib.parse import unquote_to_bytes

import h11

from harness.service.wsgi import body as body_mod
from harness.service.wsgi import chunked as chunked_mod
from harness.service.wsgi import response as response_mod
from harness.service.wsgi.head import BadRequest


class Request(object):
    """The request of *event* (an ``h11.Request``) on *conn*."""

    def __init__(self, conn, server, protocol, event):
        self.conn = conn
        self.server = server
        self.protocol = protocol
        self.method = event.method.decode('ascii')
        self.target = event.target.decode('latin-1')
        self.version = event.http_version.decode('ascii')
        self.headers = event.headers.raw_items()
        self.line = '%s %s HTTP/%s' % (self.method, self.target,
                                       self.version)
        self.input = None

    def environ(self):
        """Build the PEP 3333 environ (and the body stream)."""
        conn = self.conn
        env = dict(self.server.base_environ)
        path, query = _split_target(self.target)
        env['REQUEST_METHOD'] = self.method
        env['PATH_INFO'] = path
        env['RAW_PATH_INFO'] = self.target.partition('?')[0]
        env['QUERY_STRING'] = query
        env['SERVER_PROTOCOL'] = 'HTTP/' + self.version
        env['REMOTE_ADDR'] = conn.address[0]
        env['REMOTE_PORT'] = str(conn.address[1])
        for name, value in self.headers:
            key = name.decode('ascii').upper().replace('-', '_')
            if key not in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                key = 'HTTP_' + key
            value = value.decode('latin-1')
            if key in env:
                value = env[key] + ',' + value
            env[key] = value
        self.input = self._make_input(env)
        env['wsgi.input'] = self.input
        env['wsgi.input_terminated'] = isinstance(self.input,
                                                  body_mod.ChunkedInput)
        return env

    def _make_input(self, env):
        hook = None
        if self.protocol.client_is_waiting_for_100_continue:
            hook = self._send_continue
        if 'HTTP_TRANSFER_ENCODING' in env:
            return self._chunked_input(hook)
        length = int(env.get('CONTENT_LENGTH') or 0)
        if not length:
            hook = None
        return body_mod.LengthInput(self.conn, length, hook)

    def _chunked_input(self, hook):
        stream = body_mod.ChunkedInput(self.conn, self.protocol,
                                       chunked_mod.ChunkedCheck(), hook)
        received = bytes(self.conn.buffer)
        self.conn.buffer.clear()
        if received:
            # A framing error surfaces on the application's first read,
            # whether these bytes came with the head or after it.
            stream.receive(received)
        return stream

    def _send_continue(self):
        if not self.protocol.client_is_waiting_for_100_continue:
            return  # h11 saw body bytes already: no need
        data = self.protocol.send(h11.InformationalResponse(
            status_code=100, reason=b'Continue', headers=[]))
        try:
            self.conn.sock.sendall(data)
        except OSError as exc:
            raise body_mod.ClientDisconnected(
                'Client disconnected: %s' % exc) from exc

    def finish_body(self):
        """Consume what the app left of the body; True if reusable."""
        if self.input.broken:
            return False
        if self.input.complete:
            return True
        if not self.input.started:
            # "100 Continue" was never sent (the hook runs on the first
            # read): the client may not send the body at all, so the
            # framing of the connection is unknown.
            return False
        return self.input.discard()


def _split_target(target):
    """Return ``(PATH_INFO, QUERY_STRING)`` of a request target."""
    if not target.startswith('/'):
        if target == '*':
            return '*', ''
        scheme, sep, rest = target.partition('://')
        if not sep or not scheme.isalpha():
            raise BadRequest('Invalid request target')
        slash = rest.find('/')
        target = rest[slash:] if slash >= 0 else '/'
    path, _, query = target.partition('?')
    path = unquote_to_bytes(path).decode('latin-1')
    return path, query


def base_environ(server_name, server_port, url_scheme, multiprocess):
    """The environ keys that are the same for every request of a server."""
    env = {
        'SCRIPT_NAME': '',
        'SERVER_NAME': server_name,
        'SERVER_PORT': str(server_port),
        'SERVER_SOFTWARE': 'harness-wsgi',
        'wsgi.version': (1, 0),
        'wsgi.url_scheme': url_scheme,
        'wsgi.errors': sys.stderr,
        'wsgi.multithread': True,
        'wsgi.multiprocess': multiprocess,
        'wsgi.run_once': False,
        'wsgi.file_wrapper': response_mod.FileWrapper,
    }
    if url_scheme == 'https':
        env['HTTPS'] = 'on'
    return env
