"""TLS: start-up checks and https."""

import datetime
import http.client
import json
import os
import socket
import ssl

import fixtures
import testtools
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.errors import StartupError
from harness.service.wsgi import sockets
from harness.tests.unit.service import support


def _write_key(key, path, password=None):
    encryption = (serialization.BestAvailableEncryption(password)
                  if password else serialization.NoEncryption())
    with open(path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       encryption))


def make_pki(folder):
    """Self-signed cert + key, a second key, an encrypted key, junk."""
    key, other = ec.generate_private_key(ec.SECP256R1()), \
        ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .sign(key, hashes.SHA256()))
    paths = {name: os.path.join(folder, name + '.pem') for name in (
        'cert', 'key', 'other_key', 'encrypted_key', 'junk')}
    with open(paths['cert'], 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, paths['key'])
    _write_key(other, paths['other_key'])
    _write_key(key, paths['encrypted_key'], b'secret')
    with open(paths['junk'], 'w') as handle:
        handle.write('-----BEGIN CERTIFICATE-----\nAAAA\n'
                     '-----END CERTIFICATE-----\n')
    return paths


class _Conf(object):
    def __init__(self, cert_file=None, key_file=None, ca_file=None):
        self.cert_file, self.key_file, self.ca_file = (cert_file, key_file,
                                                       ca_file)


class TestTLSChecks(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.pki = make_pki(self.useFixture(fixtures.TempDir()).path)

    def error(self, **kwargs):
        return str(self.assertRaises(StartupError, sockets.make_tls_context,
                                     _Conf(**kwargs)))

    def test_off_without_cert_and_key(self):
        self.assertIsNone(sockets.make_tls_context(_Conf()))

    def test_both_files_required(self):
        for kwargs in ({'cert_file': self.pki['cert']},
                       {'key_file': self.pki['key']}):
            self.assertEqual(
                'When running server in SSL mode, you must specify both a '
                'cert_file and key_file option value in your configuration '
                'file', self.error(**kwargs))

    def test_unreadable_key(self):
        missing = self.pki['key'] + '.missing'
        self.assertThat(self.error(cert_file=self.pki['cert'],
                                   key_file=missing),
                        testtools.matchers.StartsWith(
                            'There is a problem with your private key %s.  '
                            'Please verify it. Error: ' % missing))

    def test_unparseable_certificate(self):
        self.assertThat(self.error(cert_file=self.pki['junk'],
                                   key_file=self.pki['key']),
                        testtools.matchers.StartsWith(
                            'There is a problem with your certficate %s.  '
                            'Please verify it. OpenSSL error: '
                            % self.pki['junk']))

    def test_unparseable_or_encrypted_key(self):
        for key in (self.pki['junk'], self.pki['encrypted_key']):
            self.assertThat(self.error(cert_file=self.pki['cert'],
                                       key_file=key),
                            testtools.matchers.StartsWith(
                                'There is a problem with your private key '
                                '%s.  Please verify it. OpenSSL error: '
                                % key))

    def test_mismatched_pair(self):
        self.assertThat(self.error(cert_file=self.pki['cert'],
                                   key_file=self.pki['other_key']),
                        testtools.matchers.StartsWith(
                            'There is a problem with your key pair.  Please '
                            'verify that cert %s and key %s belong '
                            'together.  OpenSSL error '
                            % (self.pki['cert'], self.pki['other_key'])))

    def test_ca_file_requires_client_certificates(self):
        context = sockets.make_tls_context(_Conf(
            self.pki['cert'], self.pki['key'], self.pki['cert']))
        self.assertEqual(ssl.CERT_REQUIRED, context.verify_mode)


class TestHTTPS(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.pki = make_pki(self.useFixture(fixtures.TempDir()).path)

    def client_context(self, with_cert=False):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if with_cert:
            context.load_cert_chain(self.pki['cert'], self.pki['key'])
        return context

    def get(self, service, path, context):
        conn = http.client.HTTPSConnection('127.0.0.1', service.port,
                                           timeout=support.DEADLINE,
                                           context=context)
        self.addCleanup(conn.close)
        conn.request('GET', path)
        response = conn.getresponse()
        return response, response.read()

    def test_https_request(self):
        service = support.ServiceProcess(self, options={
            'cert_file': self.pki['cert'], 'key_file': self.pki['key']})
        service.start().wait_ready()
        # A plain TCP ping (what the harness does) must not disturb it.
        socket.create_connection(('127.0.0.1', service.port)).close()
        response, body = self.get(service, '/env', self.client_context())
        self.assertEqual('https', json.loads(body)['wsgi.url_scheme'])
        conn = http.client.HTTPSConnection(
            '127.0.0.1', service.port, timeout=support.DEADLINE,
            context=self.client_context())
        self.addCleanup(conn.close)
        conn.request('POST', '/echo', body=iter([b'a' * 70000, b'b']),
                     encode_chunked=True)
        self.assertEqual(b'a' * 70000 + b'b', conn.getresponse().read())

    def test_client_certificate_required_with_ca_file(self):
        service = support.ServiceProcess(self, options={
            'cert_file': self.pki['cert'], 'key_file': self.pki['key'],
            'ca_file': self.pki['cert']})
        service.start().wait_ready()
        response, body = self.get(service, '/', self.client_context(True))
        self.assertEqual(300, response.status)
        self.assertRaises((ssl.SSLError, ConnectionError), self.get,
                          service, '/', self.client_context())
        self.assertEqual(300, self.get(service, '/', self.client_context(
            True))[0].status)

    def test_mismatched_pair_fails_start_up(self):
        service = support.ServiceProcess(self, options={
            'cert_file': self.pki['cert'],
            'key_file': self.pki['other_key']}).start()
        self.assertEqual(1, service.wait_exit())
        self.assertIn('ERROR: There is a problem with your key pair.',
                      service.stderr())
        self.assertNotIn('Traceback', service.stderr())
