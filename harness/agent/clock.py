"""The process's wall clock, moved with ``time-machine``.

A clock *state* is ``None`` (real time), ``('offset', seconds)`` (real
time plus that many seconds, ticking) or ``('frozen', timestamp)``.
``time.time()``, ``datetime.datetime.now()``/``utcnow()`` and what is
built on them follow it; ``time.monotonic()`` and ``time.sleep()`` do
not, so timeouts and waits keep their real length.
"""


class Clock(object):
    """The one time-machine traveller of this process, if any."""

    def __init__(self):
        self.state = None
        self._traveller = None

    def set(self, state):
        """Move this process's clock to *state* (see the module)."""
        # Imported on first use: most servers never travel.
        import time
        import time_machine

        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
        self.state = state
        if state is None:
            return
        kind, value = state
        if kind == 'frozen':
            traveller = time_machine.travel(value, tick=False)
        else:
            traveller = time_machine.travel(time.time() + value, tick=True)
        traveller.start()
        self._traveller = traveller
