"""The agent: a thread of the server serving its channel to the test.

Requests (dicts, see :mod:`harness.agent.wire`), each answered by
``{'ok': True, 'value': ...}`` or ``{'ok': False, 'error': text,
'target': bool}``:

* ``init`` {layers, clock}: the state to have before the module runs;
* ``apply`` {layer}, ``remove`` {id}: a patch or spy layer on or off;
* ``clock`` {state}: see :mod:`harness.agent.clock`;
* ``status`` {wait}: ``{'pid', 'boot', 'busy'}``: this process's pid,
  a token new with every agent (a re-exec gets a new one) and the
  requests in flight in it and its children, after waiting up to *wait*
  seconds for none (see :mod:`harness.agent.hooks`);
* ``pause`` {timeout} / ``resume``: hold the program's loops at a pass
  boundary, and let them go (``pause`` answers True once none is
  mid-pass);
* ``reach`` {expect, wait}: take the processes checking in, waiting up
  to *wait* seconds for the pids *expect* (:mod:`harness.agent.checkin`).

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
(:mod:`harness.agent.reexec`).  Every answer says which pids it covers
(``pids``), whether any of them has a child process (``kids``) and which
processes could not check in (``refused``): the answers to ``apply``,
``clock`` and ``reach``.
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
from harness.agent import reexec
from harness.agent import wire

ENV = contract.AGENT_FD
STATE_ENV = reexec.STATE_ENV
#: The requests whose answers say which processes they reached.
REACHING = frozenset(['apply', 'clock', 'reach'])
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
                    request = wire.recv(self.sock)
                except (wire.ChannelClosed, OSError):
                    return  # the test process is gone: its lifeline stops us
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
        return {'op': 'init', 'layers': list(self.table.specs.values()),
                'clock': self.clock.state}

    def handle(self, request):
        """Apply *request* here, then relay it to the children."""
        try:
            value = self.apply_local(request)
        except layers_mod.TargetError as exc:
            return {'ok': False, 'error': str(exc), 'target': True,
                    'what': exc.target}
        except Exception as exc:
            return {'ok': False, 'target': False,
                    'error': '%s: %s' % (type(exc).__name__, exc)}
        reaching = request['op'] in REACHING
        if reaching:
            pids, kids = [os.getpid()], checkin.has_children()
            refused = dict(self.listener.refused) if self.listener else {}
        for reply in self.relay(request):
            if not reply['ok']:
                if request['op'] == 'apply':
                    # All or nothing: the test forgets a layer that failed.
                    self.apply_local({'op': 'remove',
                                      'id': request['layer']['id']})
                    self.relay({'op': 'remove',
                                'id': request['layer']['id']})
                return reply
            value = _merge(request['op'], value, reply['value'])
            if reaching:
                pids += reply['pids']
                kids = kids or reply['kids']
                # A re-executed child listens too (harness.agent.boot).
                refused.update(reply['refused'])
        if not reaching:
            return {'ok': True, 'value': value}
        return {'ok': True, 'value': value, 'pids': pids, 'kids': kids,
                'refused': refused}

    def apply_local(self, request):
        op = request['op']
        if op == 'init':
            for spec in request['layers']:
                self.table.apply(spec)
            if request['clock'] is not None:
                self.clock.set(request['clock'])
        elif op == 'apply':
            self.table.apply(request['layer'])
        elif op == 'remove':
            self.table.remove(request['id'])
        elif op == 'clock':
            self.clock.set(request['state'])
        elif op == 'status':
            return {'pid': os.getpid(), 'boot': self.boot,
                    'busy': hooks.wait_idle(request.get('wait', 0))}
        elif op == 'pause':
            return hooks.pause(request.get('timeout', 0))
        elif op == 'resume':
            hooks.resume()
        elif op == 'reach':
            self.check_in(request.get('expect', ()), request.get('wait', 0))
        elif op != 'ping':
            raise ValueError('unknown request %r' % (op,))
        return None

    def relay(self, request):
        """Send *request* to every live child; return their replies.

        A child whose channel is closed has exited: it is forgotten.
        """
        live = []
        for child in self.children:
            try:
                wire.send(child, request)
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
            except OSError as exc:
                # A stuck child: its late reply would answer the next
                # request, so it is cut off (its agent then stops).
                child.close()
                replies.append({'ok': False, 'target': False,
                                'error': 'a worker did not answer within '
                                '%.0f s: %s' % (RELAY_TIMEOUT, exc)})
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


def _merge(op, value, child_value):
    """*value* of this process with a child's answer to *op*."""
    if op == 'status':
        return dict(value, busy=value['busy'] + child_value['busy'])
    if op == 'pause':
        return value and child_value
    return value


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
