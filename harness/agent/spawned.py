"""The agent of a fresh interpreter of a server: checking in.

Run from ``site/sitecustomize.py`` before the program, in a process the
server started afresh (:mod:`harness.agent.checkin`): it connects to the
first agent, applies its ``init`` with a :class:`harness.agent.lazy.
LazyTable` (nothing imported early) and serves its own channel.
"""

import os
import socket

from harness.agent import checkin
from harness.agent import lazy
from harness.agent import serve
from harness.agent import wire


def boot(address):
    """In a fresh interpreter: check in with the agent at *address*,
    apply its ``init``, start this process's agent.  Returns quietly if
    the agent is gone (the server is stopping)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(checkin.CHECKIN_TIMEOUT)
        sock.connect('\0' + address)
        wire.send(sock, {'pid': os.getpid()})
        frame = wire.recv(sock)
    except (OSError, wire.ChannelClosed):
        sock.close()
        return None
    except wire.BadFrame as exc:
        frame = exc
    sock.settimeout(None)
    sock.set_inheritable(False)
    agent = serve.Agent(sock, table=lazy.LazyTable())
    # A bad one is answered too: the listener names this process refused.
    reply = agent.handle_init(frame)
    try:
        wire.send(sock, reply)
    except OSError:
        sock.close()
        return None
    agent.start()
    return agent
