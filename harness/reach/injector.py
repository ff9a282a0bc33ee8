"""The test's side of reaching inside a server: patches, spies, clock.

Each :class:`harness.process.server.Server` has one :class:`Injector`.
It keeps what the test asked for (the active patch and spy layers, the
clock) and, while the server runs, a
:class:`harness.reach.channel.Channel` to the server's agent
(:mod:`harness.agent`).  What is asked before ``start()`` is sent at
launch and applied before the server module runs; what is asked while
it runs is applied at once, acknowledged by every process of the server
before the call returns.  Leaving a ``with`` block takes its layer off;
a server that stops takes everything with it, and a new start gets what
is still active.
"""

import collections
import contextlib
import itertools
import os
import pickle
import sys

from harness import errors
from harness.agent import messages
from harness.reach import calls as calls_mod
from harness.reach import tree
from harness.reach.calls import UNSET
from harness.reach.calls import Calls
from harness.reach.calls import Clock
from harness.reach.channel import REPLY_TIMEOUT
from harness.reach.channel import Channel


def is_python(argv):
    """True if *argv* runs a Python module or script with this very
    interpreter (another one may not have :mod:`harness` to boot)."""
    if len(argv) < 2 or not _same_file(argv[0], sys.executable):
        return False
    return (argv[1] == '-m' and len(argv) > 2) or not argv[1].startswith('-')


def _same_file(path, other):
    if path == other:
        return True
    try:
        return os.path.samefile(path, other)
    except (OSError, ValueError):
        return False


def _pickled(what, value):
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise errors.InjectError('%s=%r cannot be sent to the server: %s'
                                 % (what, value, exc)) from None


