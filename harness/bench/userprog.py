"""A user's small HTTP server, for the benchmark's own-service lines.

``python -m harness.bench.userprog``: it adopts the socket the harness
bound (``HARNESS_TEST_SOCKET_FD``), listens, writes its ready byte
(``HARNESS_READY_FD``) and answers every ``GET`` with 200 from the
standard library's ``http.server``; SIGTERM stops it with status 0.
It imports nothing of the harness: what :mod:`harness.bench.own`
measures is the harness's cost around a program like this one.
"""

import http.server
import os
import signal
import socket
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    """``GET`` anything: 200 ``ok``."""

    def do_GET(self):
        body = b'ok\n'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        """Quiet: the benchmark reads no log."""


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler,
                                   bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = socket.socket(
        fileno=int(os.environ['HARNESS_TEST_SOCKET_FD']))
    httpd.server_activate()  # listen()
    os.write(int(os.environ['HARNESS_READY_FD']), b'1')
    httpd.serve_forever()


if __name__ == '__main__':
    main()
