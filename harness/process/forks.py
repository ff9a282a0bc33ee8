"""What a forked child inherits but does not own.

The fork-server, the private database servers, the worker databases and
their leases belong to the test process that made them.  A child forked
from it (``os.fork`` in a test, ``multiprocessing``...) inherits those
objects and the exit hooks registered for them, never the right to stop,
drop or reuse them: every such check is one of these.
"""

import atexit
import os


def mine(thing):
    """True if *thing* (anything with an ``owner`` pid, or None) was made
    by this very process, not inherited through a fork."""
    return thing is not None and thing.owner == os.getpid()


def at_exit(func, *args, **kwargs):
    """``atexit.register(func, *args, **kwargs)``, run only by this
    process: a forked child inherits the hook but skips it."""
    atexit.register(_if_owner, os.getpid(), func, args, kwargs)


def _if_owner(owner, func, args, kwargs):
    if owner == os.getpid():
        func(*args, **kwargs)


class PerProcess(object):
    """A value of this process: a forked child finds it unset."""

    def __init__(self):
        self.owner = None
        self._value = None

    def get(self, default=None):
        """The value this process set, else *default*."""
        return self._value if mine(self) else default

    def set(self, value):
        """Set the value for this process; return it."""
        self.owner, self._value = os.getpid(), value
        return value
