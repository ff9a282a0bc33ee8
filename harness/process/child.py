"""Lifecycle of one launched server process.

A :class:`ServerProcess` owns everything a launch acquires, and gives each
back exactly once:

* the child, started with an argv list (no shell) in its own session and
  process group, its stdout and stderr appended to files in the test dir;
* the pre-bound listening socket, handed over explicitly with ``pass_fds``
  and named in ``HARNESS_TEST_SOCKET_FD`` (PEP 446 made inherited
  descriptors opt-in; the seed's ``os.dup`` hand-off silently broke);
* a *ready pipe* (``HARNESS_READY_FD``): the server writes one byte once it
  listens, so readiness is an event rather than a guess;
* a *lifeline pipe* (``HARNESS_LIFELINE_FD``): the harness holds the only
  write end.  When the test process dies, even by SIGKILL, the kernel closes
  it, the server reads EOF and exits: no server outlives its test process;
* an *agent channel* (``HARNESS_AGENT_FD``, Python programs only): one
  end of a private socket pair, over which the test patches, spies on and
  moves the clock of the server (:mod:`harness.reach.injector`); an exec'd
  program is run through :mod:`harness.agent.boot` to serve it;
* a pidfd, so the death of the child is an event too.

With *activation*, the socket goes as systemd's socket activation hands
one over (:mod:`harness.process.activation`): descriptor 3, ``LISTEN_*``.

Stopping is bounded and idempotent: SIGTERM to the group, then SIGKILL.
"""

import os
import select
import signal
import socket
import subprocess
import weakref

from harness import contract
from harness import errors
from harness.agent import messages
from harness.forkserver import client as forkserver
from harness.process import activation as sd
from harness.process import janitor
from harness.process import logs
from harness.process import pgroups

#: Seconds ``stop()`` waits after SIGTERM, then again after SIGKILL.
STOP_TIMEOUT = 10.0


def wait_gone(pid, timeout):
    """Wait until process *pid* (any, not only a child) has exited.

    :returns: True if it exited within *timeout* seconds.
    """
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def _close_fd(fd):
    if fd is not None:
        os.close(fd)


def _wait_group(popen):
    """Wait until *popen*'s child leads its own process group: at once
    for a ``Popen`` (its ``setsid`` came before the exec it waited for);
    a preloaded fork's is reported a moment after its pid."""
    wait = getattr(popen, 'wait_group', None)
    if wait is not None:
        wait()


def _reap(popen, fds, agent_sock=None):
    """Finalizer: kill and reap a child whose owner was garbage collected."""
    if popen.poll() is None:
        _wait_group(popen)
        pgroups.kill_group(popen.pid, signal.SIGKILL)
        popen.wait()
    if agent_sock is not None:
        agent_sock.close()
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            continue


