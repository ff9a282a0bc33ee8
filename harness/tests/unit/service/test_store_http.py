"""The read-only HTTP store against a real local HTTP server."""

import base64
import functools
import hashlib
import http.server
import os
import socket
import threading
import urllib.parse

import fixtures
import testtools

from harness.service import store
from harness.service.store import errors
from harness.service.store import http as http_store
from harness.tests.unit.service import storetest_helpers as helpers

USER, PASSWORD = 'alice', 'p@ss:word'


class Handler(http.server.SimpleHTTPRequestHandler):
    """Files of a directory, plus:

    ``/hop/<n>/<name>``: redirects n times (alternating 301 and 302,
    relative then absolute Location) before ``/<name>``;
    ``/status/<code>``: answers *code*;
    ``/private/<name>``: requires Basic auth ``USER:PASSWORD``;
    ``/goto/<quoted URL>``: a 302 to that URL;
    ``/hangup``: closes the connection without an answer.
    """

    def _special(self):
        parts = self.path.split('/')
        if parts[1] == 'hangup':
            self.close_connection = True
            return None
        if parts[1] == 'goto':
            self.send_response(302)
            self.send_header('Location', urllib.parse.unquote(parts[2]))
            self.send_header('Content-Length', '0')
            self.end_headers()
            return None
        if parts[1] == 'hop':
            hops = int(parts[2])
            if hops == 0:
                return '/' + parts[3]
            location = '/hop/%d/%s' % (hops - 1, parts[3])
            if hops % 2:
                location = 'http://%s:%d%s' % (self.server.server_address
                                               + (location,))
            self.send_response(301 if hops % 2 else 302)
            self.send_header('Location', location)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return None
        if parts[1] == 'status':
            self.send_error(int(parts[2]))
            return None
        if parts[1] == 'private':
            self.server.auth_seen.append(self.headers.get('Authorization'))
            token = base64.b64encode(
                ('%s:%s' % (USER, PASSWORD)).encode()).decode()
            if self.headers.get('Authorization') != 'Basic ' + token:
                self.send_error(401)
                return None
            return '/' + parts[2]
        return self.path

    def do_GET(self):
        self.server.requests.append(('GET', self.path))
        path = self._special()
        if path is not None:
            self.path = path
            super().do_GET()

    def do_HEAD(self):
        self.server.requests.append(('HEAD', self.path))
        path = self._special()
        if path is not None:
            self.path = path
            super().do_HEAD()

    def log_message(self, format, *args):
        self.server.log.append(format % args)