class Injector(object):
    """What the test asked of one server, and its channel while it runs.

    :param server: the :class:`harness.process.server.Server`.
    """

    def __init__(self, server):
        self.server = server
        self.layers = collections.OrderedDict()  # id -> spec
        self.clock_state = None
        self.channel = None
        self._kids = False  # a process of the server had a child, last time
        self._ids = itertools.count(1)
        self.clock = Clock(self.set_clock)

    @property
    def name(self):
        return self.server.server_name

    # -- launch and stop --------------------------------------------------

    def init_request(self):
        """What the agent applies before the module runs (a
        :class:`harness.agent.messages.Init`); sent in the channel at
        launch (:class:`harness.process.child.ServerProcess`).
        """
        return messages.Init(list(self.layers.values()), self.clock_state)

    def attach(self, proc):
        """Open the channel of a just launched *proc*, which holds
        :meth:`init_request` already.

        With anything to apply, wait until the server applied it (before
        its module ran), so a bad target fails ``start()``.
        """
        if proc.agent_sock is None:
            if self.layers or self.clock_state is not None:
                proc.stop()
                raise errors.NotPythonError(self.name, proc.argv[0])
            return
        self.channel = Channel(self.name, proc)
        self.channel.unread = 1  # the reply to init
        if not self.layers and self.clock_state is None:
            return
        try:
            self._check(self.channel.receive(REPLY_TIMEOUT))
        except errors.HarnessError:
            self.channel = None
            proc.stop()
            raise

    def detach(self):
        """Before the server stops: its channel is no use any more (what
        its spies saw is in their files)."""
        self.channel = None

    # -- layers -----------------------------------------------------------

    @contextlib.contextmanager
    def patch(self, target, raises=None, returns=UNSET, delay=None):
        """See :meth:`harness.process.server.Server.patch`."""
        if raises is not None and not (
                isinstance(raises, BaseException) or (
                    isinstance(raises, type)
                    and issubclass(raises, BaseException))):
            raise errors.InjectError('raises=%r is not an exception'
                                     % (raises,), self.name)
        if delay is not None and (
                not isinstance(delay, (int, float))
                or isinstance(delay, bool) or not delay >= 0):
            raise errors.InjectError('delay=%r is not a number of seconds'
                                     % (delay,), self.name)
        spec = {'kind': 'patch', 'target': target, 'delay': delay,
                'raises': (None if raises is None
                           else _pickled('raises', raises)),
                'returns': (None if returns is UNSET
                            else _pickled('returns', returns))}
        with self._layer(spec):
            yield

    @contextlib.contextmanager
    def spy(self, target):
        """See :meth:`harness.process.server.Server.spy`."""
        path = calls_mod.new_file(self.server.test_dir, self.name)
        try:
            with self._layer({'kind': 'spy', 'target': target,
                              'calls_path': path}):
                calls = Calls(path)
                try:
                    yield calls
                finally:
                    calls.freeze()
        finally:
            os.unlink(path)

    @contextlib.contextmanager
    def _layer(self, spec):
        self.check_python()
        spec['id'] = next(self._ids)
        self.layers[spec['id']] = spec
        try:
            if self.running():
                self._call_reaching(messages.Apply(spec))
        except errors.NotReachedError:
            self._remove(spec['id'])  # applied where it reached: undo
            raise
        except BaseException:
            del self.layers[spec['id']]
            raise
        try:
            yield spec['id']
        finally:
            self._remove(spec['id'])

    def _remove(self, layer_id):
        del self.layers[layer_id]
        if self.running():
            try:
                self._check(self.channel.call(messages.Remove(layer_id)))
            except errors.ServerGoneError:
                return  # a dead server keeps no patch

    # -- clock ------------------------------------------------------------

    def set_clock(self, state):
        """Move the server's clock to *state* (:mod:`harness.agent.clock`)."""
        self.check_python()
        old, self.clock_state = self.clock_state, state
        try:
            if self.running():
                self._call_reaching(messages.SetClock(state))
        except errors.NotReachedError:
            self.clock_state = old
            self._check(self.channel.call(messages.SetClock(old)))
            raise
        except BaseException:
            self.clock_state = old
            raise
        return state

    # -- every Python process reached -------------------------------------

    def _call_reaching(self, request):
        """Send *request* to the running server and return its value,
        once every Python process of the server answered it.

        While the agents apply it, the test looks at the server's process
        tree (:mod:`harness.reach.tree`), so that costs no wait; not at
        all if none of the server's processes has a child.

        :raises NotReachedError: a Python process of the server has no
            agent (unless the server's ``ignore_unreached``).
        """
        channel = self.channel
        ignore = getattr(self.server, 'ignore_unreached', False)
        channel.send(request)
        processes = None
        if not ignore and self._kids:
            # The server had child processes: look at them meanwhile.
            processes = tree.python_processes(channel.proc.pid)
        reply = None
        while channel.unread:
            reply = channel.receive(REPLY_TIMEOUT)
        value = self._check(reply)
        # No process of the server has a child: nothing to look for (a
        # reference server, one process, pays no look at /proc).
        self._kids = reply['kids']
        if ignore or not self._kids:
            return value
        if processes is None:
            processes = tree.python_processes(channel.proc.pid)
        if processes:
            self._verify(processes, reply)
        return value

    def _verify(self, processes, reply):
        """:func:`harness.reach.tree.verify` of this server."""
        def ask_again(pids, wait):
            again = self.channel.call(messages.Reach(pids, wait))
            self._check(again)
            return again, tree.python_processes(self.channel.proc.pid)
        tree.verify(self.name, processes, reply, ask_again)

    # -- quiescence -------------------------------------------------------

    def ask(self, request, timeout=REPLY_TIMEOUT):
        """Send the agent *request* (a :mod:`harness.agent.messages`
        request: ``Status()``, ``Pause(timeout)``, ``Resume()``, see
        :mod:`harness.agent.hooks`) and return its value, waiting up to
        *timeout* seconds for it.

        :raises InjectError: the server is not running, or failed it.
        """
        self.send_ask(request)
        return self.answer(timeout)

    def send_ask(self, request):
        """The first half of :meth:`ask`: send, do not wait (ask several
        servers at once, then read each :meth:`answer`)."""
        if not isinstance(request, messages.Request):
            raise errors.InjectError(
                'ask() takes a harness.agent.messages request, not %r'
                % (request,), self.name)
        if not self.running():
            raise errors.InjectError('%s server is not running'
                                     % self.name, self.name)
        self.channel.send(request)

    def answer(self, timeout=REPLY_TIMEOUT):
        """The second half of :meth:`ask`: the value of the answer."""
        reply = None
        while self.channel.unread:
            reply = self.channel.receive(timeout)
        return self._check(reply)

    # -- helpers ----------------------------------------------------------

    def running(self):
        """True from launch to stop.  A program that ended by itself
        with status 0 (a one-shot run) counts as stopped; one that died
        is still asked, so the test hears that it died."""
        if self.channel is not None and self.channel.proc.poll() == 0:
            self.channel = None
        return self.channel is not None

    def check_python(self):
        """Fail now for a program that has no agent to talk to."""
        proc = self.server.process
        if proc is not None and proc.poll() is None:
            if proc.agent_sock is None:
                raise errors.NotPythonError(self.name, proc.argv[0])
            return
        argv = self.server.planned_argv()
        if argv and not is_python(argv):
            raise errors.NotPythonError(self.name, argv[0])

    def _check(self, reply):
        if reply['ok']:
            return reply['value']
        if reply['target']:
            raise errors.TargetError(self.name, reply.get('what', ''),
                                     reply['error'])
        raise errors.InjectError('%s server: %s' % (self.name,
                                                    reply['error']),
                                 self.name)
