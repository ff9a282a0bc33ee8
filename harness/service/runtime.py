"""Per-process runtime of a long-running service program.

Every server program (api, registry, scrubber daemon) owns one
:class:`Runtime`.  It turns the outside world into a queue of event names
that the program's main loop consumes at its own pace:

* signals (``TERM``, ``INT``, ``HUP``, ``CHLD``): the handlers only queue
  the name and wake the loop, because a Python signal handler runs between
  two bytecodes of the main thread, where taking a lock or doing I/O can
  deadlock;
* the lifeline (``LIFELINE``): a pipe whose write end the test process
  holds.  When that process dies, even by SIGKILL, the pipe reaches EOF and
  the service stops, so no server outlives the test that started it;
* readiness: one byte written to ``HARNESS_READY_FD`` once the service
  listens, so the harness waits on a pipe instead of polling a port.
"""

import collections
import logging
import os
import select
import signal
import threading
import time

from harness import contract

#: Seconds between the lifeline reaching EOF and the SIGKILL of the process
#: (group) if the graceful stop did not finish.
LIFELINE_GRACE = 5.0

_SIGNAL_EVENTS = {
    signal.SIGTERM: 'TERM',
    signal.SIGINT: 'INT',
    signal.SIGHUP: 'HUP',
    signal.SIGCHLD: 'CHLD',
}

LOG = logging.getLogger('harness.service.runtime')


def _fd_from_env(name):
    """Return the open descriptor named by env var *name*, or ``None``."""
    return _fd_from_value(name, os.environ.get(name))


def _fd_from_value(name, raw):
    """The open descriptor *raw* (env var *name*'s value), or ``None``."""
    if not raw:
        return None
    try:
        fd = int(raw)
        os.fstat(fd)
    except (ValueError, OSError) as exc:
        LOG.warning('Ignoring %s=%r: %s', name, raw, exc)
        return None
    # Keep it out of any subprocess the service starts; it is made
    # inheritable again only right before a re-exec (prepare_exec).
    os.set_inheritable(fd, False)
    return fd


def _read_all(fd):
    """Every byte a non-blocking pipe holds now."""
    data = b''
    while True:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk


