"""Obtain the listening socket and the TLS context of a service.

Adopt the socket the harness bound (``HARNESS_TEST_SOCKET_FD``) or bind
``bind_host:bind_port``, then listen; TLS settings are checked at
start-up with Glance's messages.  ``ssl`` is imported only when TLS is
configured: it is slow to import.
"""

import errno
import os
import socket
import time

from harness import contract
from harness.errors import StartupError

#: How long a self-bind retries on EADDRINUSE (Glance: 30 s).
BIND_RETRY_SECONDS = 30.0
BIND_RETRY_INTERVAL = 0.1

_BOTH_REQUIRED = ('When running server in SSL mode, you must specify both a '
                  'cert_file and key_file option value in your '
                  'configuration file')


def get_socket(conf, default_port=None, retry_for=BIND_RETRY_SECONDS):
    """Return the listening server socket described by *conf*.

    :param default_port: port used when ``bind_port`` is unset.
    :raises StartupError: the socket cannot be adopted or bound.
    """
    raw_fd = os.environ.pop(contract.SOCKET_FD, None)
    if raw_fd:
        sock = adopt_socket(raw_fd)
    else:
        port = conf.bind_port if conf.bind_port is not None else default_port
        if port is None:
            raise StartupError('No bind_port configured')
        sock = bind_socket(conf.bind_host, port, retry_for)
    set_socket_options(sock, conf.tcp_keepidle)
    sock.listen(conf.backlog)
    return sock


def adopt_socket(raw_fd):
    """Take over the bound (or already listening) socket of fd *raw_fd*.

    The descriptor is duplicated and the original number closed, so that
    number is free again and the socket is owned by one object only.
    """
    try:
        fd = int(raw_fd)
        new_fd = os.dup(fd)
    except (ValueError, OSError) as exc:
        raise StartupError('Invalid %s=%r: %s'
                           % (contract.SOCKET_FD, raw_fd, exc)) from None
    try:
        sock = socket.socket(fileno=new_fd)
    except OSError as exc:
        os.close(new_fd)
        raise StartupError('%s=%s is not a socket: %s'
                           % (contract.SOCKET_FD, raw_fd, exc)) from None
    os.close(fd)
    if (sock.family not in (socket.AF_INET, socket.AF_INET6)
            or sock.type != socket.SOCK_STREAM):
        sock.close()
        raise StartupError('%s=%s is not a TCP socket'
                           % (contract.SOCKET_FD, raw_fd))
    return sock


def bind_socket(host, port, retry_for=BIND_RETRY_SECONDS):
    """Bind a new TCP socket to *host*:*port*, retrying while it is in use.

    :raises StartupError: the address stayed in use for *retry_for*
        seconds, or binding failed for another reason.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
            socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise StartupError('Could not bind to %s:%s: %s'
                           % (host, port, exc)) from None
    deadline = time.monotonic() + retry_for
    while True:
        sock = socket.socket(family, kind, proto)
        # Before bind(), or it has no effect on a port in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
            return sock
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EADDRINUSE:
                raise StartupError('Could not bind to %s:%s: %s'
                                   % (host, port, exc.strerror)) from None
        if time.monotonic() >= deadline:
            raise StartupError('Could not bind to %s:%s after trying for '
                               '%d seconds' % (host, port, retry_for))
        time.sleep(BIND_RETRY_INTERVAL)


def set_socket_options(sock, keepidle):
    """Keep-alive probes on every accepted connection (they inherit it)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if keepidle and hasattr(socket, 'TCP_KEEPIDLE'):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, keepidle)


def make_tls_context(conf):
    """Return a server ``ssl.SSLContext``, or ``None`` when TLS is off.

    :raises StartupError: a certificate without a key (or the other
        way round), or a CA, certificate or key file that cannot be read
        or used, with Glance's messages.
    """
    cert_file, key_file = conf.cert_file, conf.key_file
    if not cert_file and not key_file:
        return None
    if not cert_file or not key_file:
        raise StartupError(_BOTH_REQUIRED)
    import ssl
    _read(key_file, 'private key')
    _check_certificate(ssl, cert_file)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _load_pair(ssl, context, cert_file, key_file)
    if conf.ca_file:
        try:
            context.load_verify_locations(cafile=conf.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise StartupError(
                'There is a problem with your CA file %s.  Please verify '
                'it. Error: %s' % (conf.ca_file, exc)) from None
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _read(path, what):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except OSError as exc:
        raise StartupError('There is a problem with your %s %s.  Please '
                           'verify it. Error: %s'
                           % (what, path, exc)) from None


def _check_certificate(ssl, cert_file):
    # Glance 2014.1 spells it 'certficate'; the messages are kept verbatim.
    data = _read(cert_file, 'certficate')
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_verify_locations(
            cadata=data.decode('latin-1'))
    except ssl.SSLError as exc:
        raise StartupError('There is a problem with your certficate %s.  '
                           'Please verify it. OpenSSL error: %s'
                           % (cert_file, exc)) from None


class _EncryptedKey(Exception):
    pass


def _refuse_password():
    # Without this OpenSSL would prompt on the terminal for a passphrase.
    raise _EncryptedKey('the private key is encrypted')


def _load_pair(ssl, context, cert_file, key_file):
    try:
        context.load_cert_chain(cert_file, key_file,
                                password=_refuse_password)
    except (ssl.SSLError, _EncryptedKey) as exc:
        if getattr(exc, 'reason', None) == 'KEY_VALUES_MISMATCH':
            raise StartupError(
                'There is a problem with your key pair.  Please verify that '
                'cert %s and key %s belong together.  OpenSSL error %s'
                % (cert_file, key_file, exc)) from None
        raise StartupError('There is a problem with your private key %s.  '
                           'Please verify it. OpenSSL error: %s'
                           % (key_file, exc)) from None
