"""Launch server programs as forks of a preloaded process.

Importing the server modules is most of what starting a server costs, and
every test used to pay it for every server.  The fork-server
(:mod:`harness.forkserver.server`) is a process that imported them once;
:func:`spawn` asks it to fork a child that then becomes ``python -m
<module> <args>`` (:mod:`harness.forkserver.child`), in milliseconds.
This module is the test process's end; :mod:`harness.forkserver.protocol`
the messages between the two.

* One fork-server per test process, started on first use, in its own
  session; the janitor knows its group.  It exits when the test process
  closes the control socket, however that process ends.
* ``HARNESS_PRELOAD`` is read at every launch: ``0`` means plain
  fork/exec; anything else (or unset) means preload.
* :func:`spawn` returns ``None`` whenever the launch cannot be preloaded:
  not ``<sys.executable> -m <module>``, a ``PYTHON*`` variable that
  differs from the fork-server's (interpreter start-up settings cannot
  change after a fork), a module that fails to import or is not
  fork-safe.  The caller then uses fork/exec, transparently.
* The fork-server is the parent and reaps; :class:`Child`
  (:mod:`harness.forkserver.handle`) is the ``Popen``-like handle
  (``pid``, ``poll()``, ``wait(timeout)``, ``returncode``) fed by the
  exit statuses it reports.
* :func:`spawn` returns as soon as the child is forked; the child leads
  its own session and process group a moment later, which the
  fork-server reports too: ``Child.wait_group()`` waits for that, and
  :class:`harness.process.child.ServerProcess` calls it before it signals the
  group, so several launches overlap without ever signalling a group
  that is not there yet.
"""

import atexit
import os
import select
import signal
import socket
import subprocess
import sys

from harness import contract
from harness.forkserver import protocol
from harness.forkserver.handle import LOST_STATUS  # noqa: F401 (public)
from harness.forkserver.handle import Child
from harness.process import forks
from harness.process import janitor
from harness.process import pgroups

ENV = contract.PRELOAD
#: Seconds the fork-server gets to import the server modules (at start,
#: or on the first launch of each: the reference service's with its
#: warm-up).
START_TIMEOUT = 120.0

_server = None  # this process's fork-server
_broken = None  # why no fork-server can run in this process
_refused = {}  # module -> why it is never preloaded in this process
_accepted = []  # modules a new fork-server must preload again


def enabled():
    """True unless ``HARNESS_PRELOAD=0``."""
    return os.environ.get(ENV, '1').strip() != '0'


def current():
    """This process's fork-server (a :class:`ForkServer`: ``proc`` is its
    ``Popen``), or None while none runs."""
    return _server


def refused():
    """``{module: reason}`` of the modules run with fork/exec instead."""
    return dict(_refused)


def preload_module(argv):
    """The module *argv* runs (``python -m``), unless it is refused."""
    if len(argv) < 3 or argv[0] != sys.executable or argv[1] != '-m':
        return None
    if argv[2] in _refused:
        return None
    return argv[2]


def spawn(argv, env, stdout, stderr, pass_fds, cwd=None, targets=None,
          listen_pid=False):
    """Start *argv* as a fork of the fork-server; None if it cannot be.

    :param stdout: descriptor for the child's stdout (likewise *stderr*).
    :param pass_fds: descriptors the child gets at the same numbers...
    :param targets: ...or at these (one per descriptor of *pass_fds*).
    :param listen_pid: set ``LISTEN_PID`` to the child's pid, right after
        the fork (:mod:`harness.process.activation`).
    :returns: a :class:`Child`, or ``None`` (use fork/exec instead).
    """
    module = preload_module(argv)
    python_env = _python_env(env)
    if (module is None or not enabled()
            or python_env != _python_env(os.environ)):
        return None
    server = _get()
    if server is None or python_env != server.python_env:
        return None
    if module not in server.loaded and not _load(server, module):
        return None
    targets = [1, 2] + list(pass_fds if targets is None else targets)
    request = protocol.Launch(module=module, args=argv[3:], env=dict(env),
                              cwd=cwd or os.getcwd(), title=' '.join(argv),
                              targets=targets, signals=inherited_signals(),
                              listen_pid=listen_pid)
    reply = server.call(request, [stdout, stderr] + list(pass_fds))
    if reply is None or reply.error:
        return None
    return Child(server, reply.pid, argv)


def inherited_signals():
    """What an exec from this thread would pass on: the signals ignored
    here (an exec keeps ``SIG_IGN``; ``nohup`` ignores SIGHUP, say) and
    this thread's signal mask, as numbers."""
    ignored = []
    for signum in signal.valid_signals():
        try:
            if signal.getsignal(signum) == signal.SIG_IGN:
                ignored.append(int(signum))
        except (OSError, ValueError):
            continue
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return {'ignored': ignored, 'blocked': sorted(int(s) for s in blocked)}