class ServerProcess(object):
    """One launched child process and the descriptors tied to it.

    :param name: short name used in messages (``api``, ``registry``...).
    :param argv: the command, as a list.
    :param stdout_log: file that receives the child's stdout (appended).
    :param stderr_log: file that receives the child's stderr (appended).
    :param env: extra environment variables.
    :param sock: a bound, not listening socket to hand over, or ``None``.
    :param preload: try a fork of the preloaded fork-server
        (:mod:`harness.forkserver`) before a plain fork/exec.
    :param agent: give the (Python) program an agent channel, with this
        first message (:mod:`harness.agent.wire`) already in it, so the
        agent reads it at once instead of waiting for the test; ``None``:
        no channel.
    :param activation: the name (``LISTEN_FDNAMES``) under which to hand
        *sock* over by systemd's socket activation; ``None``: at its own
        number, named in ``HARNESS_TEST_SOCKET_FD`` only.
    """

    def __init__(self, name, argv, stdout_log, stderr_log, env=None,
                 sock=None, preload=False, agent=None, activation=None):
        self.name = name
        self.argv = list(argv)
        self.stdout_log = stdout_log
        self.stderr_log = stderr_log
        self.env = dict(env or {})
        self.sock = sock
        self.preload = preload
        self.agent = agent
        self.activation = activation if sock is not None else None
        #: The test's end of the agent channel while the child runs.
        self.agent_sock = None
        self.popen = None
        self.returncode = None
        self.ready = False
        self._ready_fd = None
        self._lifeline_fd = None
        self._pidfd = None
        self._finalizer = None

    @property
    def pid(self):
        """The child's pid, or ``None`` before launch."""
        return self.popen.pid if self.popen else None

    def launch(self, wait_group=True):
        """Start the child; returns at once (readiness comes later).

        :param wait_group: return only once the child leads its own
            process group; False: the caller will call :meth:`wait_group`
            (or signal it: that waits too), so that several launches
            overlap.
        """
        ready_r, ready_w = os.pipe()
        life_r, life_w = os.pipe()
        if self.activation is not None:
            ready_w, life_r = sd.off_fd3(ready_w), sd.off_fd3(life_r)
        env = dict(os.environ, **self.env)
        env[contract.READY_FD] = str(ready_w)
        env[contract.LIFELINE_FD] = str(life_r)
        pass_fds = [ready_w, life_r]
        theirs = None
        if self.agent is not None:
            self.agent_sock, theirs = socket.socketpair()
            if self.activation is not None and theirs.fileno() == sd.FD:
                with theirs:
                    theirs = theirs.dup()
            messages.send(self.agent_sock, self.agent)
            env[contract.AGENT_FD] = str(theirs.fileno())
            pass_fds.append(theirs.fileno())
        else:
            env.pop(contract.AGENT_FD, None)
        # A test run inside a server's tree starts servers of its own.
        env.pop(contract.AGENT_ADDRESS, None)
        if self.sock is not None:
            env[contract.SOCKET_FD] = str(self.socket_fd())
            pass_fds.append(self.sock.fileno())
        else:
            env.pop(contract.SOCKET_FD, None)
        sd.environ(env, self.activation)
        try:
            with open(self.stdout_log, 'ab') as out, \
                    open(self.stderr_log, 'ab') as err:
                self.popen = self._spawn(env, out, err, pass_fds)
        except BaseException:
            for fd in (ready_r, ready_w, life_r, life_w):
                os.close(fd)
            self._close_agent()
            raise
        finally:
            # The child has its copies; ours would keep the pipes open.
            self._release_socket()
            if theirs is not None:
                theirs.close()
        janitor.watch_group(self.popen.pid)
        os.close(ready_w)
        os.close(life_r)
        self._ready_fd, self._lifeline_fd = ready_r, life_w
        os.set_blocking(ready_r, False)
        self._pidfd = self._open_pidfd()
        self._finalizer = weakref.finalize(
            self, _reap, self.popen,
            [fd for fd in (ready_r, life_w, self._pidfd) if fd is not None],
            self.agent_sock)
        if wait_group:
            self.wait_group()

    def wait_group(self):
        """Wait until the child leads its own process group (its pid is its
        group's id), as after ``Popen`` (bounded)."""
        if self.popen is not None:
            _wait_group(self.popen)

    def socket_fd(self):
        """The socket's descriptor number in the program (None: none)."""
        if self.sock is None:
            return None
        return sd.FD if self.activation is not None else self.sock.fileno()

    def _spawn(self, env, out, err, pass_fds):
        """A preloaded fork if possible, else fork/exec: same promises."""
        if self.preload:
            targets = [self.socket_fd() if self.sock is not None
                       and fd == self.sock.fileno() else fd
                       for fd in pass_fds]
            child = forkserver.spawn(
                self.argv, env, out.fileno(), err.fileno(), pass_fds,
                targets=targets, listen_pid=self.activation is not None)
            if child is not None:
                return child
        argv = self.argv
        if self.agent is not None:
            argv = [argv[0], '-m', 'harness.agent.boot'] + argv[1:]
        if self.activation is not None:
            argv = sd.shim_argv(argv, self.sock.fileno(), env)
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            env=env, pass_fds=pass_fds, start_new_session=True)

    def _release_socket(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _open_pidfd(self):
        try:
            return os.pidfd_open(self.popen.pid)
        except (AttributeError, OSError):
            return None  # old kernel or Python: poll() on each tick instead

    def poll(self):
        """Return the exit status if the child has exited, else ``None``."""
        if self.popen is None:
            return self.returncode
        return self.popen.poll()

    def read_ready(self):
        """Consume ready bytes; True once the child announced readiness."""
        if self._ready_fd is not None and not self.ready:
            try:
                self.ready = bool(os.read(self._ready_fd, 64))
            except BlockingIOError:
                pass
        return self.ready

    def expect_ready_again(self):
        """Forget readiness (and unread ready bytes) before a reload."""
        self.ready = False
        while self._ready_fd is not None:
            try:
                if not os.read(self._ready_fd, 64):
                    break
            except BlockingIOError:
                break

    def wait_fds(self):
        """Descriptors that become readable on readiness or death."""
        return [fd for fd in (self._ready_fd, self._pidfd) if fd is not None]

    def exit_fds(self):
        """Descriptors that become readable when the child exits."""
        return [self._pidfd] if self._pidfd is not None else []

    def log_tail(self):
        """The last lines of stderr (else stdout), for error messages."""
        return logs.tail(self.stderr_log) or logs.tail(self.stdout_log)

    def wait_exit(self, timeout):
        """Wait up to *timeout* seconds for the child to exit by itself."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise errors.ServerTimeoutError(
                self.name, self.popen.pid, timeout, self.log_tail()) from None

    def signal(self, signum):
        """Send *signum* to the child's process group."""
        if self.popen is not None and self.popen.poll() is None:
            _wait_group(self.popen)
            pgroups.kill_group(self.popen.pid, signum)

    def terminate(self):
        """Ask the child to stop (SIGTERM) without waiting: stopping several
        servers then overlaps their shutdowns."""
        self.signal(signal.SIGTERM)

    def stop(self, timeout=STOP_TIMEOUT):
        """Stop the child and release everything; return its exit status.

        SIGTERM to the process group, then SIGKILL after *timeout*.  Calling
        it again, or before launch, returns the last known status.
        """
        if self.popen is None:
            return self.returncode
        popen, self.popen = self.popen, None
        try:
            self.returncode = self._terminate(popen, timeout)
            janitor.forget_group(popen.pid)
        finally:
            self._finalizer.detach()
            self._close_fds()
        return self.returncode

    def _terminate(self, popen, timeout):
        _wait_group(popen)
        for signum in (signal.SIGTERM, signal.SIGKILL):
            if popen.poll() is not None:
                break
            pgroups.kill_group(popen.pid, signum)
            # A stopped (SIGSTOP, debugger) group only sees SIGTERM once
            # it runs again.
            pgroups.kill_group(popen.pid, signal.SIGCONT)
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                continue
        if popen.poll() is None:
            raise errors.StopError(self.name, popen.pid)
        # Workers the leader failed to take down with it must not linger.
        pgroups.kill_group(popen.pid, signal.SIGKILL)
        return popen.returncode

    def _close_fds(self):
        fds = (self._ready_fd, self._lifeline_fd, self._pidfd)
        self._ready_fd = self._lifeline_fd = self._pidfd = None
        for fd in fds:
            _close_fd(fd)
        self._close_agent()

    def _close_agent(self):
        sock, self.agent_sock = self.agent_sock, None
        if sock is not None:
            sock.close()

    def wait_gone(self, timeout):
        """Wait up to *timeout* seconds for the child to exit."""
        if self._pidfd is not None:
            select.select([self._pidfd], [], [], timeout)
