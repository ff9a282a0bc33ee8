"""The API over TLS.

Certificates are made fresh for each test (:mod:`harness.tests.certs`) and
verified for real: the client trusts only the test's own CA and checks the
server's name.
"""

import hashlib
import http.client
import json
import os
import socket
import ssl

from harness.glance import functional
from harness.tests import certs
from harness.tests.functional import client

TIMEOUT = 30


class TestTLS(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.certs = certs.make_certs(self.test_dir)
        self.context = ssl.create_default_context(cafile=self.certs.ca)
        self.api_protocol = 'https'

    def start_tls(self):
        self.api_server.cert_file = self.certs.cert
        self.api_server.key_file = self.certs.key
        self.start_servers(**self.__dict__.copy())

    def request(self, method, path, headers=None, body=None):
        """One https request; returns ``(status, headers, body)``."""
        conn = http.client.HTTPSConnection('127.0.0.1', self.api_port,
                                           context=self.context,
                                           timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                    resp.read())
        finally:
            conn.close()

    def test_versions_document_has_https_links(self):
        self.start_tls()
        status, headers, body = self.request('GET', '/')
        self.assertEqual(300, status)
        expected = client.versions_document(self.api_port).replace(
            b'"http://', b'"https://')
        self.assertIn(b'https://127.0.0.1:%d/v1/' % self.api_port, expected)
        self.assertEqual(expected, body)

    def test_v1_image_create_and_download(self):
        self.start_tls()
        data = os.urandom(64 * 1024 + 7)
        headers = {'Content-Type': 'application/octet-stream',
                   'x-image-meta-name': 'Image1',
                   'x-image-meta-is_public': 'True',
                   'x-image-meta-disk_format': 'raw',
                   'x-image-meta-container_format': 'ovf'}
        status, headers, body = self.request('POST', '/v1/images',
                                             headers, data)
        self.assertEqual(201, status, body)
        image = json.loads(body)['image']
        self.assertEqual('active', image['status'])
        self.assertEqual(len(data), image['size'])
        self.assertEqual('https://127.0.0.1:%d/v1/images/%s'
                         % (self.api_port, image['id']), headers['location'])
        status, headers, body = self.request(
            'GET', '/v1/images/%s' % image['id'])
        self.assertEqual(200, status)
        self.assertEqual(data, body)
        self.assertEqual(hashlib.md5(data).hexdigest(), headers['etag'])

    def test_plain_http_to_the_tls_port_fails_cleanly(self):
        self.start_tls()
        sock = socket.create_connection(('127.0.0.1', self.api_port),
                                        timeout=TIMEOUT)
        self.addCleanup(sock.close)
        sock.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
        # The server must end the connection (a TLS alert at most), not
        # answer in plain HTTP and not leave it hanging: a hang is a
        # socket.timeout here, which errors the test.
        received = b''
        try:
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        self.assertFalse(received.startswith(b'HTTP/'), received)
        # And the server still serves TLS afterwards.
        self.assertEqual(300, self.request('GET', '/')[0])

    def test_an_untrusted_client_refuses_the_server(self):
        self.start_tls()
        self.context = ssl.create_default_context()
        error = self.assertRaises(ssl.SSLCertVerificationError,
                                  self.request, 'GET', '/')
        self.assertIn('certificate verify failed', str(error))

    def _start_failing(self):
        self.start_server(self.api_server, expect_launch=False,
                          expected_exitcode=1, **self.__dict__.copy())
        return self.api_server.read_output()[1]

    def test_cert_file_without_key_file_fails_to_start(self):
        self.api_server.cert_file = self.certs.cert
        err = self._start_failing()
        self.assertIn('ERROR: When running server in SSL mode, you must '
                      'specify both a cert_file and key_file option value '
                      'in your configuration file', err)

    def test_key_file_without_cert_file_fails_to_start(self):
        self.api_server.key_file = self.certs.key
        err = self._start_failing()
        self.assertIn('ERROR: When running server in SSL mode, you must '
                      'specify both a cert_file and key_file option value '
                      'in your configuration file', err)

    def test_mismatched_key_and_cert_fail_to_start(self):
        other_key = certs.write_key(certs.new_key(), os.path.join(
            self.test_dir, 'other-key.pem'))
        self.api_server.cert_file = self.certs.cert
        self.api_server.key_file = other_key
        err = self._start_failing()
        self.assertIn('ERROR: There is a problem with your key pair.  Please '
                      'verify that cert %s and key %s belong together.  '
                      'OpenSSL error' % (self.certs.cert, other_key), err)
