"""Reaching inside a server's program: the test's API.

:class:`Reachable` gives :class:`harness.process.server.Server` its ``patch``,
``spy`` and ``clock``; :class:`Calls` is what a spy yields, :class:`Clock`
a server's wall clock and :class:`ServersClock` the clock of every server
of a test (``FunctionalTest.clock``).  The machinery is in
:mod:`harness.reach.injector` (test side) and :mod:`harness.agent` (server
side).
"""

import datetime
import sys

from harness import errors

#: Default of ``returns=``: call through (``None`` is a value).
UNSET = object()


def _timestamp(when):
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None or when.utcoffset() is None:
            raise errors.InjectError(
                'clock.freeze() needs a timezone-aware datetime or a POSIX '
                'timestamp, not the naive %r' % (when,))
        return when.timestamp()
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return float(when)
    raise errors.InjectError('clock.freeze() needs a timezone-aware '
                             'datetime or a POSIX timestamp, not %r'
                             % (when,))


class Calls(object):
    """The calls a spy saw: read again whenever it is read.

    Supports ``len()``, iteration and indexing; after the ``with`` block
    it keeps the calls seen until then.
    """

    def __init__(self, injector, layer_id):
        self._injector = injector
        self._id = layer_id
        self._final = None

    def freeze(self):
        if self._final is None:
            try:
                self._final = self._injector.calls(self._id)
            except errors.HarnessError:
                self._final = list(self._injector.past_calls.get(self._id,
                                                                  ()))

    def _current(self):
        if self._final is not None:
            return self._final
        return self._injector.calls(self._id)

    def __len__(self):
        return len(self._current())

    def __iter__(self):
        return iter(self._current())

    def __getitem__(self, index):
        return self._current()[index]

    def __repr__(self):
        return '<Calls %r>' % (self._current(),)


class Clock(object):
    """A server's wall clock: ``freeze``, ``advance``, ``reset``.

    :param apply: called with the new state (see
        :mod:`harness.agent.clock`); returns it.
    """

    def __init__(self, apply):
        self._apply = apply
        self.state = None

    def freeze(self, when):
        """Stop the clock at *when* (aware ``datetime`` or timestamp)."""
        self._set(('frozen', _timestamp(when)))

    def advance(self, seconds):
        """Move the clock *seconds* forward (frozen or ticking)."""
        seconds = float(seconds)
        if self.state is None:
            self._set(('offset', seconds))
        else:
            self._set((self.state[0], self.state[1] + seconds))

    def reset(self):
        """Back to the real time."""
        self._set(None)

    def _set(self, state):
        self.state = self._apply(state)


class ServersClock(object):
    """One clock for several servers (``FunctionalTest.clock``).

    :param servers: callable returning the servers to act on.
    """

    def __init__(self, servers):
        self._servers = servers

    def _each(self, method, *args):
        for server in self._servers():
            if remote_capable(server):
                getattr(server.clock, method)(*args)

    def freeze(self, when):
        """Freeze every server's clock at *when*."""
        self._each('freeze', when)

    def advance(self, seconds):
        """Move every server's clock *seconds* forward."""
        self._each('advance', seconds)

    def reset(self):
        """Every server back to the real time."""
        self._each('reset')


def remote_capable(server):
    """True if *server* runs (or will run) a Python program."""
    try:
        server.injector.check_python()
    except errors.NotPythonError:
        return False
    return True



class Reachable(object):
    """What a :class:`harness.process.server.Server` offers to reach inside its
    program (mixed in; the state lives in :attr:`injector`)."""

    @property
    def injector(self):
        """The server's :class:`harness.reach.injector.Injector` (made on first
        use)."""
        injector = self.__dict__.get('_injector')
        if injector is None:
            # It imports this module.
            from harness.reach import injector as remote
            injector = self._injector = remote.Injector(self)
        return injector

    def patch(self, target, *, raises=None, returns=UNSET, delay=None):
        """Context manager: *target* misbehaves in the server meanwhile.

        :param target: dotted path importable in the server process
            (``package.module.function``, ``package.module.Class.method``).
        :param raises: exception (instance or class, picklable) every call
            raises.
        :param returns: value every call returns (picklable).
        :param delay: seconds every call waits first.

        Applied in every process of the server (forked workers, respawned
        ones too) before the block starts, or at launch if the server is
        not running; undone when the block exits.

        :raises TargetError: the target does not resolve in the server.
        :raises NotPythonError: the program is not Python.
        :raises ServerGoneError: the server died.
        """
        return self.injector.patch(target, raises=raises, returns=returns,
                                   delay=delay)

    def spy(self, target):
        """Context manager yielding the calls made to *target* in the
        server (:class:`Calls`, read anew when read)."""
        return self.injector.spy(target)

    @property
    def clock(self):
        """The server's wall clock (:class:`Clock`)."""
        return self.injector.clock

    def planned_argv(self):
        """The argv a start would run, as far as it is known now (None:
        not known before the start)."""
        if self.command:
            try:
                return self.argv(**self.start_kwargs)
            except errors.HarnessError:
                return None
        if self.server_module:
            return [sys.executable, '-m', self.server_module]
        return None
