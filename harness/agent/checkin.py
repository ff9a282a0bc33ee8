"""Python processes a server starts afresh check in with its agent.

A fork of a server process gets its channel from the fork hooks
(:mod:`harness.agent.serve`).  A process that runs a new interpreter --
a ``multiprocessing`` spawn worker (``uvicorn --workers 2``), a child
started by ``subprocess`` (Django's ``runserver``) -- inherits no
descriptor, only the environment.  So the server's first process, when
its agent starts, listens on a Unix socket (:class:`Listener`) and adds
to its own environment, which every child inherits:

* ``HARNESS_AGENT_ADDRESS``: the socket's name, in the abstract
  namespace: no file to leak, gone with the process;
* ``PYTHONPATH``: ``harness/agent/site`` first, whose
  ``sitecustomize`` every Python interpreter started with this
  environment runs before its program (it then runs the
  ``sitecustomize`` it hides, if any), as coverage.py reaches
  subprocesses with a ``.pth`` file.  A ``.pth`` file would have to be
  written into the interpreter's own ``site-packages``, for every
  program of the machine; this reaches only the server's processes.

Such a process connects (:func:`harness.agent.spawned.boot`), says who
it is, gets what the server has applied (``init``), applies it and
serves its own channel from then on: the listening agent keeps the
connection as one of its children, relays every command to it, and
counts its pid among those reached.  One whose ``sitecustomize`` cannot
import ``harness`` (another interpreter) checks in too, to say so: the
test then names it (:class:`harness.errors.NotReachedError`).

Only the test's user may check in: the listener reads each connecting
process's credentials (``SO_PEERCRED``) and drops any other uid before
it reads a byte.  Nothing listens on a port.
"""

import os
import select
import socket
import struct
import time

from harness import contract
from harness.agent import messages
from harness.agent import wire

ADDRESS_ENV = contract.AGENT_ADDRESS
#: The folder put first on ``PYTHONPATH``: only ``sitecustomize.py``.
SITE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'site')
#: Seconds a checking-in process waits for its ``init``, and the agent
#: for its answers.
CHECKIN_TIMEOUT = 10.0
_CREDENTIALS = struct.Struct('3i')


class Listener(object):
    """The socket fresh Python processes of the server check in on."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.address = 'harness-agent-%d-%s' % (os.getpid(),
                                                os.urandom(8).hex())
        self.sock.bind('\0' + self.address)
        self.sock.listen(64)
        self.sock.setblocking(False)
        #: pid -> why that process could not boot its agent.
        self.refused = {}
        os.environ[ADDRESS_ENV] = self.address
        path = os.environ.get('PYTHONPATH')
        if not path or path.split(os.pathsep)[0] != SITE_DIR:
            os.environ['PYTHONPATH'] = os.pathsep.join(
                [SITE_DIR] + ([path] if path else []))

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def take(self, init_request, expect=(), timeout=0):
        """Accept every process checking in (see :meth:`accept`); wait up
        to *timeout* seconds for the pids *expect* (checked in or not).

        :returns: the connections of those that applied *init_request()*
            (a :class:`harness.agent.messages.Init`).
        """
        expect = set(expect)
        deadline = time.monotonic() + timeout
        taken = []
        while True:
            accepted = self.accept(init_request())
            if accepted is not None:
                pid, conn = accepted
                expect.discard(pid)
                if conn is not None:
                    taken.append(conn)
                continue
            left = deadline - time.monotonic()
            if not expect or left <= 0:
                return taken
            select.select([self.sock], [], [], left)

    def accept(self, init):
        """Take one process that checks in; send it *init* (a
        :class:`harness.agent.messages.Init`: the layers and clock in
        force).

        :returns: None if none is checking in, else ``(pid,
            connection)``: the connection once it applied *init*, None if
            it only said why it cannot, was not the test's user, or went
            away.
        """
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return None
        pid = None
        conn.setblocking(True)
        conn.settimeout(CHECKIN_TIMEOUT)
        try:
            pid, uid, _gid = _CREDENTIALS.unpack(conn.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size))
            if uid != os.getuid():
                conn.close()
                return pid, None
            hello = wire.recv(conn)
            if hello.get('refused') is not None:
                self.refused[pid] = str(hello['refused'])
                conn.close()
                return pid, None
            messages.send(conn, init)
            reply = wire.recv(conn)
        # AttributeError: a hello that is no dict.
        except (wire.ChannelClosed, wire.BadFrame, OSError, AttributeError):
            conn.close()
            return pid, None
        if not reply.get('ok'):
            self.refused[pid] = ('its agent could not apply what the '
                                 'server has: %s' % reply.get('error'))
            conn.close()
            return pid, None
        return pid, conn


def has_children():
    """True if this process has a child process (running or not reaped):
    one system call, which reaps nothing.  A server none of whose
    processes has one has no process the test need look for."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True