def flush_logs():
    """Flush every logging handler (before ``execv`` or ``os._exit``)."""
    loggers = [logging.getLogger()] + [
        item for item in logging.Logger.manager.loggerDict.values()
        if isinstance(item, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            handler.flush()


def _make_pipe():
    rfd, wfd = os.pipe()
    os.set_blocking(rfd, False)
    os.set_blocking(wfd, False)
    return rfd, wfd


class Runtime(object):
    """Signals, lifeline and readiness of one service process.

    :param prog: the program name, e.g. ``harness-api``.
    :param lifeline_grace: seconds allowed for a graceful stop after the
        lifeline broke, before the process kills itself.
    """

    def __init__(self, prog, lifeline_grace=LIFELINE_GRACE):
        self.prog = prog
        self.lifeline_grace = lifeline_grace
        # deque append/popleft are atomic: safe from a signal handler and
        # from the lifeline thread without a lock.
        self._events = collections.deque()
        self._rfd, self._wfd = _make_pipe()
        self._ready_fd = _fd_from_env(contract.READY_FD)
        self._lifeline_fd = _fd_from_env(contract.LIFELINE_FD)
        self._lifeline_thread = None
        self._saved_handlers = None

    # -- events -----------------------------------------------------------

    @property
    def wakeup_fd(self):
        """A descriptor that becomes readable when an event is queued."""
        return self._rfd

    def queue(self, name):
        """Queue event *name* and wake whoever waits on :attr:`wakeup_fd`."""
        self._events.append(name)
        try:
            os.write(self._wfd, b'\0')
        except BlockingIOError:
            # The pipe is full, so the loop already has a wake-up pending.
            return

    def drain(self):
        """Return (and forget) the queued event names, without blocking."""
        while True:
            try:
                if not os.read(self._rfd, 4096):
                    break
            except BlockingIOError:
                break
        events = []
        while True:
            try:
                events.append(self._events.popleft())
            except IndexError:
                return events

    def wait(self, timeout=None):
        """Block until an event is queued or *timeout* seconds passed.

        :returns: the drained event names (empty on timeout).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        poller = select.poll()
        poller.register(self._rfd, select.POLLIN)
        while True:
            events = self.drain()
            if events:
                return events
            if deadline is None:
                poller.poll()
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            poller.poll(left * 1000.0)

    # -- signals ----------------------------------------------------------

    def _on_signal(self, signum, frame):
        self.queue(_SIGNAL_EVENTS[signum])

    def install_signal_handlers(self):
        """Queue TERM, INT, HUP and CHLD instead of acting on them.

        Must run in the main thread.  Idempotent.
        """
        if self._saved_handlers is not None:
            return
        saved = {}
        for signum in _SIGNAL_EVENTS:
            saved[signum] = signal.signal(signum, self._on_signal)
        # The C-level handler writes to this fd whichever thread the signal
        # lands in, so a main thread blocked in select() always wakes up.
        saved['wakeup'] = signal.set_wakeup_fd(
            self._wfd, warn_on_full_buffer=False)
        self._saved_handlers = saved
        self._adopt_carried_signals()
        # A re-exec blocks these signals across execve (block_for_exec):
        # what arrived meanwhile is pending and reaches the handlers now.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNAL_EVENTS)

    def uninstall_signal_handlers(self):
        """Put back what :meth:`install_signal_handlers` replaced."""
        saved, self._saved_handlers = self._saved_handlers, None
        if saved is None:
            return
        signal.set_wakeup_fd(saved.pop('wakeup'))
        for signum, handler in saved.items():
            signal.signal(signum, handler)

    def after_fork_in_child(self):
        """Give a pre-forked worker its own events and signal dispositions.

        The worker queues TERM (graceful stop), ignores INT (so ``kill -INT``
        on the workers changes nothing: the parent stops them) and
        takes the default action on HUP and CHLD.  The readiness and
        lifeline descriptors are closed: they belong to the parent.
        """
        old = (self._rfd, self._wfd)
        self._rfd, self._wfd = _make_pipe()
        for fd in old:
            os.close(fd)
        self._events.clear()
        signal.set_wakeup_fd(self._wfd, warn_on_full_buffer=False)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (self._ready_fd, self._lifeline_fd):
            if fd is not None:
                os.close(fd)
        self._ready_fd = self._lifeline_fd = None
        self._lifeline_thread = None

    # -- process group ----------------------------------------------------

    @staticmethod
    def become_group_leader():
        """Lead a process group, so the whole tree can be signalled at once.

        EPERM (already a session leader, e.g. started with
        ``start_new_session``) is fine: then it leads one already.
        """
        try:
            os.setpgid(0, 0)
        except PermissionError:
            LOG.debug('setpgid(0, 0) refused; keeping process group %d',
                      os.getpgrp())

    # -- lifeline ---------------------------------------------------------

    def start_lifeline(self):
        """Watch the lifeline pipe, if the harness gave one.  Idempotent."""
        if self._lifeline_fd is None or self._lifeline_thread is not None:
            return
        thread = threading.Thread(target=self._watch_lifeline,
                                  args=(self._lifeline_fd,),
                                  name='lifeline', daemon=True)
        self._lifeline_thread = thread
        thread.start()

    def _watch_lifeline(self, fd):
        os.set_blocking(fd, True)
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError as exc:
                LOG.warning('Lifeline read failed: %s', exc)
                data = b''
            if not data:
                break
        LOG.info('Lifeline closed: the test process is gone; stopping')
        self.queue('LIFELINE')
        # A daemon thread sleeping is fine: the process normally exits
        # before it wakes, which ends this thread too.
        time.sleep(self.lifeline_grace)
        LOG.error('Still running %.1f s after the lifeline closed; killing',
                  self.lifeline_grace)
        self._kill_self()

    @staticmethod
    def _kill_self():
        # Only kill the group when we lead it: otherwise it is the group of
        # whoever started us (pre-forked workers die through PDEATHSIG).
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    # -- readiness and re-exec --------------------------------------------

    def notify_ready(self):
        """Tell the harness the service listens: one byte ``b'1'``."""
        if self._ready_fd is None:
            return
        try:
            os.write(self._ready_fd, b'1')
        except OSError as exc:
            # The harness may have given up waiting; serving goes on.
            LOG.warning('Could not write the readiness byte: %s', exc)

    @staticmethod
    def block_for_exec():
        """Block TERM, INT, HUP and CHLD until the new image handles them.

        The signal mask and pending signals survive ``execve``: a signal
        sent during a reload is neither lost nor acted on by the default
        action (death) before the new image installed its handlers.

        :returns: the previous mask, for :func:`signal.pthread_sigmask`
            should the exec not happen.
        """
        return signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNAL_EVENTS)

    def prepare_exec(self):
        """Make the readiness and lifeline descriptors survive ``execv``,
        and the read end of the signal wake-up pipe (``SIGNALS_FD``).

        :func:`block_for_exec` blocks the signals in the main thread only:
        one that lands in another thread after the last :meth:`drain` is
        handled there at C level, which writes its number to the wake-up
        pipe, and its Python handler (if it runs before the exec) queues
        into this image's memory.  The pipe's bytes survive the exec; the
        new image reads them (:meth:`install_signal_handlers`).

        :returns: the descriptors kept open for the new image.
        """
        kept = [fd for fd in (self._ready_fd, self._lifeline_fd, self._rfd)
                if fd is not None]
        for fd in kept:
            os.set_inheritable(fd, True)
        os.environ[contract.SIGNALS_FD] = str(self._rfd)
        return kept

    def _adopt_carried_signals(self):
        """Queue the signals the previous image received too late."""
        raw = os.environ.pop(contract.SIGNALS_FD, None)
        fd = _fd_from_value(contract.SIGNALS_FD, raw)
        if fd is None:
            return
        try:
            os.set_blocking(fd, False)
            carried = _read_all(fd)
        finally:
            os.close(fd)
        for signum in carried:
            name = _SIGNAL_EVENTS.get(signum)
            if name is not None:  # 0: an event queued by the old image
                self.queue(name)