def _python_env(env):
    return {k: v for k, v in env.items() if k.startswith('PYTHON')}


def _load(server, module):
    reply = server.call(protocol.Load(module=module), timeout=START_TIMEOUT)
    if reply is not None and reply.ok:
        server.loaded.add(module)
        _accepted.append(module)
        return True
    _refused[module] = server.lost_reason if reply is None else reply.error
    if reply is None or reply.tainted:
        shutdown(kill=True)  # a thread or descriptor: no more forks
    return False


def _get():
    """This process's fork-server, started if needed (None if broken)."""
    global _server, _broken
    if _server is not None and (not forks.mine(_server) or _server.lost):
        _server.close()
        _server = None
    if _server is None and _broken is None:
        try:
            server = ForkServer(_accepted)
        except OSError as exc:
            server, _broken = None, str(exc)
        if server is not None and server.lost:
            server.close()
            server, _broken = None, 'it did not start'
        if _broken:
            sys.stderr.write('harness: no fork-server (%s); using '
                             'fork/exec\n' % _broken)
        _server = server
    return _server


def shutdown(kill=False):
    """Stop this process's fork-server (at exit, or *kill* it: tainted)."""
    global _server
    server, _server = _server, None
    if server is not None:
        server.close(kill)


atexit.register(shutdown)


class ForkServer(object):
    """The test process's end of one fork-server.

    :param modules: the modules to preload at start: those a fork-server
        of this process loaded before (it starts with none otherwise).
    """

    def __init__(self, modules):
        ours, theirs = socket.socketpair(socket.AF_UNIX,
                                         socket.SOCK_SEQPACKET)
        self.owner = os.getpid()
        self.lost = False
        self.lost_reason = None
        self.exits = {}  # pid -> status, reported but not yet collected
        self.leaders = set()  # pids reported leading their group, not yet
        # collected by their Child
        self.python_env = _python_env(os.environ)
        try:
            # stdout onto our stderr: under stestr our stdout is the
            # subunit stream, and the fork-server only ever writes errors.
            self.proc = subprocess.Popen(
                [sys.executable, '-m', 'harness.forkserver.server',
                 str(theirs.fileno())],
                env=dict(os.environ,
                         **{protocol.MODULES_ENV: ' '.join(modules)}),
                stdin=subprocess.DEVNULL, stdout=sys.stderr.fileno(),
                pass_fds=[theirs.fileno()], start_new_session=True)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        janitor.watch_group(self.proc.pid)
        hello = self.receive(protocol.Hello, START_TIMEOUT)
        self.loaded = set(hello.loaded if hello else ())
        if hello is not None:
            _refused.update(hello.refused)
            if hello.tainted:
                self.lost = True

    def call(self, request, fds=(), timeout=protocol.REPLY_TIMEOUT):
        """Send *request* (:class:`protocol.Load` or
        :class:`protocol.Launch`); return its reply (exit reports are
        kept), or None if the fork-server is lost (:attr:`lost_reason`
        says why) or said nothing within *timeout* seconds."""
        try:
            protocol.send(self.sock, request, fds)
        except OSError as exc:
            self._lose(str(exc))
            return None
        return self.receive(request.reply, timeout)

    def receive(self, kind, timeout):
        """Read messages until one of class *kind*; return it (None if
        the fork-server is lost)."""
        while not self.lost:
            message = self.read(timeout)
            if message is None:
                break
            if isinstance(message, kind):
                return message
        self._lose('fork-server lost')
        return None

    def _lose(self, reason):
        self.lost = True
        self.lost_reason = self.lost_reason or reason

    def read(self, timeout):
        """One message within *timeout* seconds (exit reports are filed
        away and returned too); None on EOF or timeout."""
        if not select.select([self.sock], [], [], timeout)[0]:
            return None
        try:
            message, _fds = protocol.receive(self.sock)
        except (OSError, protocol.ProtocolError) as exc:
            self._lose(str(exc))
            return None
        if message is None:
            self.lost = True
            return None
        if isinstance(message, protocol.Exit):
            self.exits[message.pid] = message.rc
        elif isinstance(message, protocol.Leader):
            self.leaders.add(message.pid)
        return message

    def pump(self, timeout):
        """File the exit reports that arrive within *timeout* seconds."""
        if not self.lost:
            self.read(timeout)
            while not self.lost and self.read(0) is not None:
                continue

    def close(self, kill=False):
        """Close the socket: the fork-server exits; wait for it (bounded).

        :param kill: SIGKILL it at once (a tainted one may run threads
            that would hold up its exit).
        """
        self.sock.close()
        self.lost = True
        if not forks.mine(self):
            return  # a forked copy: the owner keeps it running
        if kill:
            pgroups.kill_group(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(protocol.REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            pgroups.kill_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        janitor.forget_group(self.proc.pid)
