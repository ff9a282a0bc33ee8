"""The preloaded fork-server: ``python -m harness.forkserver.server <fd>``.

One per test process (:mod:`harness.forkserver` starts it on first use).
It imports the server modules it is asked to (at start:
``HARNESS_FORKSERVER_MODULES``, then one ``Load`` per new module), once;
then every server launch is a ``fork()`` of this warm process instead of
a fresh interpreter importing everything again.

It starts with nothing of any server imported, so that a test process
that only ever launches its own program pays nothing of the reference
service.  What a module needs is loaded with it, the first time it is
asked for: the first reference server loads all three reference programs
and then their warm-up (:func:`ForkLoop.warm_up`); the first module that
imports SQLAlchemy loads the database dialects and drivers.

It talks to its test process over the Unix socket *fd* (SOCK_SEQPACKET,
one JSON object per message, descriptors as ``SCM_RIGHTS``): the messages
of :mod:`harness.forkserver.protocol`, ``Hello`` at start, ``Loaded`` for
each ``Load``, ``Started`` then ``Leader`` for each ``Launch``, ``Exit``
whenever a child it forked is reaped.

Fork safety: when it forks it runs no other thread and holds no descriptor
but its control socket, so a module whose import starts a thread or keeps
a descriptor open is refused (the harness then runs that program with
fork/exec, and replaces this process, which that import tainted).  EOF on
the socket means the test process is gone: it exits at once; its children
stop through their own lifelines and the janitor sweeps their groups.
"""

import gc
import importlib
import os
import select
import signal
import socket
import sys
import traceback

from harness.forkserver import child
from harness.forkserver import protocol
from harness.forkserver import warm

#: The reference service's programs: the first launch of any of them
#: loads all three (a stack starts them together), then their warm-up.
MODULES = ('harness.cmd.api', 'harness.cmd.registry', 'harness.cmd.scrubber')
#: Seconds a child gets to call setsid() before it is reported a leader
#: anyway (and, when the test process is gone, killed anyway).
SET_UP_TIMEOUT = 10.0


def open_fds():
    """The descriptors this process holds (the listing's own one aside)."""
    fds = set()
    for name in os.listdir('/proc/self/fd'):
        try:
            os.fstat(int(name))
        except OSError:
            continue  # the directory listing's descriptor, closed by now
        fds.add(int(name))
    return fds


def thread_count():
    """Threads of this process, C-level ones included."""
    return len(os.listdir('/proc/self/task'))


def load(name):
    """Import module *name*; return ``(error, tainted)``.

    *error* is None when the module is imported and left this process
    fork-safe; *tainted* is True when the import left a thread or a
    descriptor behind, so this process must not fork any more.
    """
    return run_checked(name, 'import', importlib.import_module, name)


def run_checked(what, doing, function, *args):
    """Call ``function(*args)`` under the fork-safety check of
    :func:`load`; return ``(error, tainted)`` likewise (*what* and
    *doing* word the error: ``<what> started a thread at <doing>``)."""
    before = open_fds()
    try:
        function(*args)
    except BaseException as exc:  # a broken program must not kill us
        error = 'cannot %s %s: %s' % (doing, what, exc)
    else:
        error = None
    if thread_count() > 1:
        return '%s started a thread at %s' % (what, doing), True
    extra = open_fds() - before
    if extra:
        return ('%s left descriptors %s open at %s'
                % (what, sorted(extra), doing), True)
    return error, False


