"""The test-certificate helper: a CA and a server certificate that a
strictly verifying client accepts for 127.0.0.1 and localhost."""

import datetime
import socket
import ssl
import threading

import fixtures
import testtools
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from harness.tests import certs


def _load(path):
    with open(path, 'rb') as handle:
        return x509.load_pem_x509_certificate(handle.read())


class TestMakeCerts(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.folder = self.useFixture(fixtures.TempDir()).path
        self.paths = certs.make_certs(self.folder)

    def test_validity_and_signature(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        ca, cert = _load(self.paths.ca), _load(self.paths.cert)
        for item in (ca, cert):
            self.assertIsInstance(item.signature_hash_algorithm,
                                  hashes.SHA256)
            begin = item.not_valid_before_utc
            end = item.not_valid_after_utc
            self.assertLess(abs(now - datetime.timedelta(days=1) - begin),
                            datetime.timedelta(minutes=5))
            self.assertLess(abs(now + datetime.timedelta(days=30) - end),
                            datetime.timedelta(minutes=5))
        self.assertEqual(ca.subject, cert.issuer)
        cert.verify_directly_issued_by(ca)
        names = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
        self.assertEqual(['localhost'], names.get_values_for_type(
            x509.DNSName))
        self.assertEqual(['127.0.0.1'], [str(ip) for ip in names
                                         .get_values_for_type(x509.IPAddress)])

    def test_fresh_each_time_and_prefixed(self):
        again = certs.make_certs(self.folder, prefix='b-')
        self.assertTrue(again.ca.endswith('/b-ca.pem'))
        self.assertNotEqual(_load(self.paths.ca).serial_number,
                            _load(again.ca).serial_number)

    def _handshake(self, server_hostname):
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(self.paths.cert, self.paths.key)
        listener = socket.create_server(('127.0.0.1', 0))
        self.addCleanup(listener.close)

        def serve():
            conn, _ = listener.accept()
            with server.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b'ok')
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        context = ssl.create_default_context(cafile=self.paths.ca)
        context.verify_flags |= ssl.VERIFY_X509_STRICT
        raw = socket.create_connection(listener.getsockname(), timeout=10)
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.recv(2)

    def test_strict_client_accepts_the_server(self):
        self.assertEqual(b'ok', self._handshake('127.0.0.1'))

    def test_localhost_name_is_accepted(self):
        self.assertEqual(b'ok', self._handshake('localhost'))
