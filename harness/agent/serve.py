"""The agent: a thread of the server serving its channel to the test.

Requests are the classes of :mod:`harness.agent.messages` (``init``,
``apply``, ``remove``, ``clock``, ``status``, ``pause``, ``resume``,
``reach``, ``ping``); the agent runs the handler its :data:`Agent.
HANDLERS` table holds for the request's class.  Each is answered by
``{'ok': True, 'value': ...}`` or ``{'ok': False, 'error': text,
'target': bool}``; a frame that is no request (:class:`harness.agent.
wire.BadFrame`) is answered by the latter, and the agent serves on.

Every process of the server answers for itself and for the processes it
forked.  Fork hooks (registered when the first agent starts, never at
import): before a fork the agent's lock is taken, so the child copies a
state no command is half-way through, and a socket pair is made; after
it the parent keeps one end as the channel to that child, and the child
closes what it inherited and starts its own agent on the other end.  A
command is relayed to each child: patches reach workers forked before
and after it, respawned ones included.

A process that starts a fresh interpreter (spawn, ``subprocess``)
reaches the server's first agent through :mod:`harness.agent.checkin`;
one that re-executes itself as ``python -m`` keeps its channel
(:mod:`harness.agent.reexec`).  Every answer to a request that is
``reaching`` (``apply``, ``clock``, ``reach``) says which pids it covers
(``pids``), whether any of them has a child process (``kids``) and which
processes could not check in (``refused``).
"""

import os
import select
import signal
import socket
import threading

from harness import contract
from harness.agent import checkin
from harness.agent import clock as clock_mod
from harness.agent import hooks
from harness.agent import layers as layers_mod
from harness.agent import messages
from harness.agent import reexec
from harness.agent import wire

ENV = contract.AGENT_FD
STATE_ENV = reexec.STATE_ENV
#: Seconds a forked child gets to answer a relayed command.
RELAY_TIMEOUT = 10.0

#: The agent of this process.  Module state on purpose: fork hooks cannot
#: be unregistered, so they look here for the agent to act on.
_current = None
_hooks_registered = False


