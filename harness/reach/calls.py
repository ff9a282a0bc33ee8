"""What reaching inside a server gives the test back: a spy's calls, a
server's clock.

:class:`Calls` is what ``Server.spy`` yields, :class:`Clock` a server's
wall clock (``Server.clock``); both read and act through the server's
:class:`harness.reach.injector.Injector`.
"""

import collections
import datetime
import json
import os
import tempfile

from harness import errors

#: Default of ``returns=``: call through (``None`` is a value).
UNSET = object()
#: One recorded call: reprs of its arguments and of its outcome, each cut
#: at 1000 characters.  ``args`` (a tuple of reprs), ``kwargs`` (``{name:
#: repr}``), ``result`` (``None`` if it raised), ``exception`` (``None`` if
#: it returned), ``pid`` (the server process that made the call), ``time``
#: (its ``time.monotonic()`` when the call began: the system's clock, so
#: calls of several processes sort together).
Call = collections.namedtuple(
    'Call', 'args kwargs result exception pid time')


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
    """The calls a spy saw, in every process of the server, oldest first:
    read again whenever it is read.

    Supports ``len()``, iteration and indexing; after the ``with`` block
    it keeps the calls seen until then.

    :param path: the file the spy's processes append their records to
        (:class:`harness.agent.layers.Spy`).
    """

    def __init__(self, path):
        self._path = path
        self._final = None

    def freeze(self):
        if self._final is None:
            self._final = read(self._path)

    def _current(self):
        if self._final is not None:
            return self._final
        return read(self._path)

    def __len__(self):
        return len(self._current())

    def __iter__(self):
        return iter(self._current())

    def __getitem__(self, index):
        return self._current()[index]

    def __repr__(self):
        return '<Calls %r>' % (self._current(),)


def new_file(test_dir, name):
    """A new, empty file for a spy's records, in ``<test_dir>/spies``
    (mode 0700: only the test's user may read or add records)."""
    folder = os.path.join(test_dir, 'spies')
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=name + '-', suffix='.calls',
                                dir=folder)
    os.close(fd)
    return path


def read(path):
    """The :data:`Call` records in *path*, oldest first (a line still
    being written, without its newline yet, is not one)."""
    with open(path, 'rb') as handle:
        data = handle.read()
    lines = data.split(b'\n')[:-1]
    calls = [Call(**dict(record, args=tuple(record['args'])))
             for record in map(json.loads, lines)]
    return sorted(calls, key=lambda call: call.time)


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
