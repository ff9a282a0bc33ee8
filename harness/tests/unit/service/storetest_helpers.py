"""Shared helpers of the store unit tests: readers and fault injection."""

import os
import uuid

from harness.service.wsgi import body


def new_id():
    """A fresh canonical image id."""
    return str(uuid.uuid4())


class Reader(object):
    """``read(n)`` over *data* (like ``wsgi.input``: no ``readinto``).

    :ivar consumed: bytes handed out so far.
    :ivar largest: the largest *n* asked for.
    :param fail_after: raise *error* once this many bytes were handed out
        and more is asked for.
    """

    def __init__(self, data, fail_after=None, error=None):
        self._data = memoryview(data)
        self.consumed = 0
        self.largest = 0
        self._fail_after = fail_after
        self._error = error

    def read(self, size=-1):
        if size is None or size < 0:
            size = len(self._data) - self.consumed
        self.largest = max(self.largest, size)
        if self._fail_after is not None and self.consumed >= self._fail_after:
            raise self._error
        if self._fail_after is not None:
            size = min(size, self._fail_after - self.consumed)
        chunk = bytes(self._data[self.consumed:self.consumed + size])
        self.consumed += len(chunk)
        return chunk


class IntoReader(Reader):
    """A :class:`Reader` that also has ``readinto`` (like a file)."""

    def readinto(self, buffer):
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


class Generated(object):
    """*total* bytes made on demand in fresh ``bytes`` objects, never held
    together (to observe the store's own memory use)."""

    def __init__(self, total):
        self.left = total

    def read(self, size):
        size = min(size, self.left)
        self.left -= size
        return b'\x5a' * size


def disconnect():
    """The error a vanishing client raises from ``wsgi.input``."""
    return body.ClientDisconnected('Client disconnected before the end of '
                                   'the body')


class FaultyOs(object):
    """Stands in for the ``os`` module of the filesystem store: behaves as
    ``os`` except that the operation named *operation* fails with
    *error_number* (a kernel refusing a write, a link...)."""

    def __init__(self, operation, error_number):
        self._operation = operation
        self._errno = error_number
        self.calls = 0

    def __getattr__(self, name):
        real = getattr(os, name)
        if name != self._operation:
            return real

        def failing(*args, **kwargs):
            self.calls += 1
            raise OSError(self._errno, os.strerror(self._errno))
        return failing
