"""The test's end of one running server process's agent channel.

:class:`Channel` sends requests to the agent inside a server
(:mod:`harness.agent.serve`) and reads its replies, every wait bounded
and cut short when the process dies; :mod:`harness.reach.injector`
keeps one per running server.
"""

import select

from harness import errors
from harness.agent import wire

#: Seconds the test waits for the agent's answer.
REPLY_TIMEOUT = 30.0


class Channel(object):
    """The test's end of one running process's agent channel.

    :param name: the server name, for messages.
    :param proc: the :class:`harness.process.child.ServerProcess`; owns the
        socket and says whether the server died.
    """

    def __init__(self, name, proc):
        self.name = name
        self.proc = proc
        self.unread = 0  # replies sent for but not read yet (init)
        # Bounded even when a wedged server stops reading: never a hang.
        proc.agent_sock.settimeout(REPLY_TIMEOUT)

    def send(self, request):
        """Send *request* (a :class:`harness.agent.messages.Request`)."""
        try:
            wire.send(self.proc.agent_sock, request.to_wire())
        except OSError:
            raise self._gone() from None
        self.unread += 1

    def call(self, request, timeout=REPLY_TIMEOUT):
        """Send *request*; return the agent's reply (earlier ones read)."""
        self.send(request)
        reply = None
        while self.unread:
            reply = self.receive(timeout)
        return reply

    def receive(self, timeout):
        sock = self.proc.agent_sock
        if sock is None:
            raise self._gone()
        ready = select.select([sock] + self.proc.exit_fds(), [], [],
                              timeout)[0]
        if sock not in ready:
            if ready:
                raise self._gone()
            raise errors.InjectError(
                '%s server (pid %d) did not answer within %.0f seconds'
                % (self.name, self.proc.pid, timeout), self.name)
        try:
            reply = wire.recv(sock)
        except (wire.ChannelClosed, OSError):
            raise self._gone() from None
        except wire.BadFrame as exc:
            self.unread -= 1  # read whole: the next reply is in step
            raise errors.InjectError('%s server (pid %d) answered with %s'
                                     % (self.name, self.proc.pid, exc),
                                     self.name) from None
        self.unread -= 1
        return reply

    def alive(self):
        return self.proc.agent_sock is not None and self.proc.poll() is None

    def _gone(self):
        rc = self.proc.poll()
        if rc is None:
            self.proc.wait_gone(2.0)  # closing the channel: on its way out
            rc = self.proc.poll()
        if rc is None:
            return errors.InjectError(
                '%s server (pid %d) closed its agent channel (it '
                're-executed a program other than python -m; restart it '
                'to reach inside it again)' % (self.name, self.proc.pid),
                self.name)
        return errors.ServerGoneError(self.name, self.proc.pid, rc,
                                      self.proc.log_tail())
