"""A parsed request: its PEP 3333 environ and its body stream.

``PATH_INFO`` is percent-decoded and carried as latin-1 text (PEP 3333);
headers become ``HTTP_*`` keys (repeated ones joined with commas), except
``CONTENT_TYPE`` and ``CONTENT_LENGTH``.
"""

import sys
from urllib.parse import unquote_to_bytes

from harness.service.wsgi import body as body_mod
from harness.service.wsgi import response as response_mod


class BadRequest(Exception):
    """The request cannot be parsed; answer *status* and close."""

    def __init__(self, explanation, status='400 Bad Request'):
        super().__init__(explanation)
        self.status = status


class Request(object):
    """A parsed request head and its body stream."""

    def __init__(self, conn, method, target, http11, headers, line):
        self.conn = conn
        self.method = method
        self.target = target
        self.http11 = http11
        self.headers = headers
        self.line = line
        self.keep_alive = http11
        self.input = None
        self._continue_pending = False

    def environ(self):
        """Build the PEP 3333 environ (and the body stream)."""
        conn = self.conn
        env = dict(conn.server.base_environ)
        path, query = _split_target(self.target)
        env['REQUEST_METHOD'] = self.method
        env['PATH_INFO'] = path
        env['RAW_PATH_INFO'] = self.target.partition('?')[0]
        env['QUERY_STRING'] = query
        env['SERVER_PROTOCOL'] = 'HTTP/1.%d' % self.http11
        env['REMOTE_ADDR'] = conn.address[0]
        env['REMOTE_PORT'] = str(conn.address[1])
        for name, value in self.headers:
            key = name.upper().replace('-', '_')
            if key not in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                key = 'HTTP_' + key
            if key in env and key.startswith('HTTP_'):
                value = env[key] + ',' + value
            elif key == 'CONTENT_LENGTH' and env.get(key, value) != value:
                raise BadRequest('Conflicting Content-Length headers')
            env[key] = value
        self._connection_options(env.get('HTTP_CONNECTION', ''))
        self.input = self._make_input(env)
        env['wsgi.input'] = self.input
        env['wsgi.input_terminated'] = isinstance(self.input,
                                                  body_mod.ChunkedInput)
        return env

    def _connection_options(self, value):
        tokens = [t.strip().lower() for t in value.split(',')]
        if 'close' in tokens:
            self.keep_alive = False
        elif not self.http11 and 'keep-alive' in tokens:
            self.keep_alive = True

    def _make_input(self, env):
        rfile = self.conn._rfile
        hook = None
        if self.http11 and env.get('HTTP_EXPECT', '').lower() == \
                '100-continue':
            self._continue_pending = True
            hook = self._send_continue
        coding = env.get('HTTP_TRANSFER_ENCODING')
        if coding is not None:
            codings = [c.strip().lower() for c in coding.split(',')]
            if codings != ['chunked']:
                raise BadRequest('Unsupported Transfer-Encoding',
                                 '501 Not Implemented')
            # RFC 7230 3.3.3: chunked wins over Content-Length.
            env.pop('CONTENT_LENGTH', None)
            return body_mod.ChunkedInput(rfile, hook)
        length = env.get('CONTENT_LENGTH', '').strip()
        if not length:
            return body_mod.ContentLengthInput(rfile, 0)
        if not length.isdigit():
            raise BadRequest('Invalid Content-Length')
        return body_mod.ContentLengthInput(rfile, int(length), hook)

    def _send_continue(self):
        self._continue_pending = False
        try:
            self.conn.sock.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
        except OSError as exc:
            raise body_mod.ClientDisconnected(
                'Client disconnected: %s' % exc) from exc

    def finish_body(self):
        """Consume what the app left of the body; True if reusable."""
        if self.input.broken:
            return False
        if self.input.complete:
            return True
        if self._continue_pending:
            # The client may be waiting for "100 Continue" and not send the
            # body at all: the framing of the connection is unknown.
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
