"""What reaching inside a server gives the test back: a spy's calls, a
server's clock.

:class:`Calls` is what ``Server.spy`` yields, :class:`Clock` a server's
wall clock (``Server.clock``); both read and act through the server's
:class:`harness.reach.injector.Injector`.
"""

import datetime

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
                self._final = list(
                    self._injector.past_calls.get(self._id, ()))

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
