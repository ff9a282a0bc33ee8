"""Test certificates, made fresh at test time with ``cryptography``.

No certificate is checked into the tree, so none can expire under the
tests: :func:`make_certs` creates a CA and a server certificate for
``127.0.0.1`` and ``localhost`` signed by it, valid from a day ago to 30
days from now, and writes them as PEM files.  Keys are ECDSA P-256
(instant to generate); signatures are SHA-256.  The extensions are the
ones OpenSSL's strict verification (Python 3.13's default) requires.
"""

import collections
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

#: Paths of the files :func:`make_certs` writes.
CertPaths = collections.namedtuple('CertPaths', 'ca cert key')

VALID_BEFORE = datetime.timedelta(days=1)
VALID_AFTER = datetime.timedelta(days=30)


def make_certs(folder, prefix=''):
    """Write a fresh CA and a server certificate and key into *folder*.

    :param prefix: prepended to the file names (``ca.pem``,
        ``server-cert.pem``, ``server-key.pem``), so several sets can
        share a folder.
    :returns: :class:`CertPaths` of the CA certificate, the server
        certificate and the server's private key (unencrypted PKCS#8).
    """
    ca_key, server_key = new_key(), new_key()
    ca_cert = _ca_certificate(ca_key)
    server_cert = _server_certificate(server_key, ca_cert, ca_key)
    paths = CertPaths(*(os.path.join(folder, prefix + name) for name in (
        'ca.pem', 'server-cert.pem', 'server-key.pem')))
    write_cert(ca_cert, paths.ca)
    write_cert(server_cert, paths.cert)
    write_key(server_key, paths.key)
    return paths


def new_key():
    """Return a new ECDSA P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def write_key(key, path):
    """Write *key* to *path* as unencrypted PEM (PKCS#8), mode 0600."""
    data = key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)
    return path


def write_cert(cert, path):
    """Write *cert* to *path* as PEM."""
    with open(path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'harness tests'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - VALID_BEFORE)
            .not_valid_after(now + VALID_AFTER)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                public_key), critical=False))


def _key_usage(signing):
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=signing, crl_sign=signing,
        encipher_only=False, decipher_only=False)


def _ca_certificate(key):
    name = _name('harness test CA')
    return (_builder(name, name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(_key_usage(signing=True), critical=True)
            .sign(key, hashes.SHA256()))


def _server_certificate(key, ca_cert, ca_key):
    names = x509.SubjectAlternativeName([
        x509.DNSName('localhost'),
        x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    ca_ski = ca_cert.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value
    return (_builder(_name('localhost'), ca_cert.subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(_key_usage(signing=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(names, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier
                           .from_issuer_subject_key_identifier(ca_ski),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
