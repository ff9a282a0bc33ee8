"""Reaching inside a server's program: the test's API.

:class:`Reachable` gives :class:`harness.process.server.Server` its
``patch``, ``spy`` and ``clock``; :class:`ServersClock` is the clock of
every server of a test (``FunctionalTest.clock``).  What they give back is
in :mod:`harness.reach.calls`; the machinery is in
:mod:`harness.reach.injector` (the test process) and :mod:`harness.agent`
(the server's processes).
"""

import sys

from harness import errors
from harness.reach import injector as remote
from harness.reach.calls import UNSET


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

    #: False: ``patch``, ``spy`` and ``clock`` raise
    #: :class:`harness.errors.NotReachedError` when a Python process of
    #: the server has no agent.  True: the test does not care about such
    #: processes; they act on the others.
    ignore_unreached = False

    @property
    def injector(self):
        """The server's :class:`harness.reach.injector.Injector` (made on first
        use)."""
        injector = self.__dict__.get('_injector')
        if injector is None:
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

        Applied in every Python process of the server (forked workers,
        respawned ones too, and fresh interpreters: ``multiprocessing``
        spawn workers, ``subprocess`` children) before the block starts,
        or at launch if the server is not running; undone when the block
        exits.

        :raises TargetError: the target does not resolve in the server.
        :raises NotPythonError: the program is not Python.
        :raises NotReachedError: a Python process of the server cannot be
            reached (see :attr:`ignore_unreached`).
        :raises ServerGoneError: the server died.
        """
        return self.injector.patch(target, raises=raises, returns=returns,
                                   delay=delay)

    def spy(self, target):
        """Context manager yielding the calls made to *target* in the
        server (:class:`harness.reach.calls.Calls`, read anew when
        read)."""
        return self.injector.spy(target)

    @property
    def clock(self):
        """The server's wall clock
        (:class:`harness.reach.calls.Clock`)."""
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
