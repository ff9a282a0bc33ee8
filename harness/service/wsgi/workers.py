"""Pre-forked workers.

The parent forks N children that all accept on the shared listening socket
and then only supervises them: a child that exited 0 or was killed by a
signal is respawned, one that exited non-zero is not.

The parent tells the harness it is ready only once each initial child is
inside its accept loop: each writes one byte on a pipe the parent reads
(as gunicorn's ``when_ready`` comes after its workers are spawned).  An
initial child that dies first fails the start; a respawned one changes
nothing about readiness.  Children ignore
SIGINT, stop gracefully on SIGTERM, and die with their parent
(``PR_SET_PDEATHSIG`` plus a ``getppid`` check): no worker ever outlives
the parent, even one killed by SIGKILL.
"""

import functools
import logging
import os
import select
import signal
import time
import warnings

from harness.errors import StartupError
from harness.service import runtime as runtime_mod
from harness.service.wsgi import connections

LOG = logging.getLogger('harness.wsgi.server')

PR_SET_PDEATHSIG = 1
#: Extra seconds children get beyond their own grace period to exit.
_EXIT_MARGIN = 5.0
_SUPERVISE_TICK = 1.0
#: Seconds the initial workers get to reach their accept loop.
START_TIMEOUT = 60.0
_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD)


