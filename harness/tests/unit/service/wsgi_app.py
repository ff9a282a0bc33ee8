"""A tiny service the WSGI server tests run as a real process.

``python -m harness.tests.unit.service.wsgi_app --config-file PATH``
serves :func:`application` through :func:`harness.service.wsgi.server.serve`
exactly like ``harness.cmd.api`` does.  Test hooks come from the
environment: ``TEST_RELEASE_FD`` (``/hold`` waits for a byte on it) and
``TEST_REPORT_FD`` (``/report-upload`` writes what the body read ended
with).
"""

import json
import logging
import os
import sys

from harness.service import config
from harness.service import exit_status
from harness.service.wsgi import http
from harness.service.wsgi import server

PROG = 'harness-test'
_ENV_KEYS = ('REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING',
             'CONTENT_TYPE', 'CONTENT_LENGTH', 'SERVER_NAME', 'SERVER_PORT',
             'SERVER_PROTOCOL', 'REMOTE_ADDR', 'REMOTE_PORT', 'HTTP_HOST',
             'HTTP_X_FOO',
             'wsgi.url_scheme', 'wsgi.multithread', 'wsgi.multiprocess',
             'wsgi.run_once', 'wsgi.input_terminated')


def _reply(start_response, status, data, content_type='text/plain'):
    start_response(status, [('Content-Type', content_type),
                            ('Content-Length', str(len(data)))])
    return [data]


def _read_all(stream):
    parts = []
    while True:
        data = stream.read(65536)
        if not data:
            return b''.join(parts)
        parts.append(data)


def _root(environ, start_response):
    return _reply(start_response, '300 Multiple Choices', b'versions')


def _echo(environ, start_response):
    data = _read_all(environ['wsgi.input'])
    return _reply(start_response, '200 OK', data,
                  'application/octet-stream')


def _echo_lines(environ, start_response):
    lines = list(environ['wsgi.input'])
    return _reply(start_response, '200 OK', json.dumps(
        [line.decode('latin-1') for line in lines]).encode('ascii'))


def _stream(environ, start_response):
    query = dict(item.split('=') for item in
                 environ['QUERY_STRING'].split('&') if item)
    count, size = int(query.get('chunks', 3)), int(query.get('size', 5))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return (b'%d' % (i % 10) * size for i in range(count))


def _hold(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def body():
        yield b'first;'
        os.read(int(os.environ['TEST_RELEASE_FD']), 1)
        yield b'last'
    return body()


def _report_upload(environ, start_response):
    try:
        data = _read_all(environ['wsgi.input'])
        note = 'complete %d' % len(data)
    except http.ClientDisconnected as exc:
        note = 'disconnected %s %s' % (type(exc).__name__,
                                       isinstance(exc, IOError))
    os.write(int(os.environ['TEST_REPORT_FD']), note.encode() + b'\n')
    return _reply(start_response, '200 OK', note.encode())


def _error(environ, start_response):
    raise RuntimeError('secret detail')


def _bad_header(environ, start_response):
    start_response('200 OK', [('X-Evil', 'a\r\nSet-Cookie: stolen=1')])
    return [b'never sent']


def _bad_status(environ, start_response):
    start_response('200 OK\r\nSet-Cookie: stolen=1', [])
    return [b'never sent']


def _environ(environ, start_response):
    shown = {key: environ.get(key) for key in _ENV_KEYS}
    shown['socket_fd_env'] = os.environ.get('HARNESS_TEST_SOCKET_FD')
    return _reply(start_response, '200 OK', json.dumps(shown).encode(),
                  'application/json')


def _pid(environ, start_response):
    return _reply(start_response, '200 OK', str(os.getpid()).encode())


def _exit(environ, start_response):
    # Simulates a worker dying with status CODE (respawn rules).
    os._exit(int(environ['QUERY_STRING'].partition('=')[2]))


ROUTES = {
    '/': _root, '/echo': _echo, '/echo-lines': _echo_lines,
    '/stream': _stream, '/hold': _hold, '/report-upload': _report_upload,
    '/error': _error, '/env': _environ, '/pid': _pid, '/exit': _exit,
    '/bad-header': _bad_header, '/bad-status': _bad_status,
}


def application(environ, start_response):
    """Dispatch on ``PATH_INFO``; 404 for anything else."""
    handler = ROUTES.get(environ['PATH_INFO'])
    if handler is None:
        return _reply(start_response, '404 Not Found', b'not found')
    return handler(environ, start_response)


def main(argv):
    """Load the config, set up logging to stderr, serve."""
    args = config.build_parser(PROG).parse_args(argv)
    conf = config.load(args)
    logging.basicConfig(
        stream=sys.stderr, level=logging.DEBUG if conf.debug else
        logging.INFO,
        format='%(asctime)s %(process)d %(levelname)s %(name)s %(message)s')
    return server.serve(application, conf, PROG)


if __name__ == '__main__':
    sys.exit(exit_status.run(main))