class ForkLoop(object):
    """The serving loop: launches from the socket, exits from pidfds."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.loaded = set()
        self.mains = {}  # module -> (spec, code) to run it as __main__
        self.tainted = False
        self.children = {}  # pidfd -> pid
        self.setting_up = {}  # set-up pipe -> pid not yet its group leader

    def preload(self, names):
        """Load *names* in order, each with what it needs
        (:func:`needs`), then the warm-up of what they brought
        (:meth:`warm_up`); stop at the first that taints us."""
        refused = {}
        before, modules = set(self.loaded), set(sys.modules)
        for name in needs(names):
            if name in self.loaded:
                continue
            error, tainted = load(name)
            if error:
                refused[name] = error
            else:
                self.loaded.add(name)
                self.mains[name] = warm.main_code(name)
            if tainted:
                self.tainted = True
                break
        self.warm_up(self.loaded - before, set(sys.modules) - modules)
        # An import may change a signal disposition: work the plans out
        # again from what this process has now.
        child.signal_plan.cache_clear()
        self.freeze()
        return refused

    def warm_up(self, loaded, brought):
        """Do once what the modules just *loaded* need, by what their
        imports *brought* (:mod:`.warm`): the database dialects and
        drivers for SQLAlchemy, and for the reference servers their
        conf-independent start-up."""
        reference = bool(loaded & set(MODULES))
        if not self.tainted and (reference or 'sqlalchemy' in brought):
            self.warm(warm.database_modules(os.environ))
        if not self.tainted and reference and set(MODULES) <= self.loaded:
            self.tainted = run_checked('the reference servers\' warm-up',
                                       'run', warm.reference_service)[1]

    def warm(self, names):
        """Import the optional modules *names* (:mod:`.warm`): one that
        fails to import is skipped; one that taints us stops the forks."""
        for name in names:
            if load(name)[1]:
                self.tainted = True
                return

    @staticmethod
    def freeze():
        # What the imports made lives as long as any server: the children's
        # collector need not walk it (nor touch, hence copy, its pages).
        gc.collect()
        gc.freeze()

    def serve(self):
        """Serve until the test process closes its end."""
        while True:
            ready = select.select([self.ctl] + list(self.setting_up)
                                  + list(self.children), [], [])[0]
            # A child's leader report goes before its exit report.
            for fd in sorted(ready, key=lambda fd: fd not in self.setting_up):
                if fd is self.ctl:
                    if not self.handle():
                        self.kill_setting_up()
                        return 0
                elif fd in self.setting_up:
                    self.report_leader(fd)
                else:
                    self.reap(fd)

    def handle(self):
        """Serve one request; False on EOF (the test process is gone)."""
        try:
            request, fds = protocol.receive(self.ctl, protocol.MAX_FDS)
        except protocol.ProtocolError as exc:
            protocol.send(self.ctl, protocol.Error(str(exc)))
            return True
        if request is None:
            _close(fds)
            return False
        if isinstance(request, protocol.Load):
            self.handle_load(request.module)
        elif isinstance(request, protocol.Launch):
            self.handle_launch(request, fds)
        else:
            _close(fds)
            protocol.send(self.ctl, protocol.Error(
                'not a request: %s' % request.op))
        return True

    def handle_load(self, name):
        error = None
        if self.tainted:
            error = 'this fork-server is tainted'
        elif name not in self.loaded:
            error = self.preload([name]).get(name)
            if error is None and self.tainted:  # by what it needed
                error = 'loading %s tainted this fork-server' % name
        protocol.send(self.ctl, protocol.Loaded(
            ok=error is None, error=error, tainted=self.tainted))

    def handle_launch(self, request, fds):
        if self.tainted or request.module not in self.loaded:
            _close(fds)
            error = '%s is not preloaded' % request.module
            protocol.send(self.ctl, protocol.Started(pid=None, error=error))
            return
        sys.stdout.flush()
        sys.stderr.flush()
        # Worked out here once, inherited by this and later forks.
        child.signal_plan(tuple(sorted(request.signals['ignored'])))
        set_up_r, set_up_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(set_up_r)
            child.run(request, fds, set_up_w,
                      self.mains.get(request.module))  # never returns
        os.close(set_up_w)
        _close(fds)
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = pid
        # The pid is told at once, so the next launch need not wait for
        # this child to run; that it leads its own process group (a signal
        # to the group cannot miss it) is told when its set-up pipe reaches
        # EOF: ``leader`` (EOF too if it died).
        self.setting_up[set_up_r] = pid
        protocol.send(self.ctl, protocol.Started(pid=pid, error=None))

    def report_leader(self, fd):
        """The child of set-up pipe *fd* leads its group (or died): say so.
        """
        pid = self.setting_up.pop(fd)
        os.close(fd)
        protocol.send(self.ctl, protocol.Leader(pid=pid))

    def kill_setting_up(self):
        """The test process is gone: kill the children it may have missed.

        Its janitor kills the group of every server when it dies, but a
        child still on its way to leading its group is not in that group
        yet.  Wait (bounded) until they lead it, then kill the groups.
        """
        pending = dict(self.setting_up)
        self.setting_up.clear()
        if pending:
            select.select(list(pending), [], [], SET_UP_TIMEOUT)
            # What is still not ready after the timeout is killed alone.
            for fd, pid in pending.items():
                os.close(fd)
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    _kill_pid(pid)

    def reap(self, pidfd):
        """Reap the child behind *pidfd*; report its status."""
        pid = self.children.pop(pidfd)
        os.close(pidfd)
        _pid, status = os.waitpid(pid, 0)
        protocol.send(self.ctl, protocol.Exit(
            pid=pid, rc=os.waitstatus_to_exitcode(status)))


def needs(names):
    """*names* in order, each with the modules loaded with it: all of
    :data:`MODULES` for any of them."""
    ordered = []
    for name in names:
        for needed in (MODULES if name in MODULES else (name,)):
            if needed not in ordered:
                ordered.append(needed)
    return ordered


def _kill_pid(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return  # gone already


def _close(fds):
    for fd in fds:
        os.close(fd)


def main(argv=None):
    """Preload, say hello, serve."""
    argv = sys.argv[1:] if argv is None else argv
    ctl = socket.socket(fileno=int(argv[0]))
    server = ForkLoop(ctl)
    # What the test process loaded into the fork-server it replaces.
    names = os.environ.pop(protocol.MODULES_ENV, '').split()
    refused = server.preload(names) if names else {}
    protocol.send(ctl, protocol.Hello(loaded=sorted(server.loaded),
                                      refused=refused,
                                      tainted=server.tainted))
    try:
        return server.serve()
    except (BrokenPipeError, ConnectionResetError):
        return 0  # the test process went away mid-reply
    except BaseException:
        traceback.print_exc()
        return 1


if __name__ == '__main__':
    sys.exit(main())