class Agent(object):
    """Serves one channel; relays to the channels of forked children.

    :param sock: this process's end of its channel.
    """

    def __init__(self, sock, table=None, clock=None):
        self.sock = sock
        self.lock = threading.Lock()
        self.table = table or layers_mod.Table()
        self.clock = clock or clock_mod.Clock()
        self.children = []  # sockets to forked and checked-in children
        #: The first process's :class:`harness.agent.checkin.Listener`.
        self.listener = None
        self._fork_pair = None
        # New with every agent: a re-exec of the same pid shows a new one.
        self.boot = os.urandom(8).hex()

    # -- serving ----------------------------------------------------------

    def start(self):
        """Become this process's agent; serve the channel in a thread."""
        global _current
        _current = self
        _register_hooks()
        thread = threading.Thread(target=self.serve, name='harness-agent',
                                  daemon=True)
        thread.start()

    def listen(self):
        """Let fresh Python processes of the server check in
        (:mod:`harness.agent.checkin`): the server's first process."""
        self.listener = checkin.Listener()

    def serve(self):
        """Answer requests until the channel closes."""
        # Signals are for the server's main thread, never this one.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        # A poll object made once: the loop's cost is the request's.
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if self.listener is not None:
            poller.register(self.listener, select.POLLIN)
        sock_fd = self.sock.fileno()
        while True:
            try:
                ready = poller.poll()
            except (OSError, ValueError):
                return  # closed under us: a fork's child or an exec
            if ready[0][0] != sock_fd and len(ready) == 1:
                with self.lock:
                    self.check_in()
                continue
            with self.lock:
                try:
                    request = messages.receive(self.sock)
                except (wire.ChannelClosed, OSError):
                    return  # the test process is gone: its lifeline stops us
                except wire.BadFrame as exc:
                    # Read whole: answered, and the next one served.
                    reply = messages.failure(exc)
                else:
                    reply = self.handle(request)
                try:
                    wire.send(self.sock, reply)
                except OSError:
                    return

    def check_in(self, expect=(), timeout=0):
        """Take the processes checking in (see :meth:`listen`), waiting up
        to *timeout* seconds for the pids *expect*."""
        if self.listener is not None:
            for conn in self.listener.take(self.init_request, expect,
                                           timeout):
                conn.settimeout(RELAY_TIMEOUT)
                self.children.append(conn)

    def init_request(self):
        """What a process checking in gets: the layers and clock now."""
        return messages.Init(list(self.table.specs.values()),
                             self.clock.state)

    def handle(self, request):
        """Apply *request* (a :class:`harness.agent.messages.Request`)
        here, then relay it to the children; return the reply."""
        try:
            value = self.apply_local(request)
        except layers_mod.TargetError as exc:
            return {'ok': False, 'error': str(exc), 'target': True,
                    'what': exc.target}
        except Exception as exc:
            return messages.failure(exc)
        reaching = request.reaching
        if reaching:
            pids, kids = [os.getpid()], checkin.has_children()
            refused = dict(self.listener.refused) if self.listener else {}
        for reply in self.relay(request):
            if not reply['ok']:
                if isinstance(request, messages.Apply):
                    # All or nothing: the test forgets a layer that failed.
                    undo = messages.Remove(request.layer['id'])
                    self.apply_local(undo)
                    self.relay(undo)
                return reply
            value = request.combine(value, reply['value'])
            if reaching:
                pids += reply['pids']
                kids = kids or reply['kids']
                # A re-executed child listens too (harness.agent.boot).
                refused.update(reply['refused'])
        if not reaching:
            return {'ok': True, 'value': value}
        return {'ok': True, 'value': value, 'pids': pids, 'kids': kids,
                'refused': refused}

    def handle_init(self, frame):
        """The reply to *frame*, the first on a new channel: an ``init``
        (or the :class:`harness.agent.wire.BadFrame` reading it raised)."""
        if isinstance(frame, wire.BadFrame):
            return messages.failure(frame)
        try:
            request = messages.Init.from_wire(frame)
        except messages.BadMessage as exc:
            return messages.failure(exc)
        return self.handle(request)

    def apply_local(self, request):
        """Apply *request* in this process only; return its value."""
        handler = self.HANDLERS.get(type(request))
        if handler is None:
            raise messages.BadMessage('not a request: %r' % (request,))
        return handler(self, request)

    # -- the requests, one handler each -----------------------------------

    def _init(self, request):
        for spec in request.layers:
            self.table.apply(spec)
        if request.clock is not None:
            self.clock.set(request.clock)

    def _apply(self, request):
        self.table.apply(request.layer)

    def _remove(self, request):
        self.table.remove(request.id)

    def _set_clock(self, request):
        self.clock.set(request.state)

    def _status(self, request):
        return {'pid': os.getpid(), 'boot': self.boot,
                'busy': hooks.wait_idle(request.wait)}

    def _pause(self, request):
        return hooks.pause(request.timeout)

    def _resume(self, request):
        hooks.resume()

    def _reach(self, request):
        self.check_in(request.expect, request.wait)

    def _ping(self, request):
        return None

    #: The handler of each request class.
    HANDLERS = {messages.Init: _init, messages.Apply: _apply,
                messages.Remove: _remove, messages.SetClock: _set_clock,
                messages.Status: _status, messages.Pause: _pause,
                messages.Resume: _resume, messages.Reach: _reach,
                messages.Ping: _ping}

    def relay(self, request):
        """Send *request* to every live child; return their replies.

        A child whose channel is closed has exited: it is forgotten.
        """
        if not self.children:
            return []  # one process: nothing to build a frame for
        frame = request.to_wire()  # built once for every child
        live = []
        for child in self.children:
            try:
                wire.send(child, frame)
            except OSError:
                child.close()
                continue
            live.append(child)
        replies = []
        self.children = []
        for child in live:
            try:
                replies.append(wire.recv(child))
            except (wire.ChannelClosed, ConnectionError):
                child.close()
                continue
            except wire.BadFrame as exc:
                # Read whole: the channel is still in step.
                replies.append(messages.failure(exc))
            except OSError as exc:
                # A stuck child: its late reply would answer the next
                # request, so it is cut off (its agent then stops).
                child.close()
                replies.append(messages.failure(
                    'a worker did not answer within %.0f s: %s'
                    % (RELAY_TIMEOUT, exc)))
                continue
            self.children.append(child)
        return replies

    # -- fork hooks -------------------------------------------------------

    def before_fork(self):
        self.lock.acquire()
        self._fork_pair = socket.socketpair()

    def after_fork_parent(self):
        pair, self._fork_pair = self._fork_pair, None
        try:
            if pair is not None:
                ours, theirs = pair
                theirs.close()
                ours.settimeout(RELAY_TIMEOUT)
                self.children.append(ours)
        finally:
            self.lock.release()

    def after_fork_child(self):
        pair, self._fork_pair = self._fork_pair, None
        # What the parent holds stays the parent's.
        for sock in [self.sock] + self.children + [self.listener]:
            if sock is not None:
                sock.close()
        if pair is None:
            return
        parents, mine = pair
        parents.close()
        after_fork = getattr(self.table, 'after_fork', None)
        if after_fork is not None:
            after_fork()
        Agent(mine, self.table, self.clock).start()


def _before():
    if _current is not None:
        _current.before_fork()


def _after_in_parent():
    if _current is not None:
        _current.after_fork_parent()


def _after_in_child():
    if _current is not None:
        _current.after_fork_child()


def _register_hooks():
    global _hooks_registered
    if not _hooks_registered:
        os.register_at_fork(before=_before, after_in_parent=_after_in_parent,
                            after_in_child=_after_in_child)
        reexec.install(lambda: _current)
        _hooks_registered = True
