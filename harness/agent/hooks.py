"""What a server program offers the agent beyond patches: quiescence.

A reused stack (:mod:`harness.stack.reuse`) resets the state a test left only
once nothing runs in the servers.  It asks each server's agent:

* ``status`` {wait}: how much work is in flight -- requests, and the
  background work they started (a task, a copy) -- after waiting up to
  *wait* seconds for none (:func:`wait_idle`);
* ``pause`` {timeout} / ``resume``: hold the daemon loops (the scrubber)
  at a pass boundary, never in the middle of a pass (:class:`Gate`).

The server's code registers what it has, when it starts serving or its
first background job (never at import): :func:`register_idle` with a
``wait_idle(timeout)`` callable for each kind of work (the reference
service: its HTTP server's requests, its background jobs),
:func:`new_gate` for each loop.  A process that registered nothing is
idle and has nothing to pause.
"""

import threading
import time

#: ``wait_idle(timeout) -> busy count`` callables of this process.  Module
#: state on purpose, like the agent's: the agent and the server's code
#: meet here without knowing each other.
_idle_waiters = []
#: The :class:`Gate` of each loop of this process.
_gates = []


def register_idle(wait_idle):
    """Let the agent ask *wait_idle(timeout)* for the work in flight (it
    returns how much is left after waiting at most *timeout* s)."""
    _idle_waiters.append(wait_idle)


def wait_idle(timeout):
    """Wait up to *timeout* seconds for every registered kind of work of
    this process to be idle; return how much is still in flight.

    The kinds are waited for in turn, and one may start another while
    the next is waited for (a request starts a task): all idle only when
    an instant second pass confirms it.
    """
    deadline = time.monotonic() + timeout
    while True:
        busy = sum(wait(max(deadline - time.monotonic(), 0))
                   for wait in list(_idle_waiters))
        if busy:
            return busy
        busy = sum(wait(0) for wait in list(_idle_waiters))
        if not busy or time.monotonic() >= deadline:
            return busy


class Gate(object):
    """The boundary between two passes of a loop, which the agent can hold.

    The loop brackets each pass with :meth:`enter` (False: paused, skip
    this pass) and :meth:`leave`; :meth:`pause` waits for a pass under
    way to end, so a paused loop is never half-way through one.  The loop
    itself never blocks on the gate: a stop signal is handled as ever.
    """

    def __init__(self):
        self._changed = threading.Condition()
        self._paused = False
        self._running = False

    def enter(self):
        """Begin a pass; False if paused (then skip it)."""
        with self._changed:
            if self._paused:
                return False
            self._running = True
            return True

    def leave(self):
        """End the pass :meth:`enter` began."""
        with self._changed:
            self._running = False
            self._changed.notify_all()

    def pause(self, timeout):
        """Hold further passes; wait up to *timeout* s for the current one.

        :returns: True once no pass runs (False: one still runs).
        """
        with self._changed:
            self._paused = True
            return self._changed.wait_for(lambda: not self._running,
                                          timeout)

    def resume(self):
        """Let passes run again."""
        with self._changed:
            self._paused = False


def new_gate():
    """A :class:`Gate` the agent's ``pause`` and ``resume`` reach."""
    gate = Gate()
    _gates.append(gate)
    return gate


def pause(timeout):
    """Pause every gate of this process; True if none is mid-pass."""
    deadline = time.monotonic() + timeout
    return all([gate.pause(max(deadline - time.monotonic(), 0))
                for gate in list(_gates)])


def resume():
    """Resume every gate of this process."""
    for gate in list(_gates):
        gate.resume()
