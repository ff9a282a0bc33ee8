"""A preloaded server as the test process sees it: :class:`Child`, a
``subprocess.Popen``-like handle fed by the exit statuses its fork-server
reports (:mod:`harness.forkserver`)."""

import os
import select
import subprocess
import time
import weakref

from harness.forkserver import protocol

#: Status reported for a child whose fork-server vanished before it.
LOST_STATUS = 255
#: Seconds :meth:`Child.wait_group` waits for the fork-server to report
#: that the child leads its process group (as long as the fork-server
#: once waited before telling the pid).
GROUP_TIMEOUT = 10.0


class Child(object):
    """A forked server, seen like a ``subprocess.Popen``.

    The fork-server reaps it and reports its status; a pidfd says when it
    died, so a status still on its way is waited for, not guessed.
    """

    def __init__(self, server, pid, args):
        self.pid = pid
        self.args = args
        self.returncode = None
        self._server = server
        self._leads = False
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd = None  # already dead and reaped
        self._finalizer = weakref.finalize(self, _close_fd, self._pidfd)

    def wait_group(self, timeout=GROUP_TIMEOUT):
        """Wait until the child leads its own process group (or died), as
        a ``Popen`` child does when ``Popen`` returns.

        :returns: False if the fork-server did not say so in *timeout*
            seconds (lost, or the child is stuck before its ``setsid``).
        """
        deadline = time.monotonic() + timeout
        while not self._leads:
            if self.pid in self._server.leaders:
                self._server.leaders.discard(self.pid)
                self._leads = True
            elif (self.returncode is not None or self._server.lost
                  or time.monotonic() >= deadline):
                return False
            else:
                self._server.pump(deadline - time.monotonic())
        return True

    def _dead(self):
        if self._pidfd is None:
            return True
        return bool(select.select([self._pidfd], [], [], 0)[0])

    def _collect(self):
        status = self._server.exits.pop(self.pid, None)
        if status is None and self._server.lost and self._dead():
            status = LOST_STATUS
        if status is not None:
            self.returncode = status
            self._server.leaders.discard(self.pid)  # pids are reused
            self._finalizer()
        return status

    def poll(self):
        """The exit status, or None while the child runs."""
        if self.returncode is None:
            self._server.pump(0)
            if self._collect() is None and self._dead():
                self.wait(protocol.REPLY_TIMEOUT)
        return self.returncode

    def wait(self, timeout=None):
        """Wait for the exit status (``subprocess.TimeoutExpired``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None and self._collect() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout)
            if self._server.lost:
                # Nobody reports any more: wait for the death itself.
                select.select([self._pidfd] if self._pidfd else [], [], [],
                              left)
            else:
                self._server.pump(left)
        return self.returncode


def _close_fd(fd):
    if fd is not None:
        os.close(fd)
