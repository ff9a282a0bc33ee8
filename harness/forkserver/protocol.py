"""The fork-server's messages, written once for both ends.

The test process and its fork-server talk over a Unix socket pair
(``SOCK_SEQPACKET``): one JSON object per packet, its ``op`` naming the
message, descriptors beside it as ``SCM_RIGHTS``.  Each message is a
class below; :func:`send` and :func:`receive` turn them into packets and
back, so neither end builds or reads a message by key.

* :class:`Hello` (the fork-server, at start);
* :class:`Load` -> :class:`Loaded`;
* :class:`Launch` + descriptors -> :class:`Started` at once, then
  :class:`Leader` once the child leads its own session and process group
  (or died);
* :class:`Exit`: a child the fork-server forked was reaped;
* :class:`Error`: a request the fork-server does not know.
"""

import dataclasses
import json
import os
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


class ProtocolError(ValueError):
    """A packet that is no message of this protocol."""


@dataclasses.dataclass
class Hello:
    """Sent once at start: what the fork-server preloaded."""
    op = 'hello'
    loaded: list
    refused: dict  # module -> why it was not
    tainted: bool  # an import started a thread or kept a descriptor


@dataclasses.dataclass
class Loaded:
    """The answer to :class:`Load`."""
    op = 'loaded'
    ok: bool
    error: str | None
    tainted: bool


@dataclasses.dataclass
class Load:
    """Preload one more (user) module."""
    op = 'load'
    reply = Loaded
    module: str


@dataclasses.dataclass
class Started:
    """The answer to :class:`Launch`: the forked pid, or why none."""
    op = 'started'
    pid: int | None
    error: str | None


@dataclasses.dataclass
class Launch:
    """Fork a child that becomes ``python -m <module> <args>``; the
    descriptors sent with it go to the numbers in *targets*."""
    op = 'launch'
    reply = Started
    module: str
    args: list
    env: dict
    cwd: str
    title: str
    targets: list
    signals: dict  # {'ignored': [...], 'blocked': [...]}
    #: Set ``LISTEN_PID`` to the child's pid (socket activation).
    listen_pid: bool = False


@dataclasses.dataclass
class Leader:
    """Child *pid* leads its own process group now (or died)."""
    op = 'leader'
    pid: int


@dataclasses.dataclass
class Exit:
    """Child *pid* was reaped with status *rc*."""
    op = 'exit'
    pid: int
    rc: int


@dataclasses.dataclass
class Error:
    """The fork-server could not read a request."""
    op = 'error'
    error: str


MESSAGES = {kind.op: kind for kind in (Hello, Load, Loaded, Launch, Started,
                                       Leader, Exit, Error)}


def encode(message):
    """The packet of *message* (a message object)."""
    fields = dataclasses.asdict(message)
    return json.dumps(dict(fields, op=message.op)).encode('utf-8')


def decode(data):
    """The message object of packet *data*.

    :raises ProtocolError: not a message of this protocol.
    """
    try:
        fields = json.loads(data.decode('utf-8'))
        kind = MESSAGES[fields.pop('op')]
        return kind(**fields)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProtocolError('not a fork-server message: %s: %s'
                            % (type(exc).__name__, exc)) from None


def send(sock, message, fds=()):
    """Send one *message*, and descriptors *fds* with it."""
    data = encode(message)
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def receive(sock, max_fds=0):
    """One message and the descriptors that came with it.

    :param max_fds: how many descriptors to accept (0: the message only).
    :returns: ``(message, fds)``; *message* is None at EOF.
    :raises ProtocolError: a packet that is no message (its descriptors
        are closed).
    """
    if max_fds:
        data, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE,
                                                   max_fds)
    else:
        data, fds = sock.recv(MAX_MESSAGE), []
    if not data:
        return None, fds
    try:
        return decode(data), fds
    except ProtocolError:
        for fd in fds:
            os.close(fd)
        raise