def _load_prctl():
    """Return a ``prctl(option, arg)`` callable, or ``None`` off Linux."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (ImportError, OSError, AttributeError) as exc:
        LOG.warning('prctl unavailable, workers rely on getppid(): %s', exc)
        return None

    def call(option, value):
        # prctl is variadic: pass full-width unsigned longs.
        if prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0),
                 ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            return ctypes.get_errno()
        return 0
    return call


def run_parent(state, listener, runtime, count, grace,
               start_timeout=START_TIMEOUT):
    """Fork *count* workers, say ready once each serves, supervise them,
    stop them; return the event.

    :returns: the runtime event that ended supervision (or the start),
        or ``'EXIT'`` when every worker terminated for good.
    :raises StartupError: a worker could not be forked, or died or was
        not serving within *start_timeout* seconds; the others are
        stopped first.
    """
    pool = _Pool(state, listener, runtime, grace)
    LOG.info('Starting %d workers', count)
    try:
        event = pool.start(count, start_timeout)
    except StartupError:
        pool.stop_all()
        raise
    if event is None:
        runtime.notify_ready()
        event = pool.supervise()
    late = connections.first_stop_event(pool.stop_all())
    if event == 'HUP' and late not in (None, 'HUP'):
        # Asked to stop while the workers wound down for a reload.
        return late
    return event


class _Pool(object):
    def __init__(self, state, listener, runtime, grace):
        self.state = state
        self.listener = listener
        self.runtime = runtime
        self.grace = grace
        self.children = set()
        # Loaded once here, not in every freshly forked child.
        self.prctl = _load_prctl()

    def start(self, count, timeout):
        """Fork the initial workers and wait until each is in its accept
        loop; return ``None`` then, or the stop event that came first."""
        rfd, wfd = os.pipe()
        try:
            for _ in range(count):
                try:
                    self.spawn((rfd, wfd))
                except OSError as exc:
                    raise StartupError('Could not start a worker: %s' % exc,
                                       exit_code=2) from None
            # Only the children write: EOF once they all exited.
            os.close(wfd)
            wfd = None
            return self._await_ready(rfd, count, timeout)
        finally:
            for fd in (rfd, wfd):
                if fd is not None:
                    os.close(fd)

    def _await_ready(self, rfd, count, timeout):
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.runtime.wakeup_fd, select.POLLIN)
        poller.register(rfd, select.POLLIN)
        ready, reload = 0, False
        while ready < count:
            event = connections.first_stop_event(self.runtime.drain())
            if event not in (None, 'HUP'):
                return event
            reload = reload or event == 'HUP'
            for pid, status in self.collect():
                raise StartupError('Worker %d %s before it was ready'
                                   % (pid, _exit_text(status)))
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupError('%d of %d workers were not serving '
                                   'after %.1f seconds'
                                   % (count - ready, count, timeout))
            for fd, _ in poller.poll(left * 1000.0):
                if fd == rfd:
                    data = os.read(rfd, count)
                    ready += len(data)
                    if not data:
                        # Every child exited: their CHLD is on its way.
                        poller.unregister(rfd)
        if reload:
            self.runtime.queue('HUP')  # for supervise(), now that we serve
        return None

    def spawn(self, ready_pipe=None):
        """Fork one worker; with *ready_pipe* ``(rfd, wfd)`` it writes a
        byte on *wfd* once it is in its accept loop."""
        parent = os.getpid()
        # Blocked across fork: a signal must not reach the child before it
        # installed its own dispositions (it would run the parent's).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            with warnings.catch_warnings():
                # 3.12+ warns about fork with threads; the others (the
                # lifeline reader, the harness's agent (harness.agent),
                # which takes its lock in a fork hook) hold no lock.
                warnings.simplefilter('ignore', DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                self._child(parent, mask, ready_pipe)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self.children.add(pid)
        LOG.info('Started child %d', pid)

    def _child(self, parent, mask, ready_pipe):
        status = 1
        on_ready = None
        if ready_pipe is not None:
            os.close(ready_pipe[0])
            on_ready = functools.partial(_say_ready, ready_pipe[1])
        try:
            if self.prctl is not None:
                error = self.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                if error:
                    LOG.warning('prctl(PR_SET_PDEATHSIG): errno %d', error)
            if os.getppid() != parent:
                return
            self.runtime.after_fork_in_child()
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            connections.accept_loop(self.listener, self.runtime, self.state,
                                    on_ready)
            self.state.stop(self.grace)
            LOG.info('Child %d exiting normally', os.getpid())
            status = 0
        except Exception:
            LOG.exception('Child %d failed', os.getpid())
        finally:
            runtime_mod.flush_logs()
            os._exit(status)

    def collect(self):
        """Reap finished children; return ``[(pid, wait status)]``."""
        done = []
        for pid in list(self.children):
            try:
                found, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                # Not ours to reap any more: count it as a clean exit so
                # that it is replaced, and say so.
                LOG.warning('Child %d vanished without a wait status', pid)
                found, status = pid, 0
            if found:
                self.children.discard(pid)
                done.append((pid, status))
        return done

    def supervise(self):
        """Respawn per the rules until a stop event or no worker is left.
        """
        while True:
            event = connections.first_stop_event(
                self.runtime.wait(_SUPERVISE_TICK))
            if event is not None:
                return event
            for pid, status in self.collect():
                self._replace(pid, status)
            if not self.children:
                LOG.info('All workers have terminated. Exiting')
                return 'EXIT'

    def _replace(self, pid, status):
        """Respawn a dead child unless it failed (non-zero exit)."""
        LOG.info('Removed dead child %d (wait status %d)', pid, status)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
            LOG.error('Not respawning child %d, cannot recover from '
                      'termination', pid)
            return
        self._respawn()

    def _respawn(self):
        try:
            self.spawn()
        except OSError as exc:
            LOG.error('Could not respawn a worker: %s', exc)

    def stop_all(self):
        """SIGTERM every child, wait (bounded), SIGKILL the late ones.

        :returns: the runtime events that arrived meanwhile.
        """
        events = []
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace + _EXIT_MARGIN
        while self.children:
            self.collect()
            left = deadline - time.monotonic()
            if not self.children or left <= 0:
                break
            # Returns early on CHLD.
            events += self.runtime.wait(min(left, _SUPERVISE_TICK))
        for pid in list(self.children):
            LOG.warning('Child %d did not stop in time; killing it', pid)
            _signal(pid, signal.SIGKILL)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                LOG.debug('Child %d was already reaped', pid)
            self.children.discard(pid)
        return events


def _say_ready(fd):
    """A worker tells its parent it serves: one byte, then close."""
    try:
        os.write(fd, b'1')
    except OSError as exc:
        # The parent gave up on the start and is stopping us.
        LOG.warning('Could not tell the parent this worker serves: %s', exc)
    finally:
        os.close(fd)


def _exit_text(status):
    """``exited with status N`` or ``was killed by signal N``."""
    if os.WIFSIGNALED(status):
        return 'was killed by signal %d' % os.WTERMSIG(status)
    return 'exited with status %d' % os.waitstatus_to_exitcode(status)


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        LOG.debug('Child %d already gone', pid)
