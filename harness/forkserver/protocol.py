"""The fork-server's messages, written once for both ends.

The test process and its fork-server talk over a Unix socket pair
(``SOCK_SEQPACKET``): one JSON object per packet, descriptors beside it
as ``SCM_RIGHTS``.  :mod:`harness.forkserver.server` lists the messages.
"""

import json
import socket

from harness import contract

#: Largest message (an environment fits many times over).
MAX_MESSAGE = 1 << 18
#: Most descriptors one launch carries.
MAX_FDS = 16
#: Seconds a reply (or the status of a child seen dead) may take.
REPLY_TIMEOUT = 30.0
#: The user modules a fork-server preloads at start, space-separated.
#: Not on its command line: a fork's title (its exec'd command line) must
#: not be shorter than the fork-server's, or ``/proc/<pid>/cmdline``
#: shows it padded with NULs.
MODULES_ENV = contract.FORKSERVER_MODULES


def send(sock, message, fds=()):
    """Send one *message* (a dict), and descriptors *fds* with it."""
    data = json.dumps(message).encode('utf-8')
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def receive(sock, max_fds=0):
    """One message and the descriptors that came with it.

    :param max_fds: how many descriptors to accept (0: the message only).
    :returns: ``(message, fds)``; *message* is None at EOF.
    """
    if max_fds:
        data, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE,
                                                   max_fds)
    else:
        data, fds = sock.recv(MAX_MESSAGE), []
    if not data:
        return None, fds
    return json.loads(data.decode('utf-8')), fds