class Server(http.server.ThreadingHTTPServer):
    """Records handler errors instead of printing them (a client closing
    early makes the handler's write fail, which is expected)."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        self.log.append('handler error from %s' % (client_address,))


class HttpServerFixture(fixtures.Fixture):
    """A threaded HTTP server on 127.0.0.1 serving *directory*."""

    def __init__(self, directory):
        super().__init__()
        self.directory = directory

    def _setUp(self):
        handler = functools.partial(Handler, directory=self.directory)
        server = Server(('127.0.0.1', 0), handler)
        server.requests, server.log, server.auth_seen = [], [], []
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={'poll_interval': 0.05})
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(thread.join)
        self.addCleanup(server.shutdown)
        self.server = server
        self.base = 'http://127.0.0.1:%d' % server.server_address[1]


class TestHttpStore(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.data = os.urandom(300000)
        with open(os.path.join(self.root, 'image'), 'wb') as handle:
            handle.write(self.data)
        self.http = self.useFixture(HttpServerFixture(self.root))
        self.store = http_store.HttpStore(timeout=10)

    def url(self, path):
        return self.http.base + path

    def test_get_streams_data_and_size(self):
        reader, size = self.store.get(self.url('/image'), chunk_size=65536)
        with reader:
            chunks = list(reader)
        self.assertEqual(len(self.data), size)
        self.assertEqual(self.data, b''.join(chunks))
        self.assertTrue(all(len(chunk) <= 65536 for chunk in chunks))
        self.assertTrue(reader.closed)

    def test_offset(self):
        reader, size = self.store.get(self.url('/image'), offset=1000)
        with reader:
            self.assertEqual((self.data[1000:], len(self.data) - 1000),
                             (b''.join(reader), size))

    def test_close_early_closes_the_connection(self):
        reader, _ = self.store.get(self.url('/image'), chunk_size=100)
        next(reader)
        sock = reader._raw.fp.raw._sock
        reader.close()
        self.assertEqual(-1, sock.fileno())

    def test_get_size_uses_head(self):
        self.assertEqual(len(self.data),
                         self.store.get_size(self.url('/image')))
        self.assertEqual([('HEAD', '/image')], self.http.server.requests)

    def test_follows_up_to_five_redirects(self):
        reader, size = self.store.get(self.url('/hop/5/image'))
        with reader:
            self.assertEqual(self.data, b''.join(reader))
        self.assertEqual(6, len(self.http.server.requests))
        self.assertEqual(len(self.data),
                         self.store.get_size(self.url('/hop/5/image')))

    def test_six_redirects_are_too_many(self):
        self.assertRaises(errors.BadStoreUri, self.store.get,
                          self.url('/hop/6/image'))
        self.assertEqual(6, len(self.http.server.requests))
        # Icehouse (2014.1.5): a size lookup that is not a socket error
        # is size 0.
        self.assertEqual(0, self.store.get_size(self.url('/hop/6/image')))
        self.assertEqual(12, len(self.http.server.requests))
        self.assertIn('maximum redirects', self.logger.output)

    def test_error_statuses_are_bad_uris_and_size_0(self):
        for code in (400, 403, 404, 500, 503):
            error = self.assertRaises(errors.BadStoreUri, self.store.get,
                                      self.url('/status/%d' % code))
            self.assertIn('%d' % code, str(error))
            self.assertEqual(0, self.store.get_size(
                self.url('/status/%d' % code)))
            self.assertIn('Unable to get the size of %s: HTTP URL %s '
                          'returned a %d status code.'
                          % ((self.url('/status/%d' % code),) * 2 + (code,)),
                          self.logger.output)
        self.assertRaises(errors.BadStoreUri, self.store.get,
                          self.url('/missing'))

    def test_unreachable_host(self):
        # Bound but not listening: connecting is refused.
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        url = 'http://127.0.0.1:%d/image' % sock.getsockname()[1]
        self.assertRaises(errors.BadStoreUri, self.store.get, url)
        error = self.assertRaises(errors.BadStoreUri, self.store.get_size,
                                  url)
        self.assertEqual('The HTTP URL is invalid.', str(error))
        # Also at the end of a redirect.
        error = self.assertRaises(errors.BadStoreUri, self.store.get_size,
                                  self.url('/goto/' + urllib.parse.quote(
                                      url, safe='')))
        self.assertEqual('The HTTP URL is invalid.', str(error))

    def test_no_answer_and_unfollowable_redirects_are_size_0(self):
        self.assertRaises(errors.BadStoreUri, self.store.get,
                          self.url('/hangup'))
        self.assertEqual(0, self.store.get_size(self.url('/hangup')))
        for target in ('ftp://127.0.0.1/image', 'http://'):
            url = self.url('/goto/' + urllib.parse.quote(target, safe=''))
            self.assertRaises(errors.BadStoreUri, self.store.get, url)
            self.assertEqual(0, self.store.get_size(url))
        self.assertEqual(('HEAD', '/hangup'),
                         self.http.server.requests[1])

    def test_credentials_become_basic_auth(self):
        url = 'http://%s:%s@127.0.0.1:%d/private/image' % (
            USER, PASSWORD.replace('@', '%40').replace(':', '%3A'),
            self.http.server.server_address[1])
        reader, size = self.store.get(url)
        with reader:
            self.assertEqual(self.data, b''.join(reader))
        self.assertEqual(len(self.data), self.store.get_size(url))

    def test_wrong_credentials_and_no_password_in_messages(self):
        url = 'http://%s:secret99@127.0.0.1:%d/private/image' % (
            USER, self.http.server.server_address[1])
        error = self.assertRaises(errors.BadStoreUri, self.store.get, url)
        self.assertIn('401', str(error))
        self.assertNotIn('secret99', str(error))
        self.assertIn('alice:***@', str(error))
        self.assertRaises(errors.BadStoreUri, self.store.get,
                          self.url('/private/image'))
        self.assertEqual([None], self.http.server.auth_seen[1:])

    def test_read_only(self):
        self.assertRaises(errors.Forbidden, self.store.add, helpers.new_id(),
                          helpers.Reader(b'x'), 1)
        self.assertRaises(errors.Forbidden, self.store.delete,
                          self.url('/image'))
        self.assertTrue(os.path.exists(os.path.join(self.root, 'image')))
        self.assertEqual([], self.http.server.requests)

    def test_malformed_urls(self):
        for url in ('http://', 'http://[::1/x', 'http://host:port/x',
                    'ftp://127.0.0.1/x'):
            self.assertRaises(errors.BadStoreUri, self.store.get, url)
            error = self.assertRaises(errors.BadStoreUri,
                                      self.store.get_size, url)
            self.assertEqual('The HTTP URL is invalid.', str(error))
        self.assertEqual([], self.http.server.requests)

    def test_copy_into_the_filesystem_store(self):
        # What copy-from does: an HTTP reader fed to the filesystem store.
        datadir = os.path.join(self.root, 'images')
        fs = store.get_store(helpers_conf(datadir), 'file')
        source = store.get_store_from_uri(helpers_conf(datadir),
                                          self.url('/hop/2/image'))
        reader, size = source.get(self.url('/hop/2/image'))
        with reader:
            uri, written, checksum, _ = fs.add(helpers.new_id(), reader,
                                               size)
        self.assertEqual((len(self.data), hashlib.md5(self.data).hexdigest()),
                         (written, checksum))
        fs_reader, _ = fs.get(uri)
        with fs_reader:
            self.assertEqual(self.data, b''.join(fs_reader))


def helpers_conf(datadir):
    from harness.tests.unit.service import apitest_helpers
    return apitest_helpers.make_conf(filesystem_store_datadir=datadir)
