"""Helpers of the v1 API functional tests: requests, polling, fixtures.

Nothing here sleeps for a fixed time: :func:`wait_for` polls a real
condition until a deadline.
"""

import hashlib
import http.client
import http.server
import json
import os
import socket
import threading
import time
import uuid

from harness.tests.functional import client

TIMEOUT = 30
#: How long a background change (copy-from) may take to show.
DEADLINE = 30.0
FIVE_KB = 5 * 1024


def minimal_headers(name, public=True, **extra):
    """The headers of a v1 create with both formats and a data body."""
    headers = {'Content-Type': 'application/octet-stream',
               'X-Image-Meta-Name': name,
               'X-Image-Meta-Disk-Format': 'raw',
               'X-Image-Meta-Container-Format': 'ovf'}
    if public:
        headers['X-Image-Meta-Is-Public'] = 'True'
    headers.update(extra)
    return headers


def md5(data):
    return hashlib.md5(data).hexdigest()


def wait_for(condition, deadline=DEADLINE, interval=0.02):
    """Poll *condition* until it returns a true value; return that value.

    :raises AssertionError: still false after *deadline* seconds.
    """
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError('condition not met after %.1f s'
                                 % deadline)
        time.sleep(interval)


class V1(object):
    """Requests to the v1 API on *port*, with *headers* on every one."""

    def __init__(self, port, headers=None):
        self.port = port
        self.headers = dict(headers or {})

    def request(self, method, path, headers=None, body=None):
        """Return ``(status, headers, body)``; header names lower-cased."""
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        return client.request(self.port, method, path, all_headers, body,
                              timeout=TIMEOUT)

    def create(self, headers=None, body=None):
        """POST /v1/images; return ``(status, headers, body)``."""
        return self.request('POST', '/v1/images', headers, body)

    def create_ok(self, headers=None, body=None):
        """POST /v1/images expecting 201; return the image dict."""
        status, _, content = self.create(headers, body)
        if status != 201:
            raise AssertionError('create answered %d: %r'
                                 % (status, content))
        return json.loads(content)['image']

    def head(self, image_id, headers=None):
        return self.request('HEAD', '/v1/images/%s' % image_id, headers)

    def status_of(self, image_id):
        """``x-image-meta-status`` of *image_id* (``None`` if not 200)."""
        status, headers, _ = self.head(image_id)
        return headers.get('x-image-meta-status') if status == 200 \
            else None

    def list(self, query='', detail=True):
        path = '/v1/images/detail' if detail else '/v1/images'
        status, _, content = self.request('GET', path + query)
        if status != 200:
            raise AssertionError('list answered %d: %r' % (status, content))
        return json.loads(content)['images']


def new_id():
    return str(uuid.uuid4())


def image_files(image_dir):
    """Every entry of the image directory (hidden partial files too)."""
    if not os.path.isdir(image_dir):
        return []
    return sorted(os.listdir(image_dir))


def chunked(data, size=1000):
    """An iterator of *data* in pieces: http.client sends it chunked."""
    return (data[i:i + size] for i in range(0, len(data), size))


class RawUpload(object):
    """A POST written by hand on a socket, to stop half way.

    :param head_lines: request header lines (without the request line).
    """

    def __init__(self, port, path, head_lines, method='POST'):
        self.sock = socket.create_connection(('127.0.0.1', port),
                                             timeout=TIMEOUT)
        head = '%s %s HTTP/1.1\r\n%s\r\n\r\n' % (
            method, path, '\r\n'.join(head_lines + [
                'Host: 127.0.0.1', 'Connection: close']))
        self.sock.sendall(head.encode('latin-1'))

    def send(self, data):
        self.sock.sendall(data)

    def read_response(self):
        """Read the answer until the server closes; return its bytes."""
        parts = []
        while True:
            data = self.sock.recv(65536)
            if not data:
                return b''.join(parts)
            parts.append(data)

    def close(self):
        self.sock.close()


class _DataHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``/data`` (the server's ``data``), the status *code* at
    ``/status/<code>``, a redirect to itself at ``/loop`` and 404
    elsewhere; ``/data``'s ``Content-Length`` claims ``short_by`` bytes
    more than it sends."""

    def _answer(self, with_body):
        if self.path.startswith('/status/'):
            self.send_error(int(self.path.split('/')[2]))
            return
        if self.path == '/loop':
            self.send_response(302)
            self.send_header('Location', '/loop')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if self.path != '/data':
            self.send_error(404)
            return
        data = self.server.data
        self.send_response(200)
        self.send_header('Content-Length',
                         str(len(data) + self.server.short_by))
        self.send_header('Content-Type', 'application/octet-stream')
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):
        self._answer(True)

    def do_HEAD(self):
        self._answer(False)

    def log_message(self, *args):
        """Quiet: the test output is not the place for access logs."""


class RemoteData(object):
    """A local HTTP server serving *data* at ``/data`` (stop with close).

    :param short_by: announce that many bytes more than *data* (a remote
        that closes early).
    """

    def __init__(self, data, short_by=0):
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      _DataHandler)
        self.server.data = data
        self.server.short_by = short_by
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path='/data'):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(TIMEOUT)


def http_status(port, method, path, headers=None, body=None):
    """The status of one request (a connection of its own)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()
