"""A small program for the readiness tests, run through ``Server.command``.

``python toy_server.py MODE PORT LOG_FILE``; it adopts the pre-bound
socket of ``HARNESS_TEST_SOCKET_FD`` and ignores the lifeline, as a
foreign program would.  Modes:

* ``ready-byte``: listen, then write the ready byte;
* ``tcp``: listen, nothing else;
* ``http``: ``GET /health`` answers 503 twice, then 200; ``GET /hits``
  answers how many health checks it saw;
* ``log``: write ``warming up``, listen, then ``serving on port N`` to
  LOG_FILE and to stdout;
* ``never``: say ``still warming up`` on stderr and never listen;
* ``die``: say ``fatal: cannot start`` on stderr and exit 3.

Every listening mode answers each connection with ``toy MODE\\n`` (HTTP:
per request) and exits 0 on SIGTERM.
"""

import http.server
import os
import signal
import socket
import sys


def _adopt():
    sock = socket.socket(fileno=int(os.environ['HARNESS_TEST_SOCKET_FD']))
    sock.listen()
    return sock


def _serve_lines(sock, mode):
    while True:
        conn, _ = sock.accept()
        with conn:
            conn.sendall(('toy %s\n' % mode).encode())


def _serve_http(sock):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == '/health':
                hits.append(1)
                status = 200 if len(hits) > 2 else 503
            else:
                status = 200
            body = str(len(hits)).encode()
            self.send_response(status)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write('request %s\n' % self.requestline)

    httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler,
                                   bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = sock
    httpd.serve_forever()


def _say(text, stream):
    stream.write(text + '\n')
    stream.flush()


def main(mode, port, log_file):
    signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
    if mode == 'die':
        _say('fatal: cannot start', sys.stderr)
        return 3
    if mode == 'never':
        _say('still warming up', sys.stderr)
        signal.pause()
        return 0
    with open(log_file, 'a') as log:
        _say('warming up', log)
        sock = _adopt()
        if mode == 'ready-byte':
            os.write(int(os.environ['HARNESS_READY_FD']), b'1')
        elif mode == 'log':
            _say('serving on port %s' % port, log)
            _say('serving on port %s' % port, sys.stdout)
    if mode == 'http':
        _serve_http(sock)
    _serve_lines(sock, mode)
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
