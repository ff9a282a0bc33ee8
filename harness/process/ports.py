"""Ports on 127.0.0.1, reserved by a bound socket that is not listening.

The harness binds a server's port itself and hands the socket over
(:class:`harness.process.child.ServerProcess`): keeping it bound reserves
the port until the server adopts it, and the server calls ``listen()``.
"""

import socket

from harness import errors

HOST = '127.0.0.1'


def bind(port):
    """A fresh socket bound to 127.0.0.1:*port* (not listening); port 0:
    one the kernel picks.

    SO_REUSEADDR for a given port only: a restarted server takes back its
    port while the previous one's connections sit in TIME_WAIT; a port the
    kernel picks is a free one anyway.

    :raises PortInUseError: when something else holds the port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise errors.PortInUseError(HOST, port) from None
    return sock


def unused_port_and_socket():
    """``(port, socket)``: a socket bound to a port the kernel picked."""
    sock = bind(0)
    return sock.getsockname()[1], sock
