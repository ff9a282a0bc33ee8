"""Streaming an upload: bounded reads, hashing alongside, disk writes.

:func:`read_chunks` turns a ``read(n)`` (or ``readinto``) reader into
bounded chunks, enforcing the declared size and a byte limit;
:func:`write_all` writes them, mapping disk errors to store errors;
:class:`Preallocator` reserves their disk space a bounded step ahead.

MD5 runs at about the speed of a disk write, so hashing and writing one
after the other halves an upload's throughput.  :class:`StreamingMd5`
hashes the first chunk inline (small images never start a thread) and
hands later chunks to a helper thread: ``hashlib`` releases the GIL on
large buffers, so the hashing overlaps the reads and writes.
"""

import errno
import hashlib
import os
import queue
import threading

from harness.service.store import errors

_FULL = frozenset((errno.ENOSPC, errno.EFBIG, errno.EDQUOT))
_DENIED = frozenset((errno.EACCES, errno.EPERM, errno.EROFS))

#: Chunks that may wait for the hashing thread.  A producer that reuses
#: buffers needs ``DEPTH + 2`` of them: ``DEPTH`` queued, one being
#: hashed, one being filled.
DEPTH = 4


class StreamingMd5(object):
    """``update()`` then ``hexdigest()``; always :meth:`close` (or call
    :meth:`hexdigest`) so the helper thread ends.

    A chunk passed to :meth:`update` must not change until ``DEPTH + 1``
    further chunks were passed (or the digest was taken).
    """

    def __init__(self, depth=DEPTH):
        self._md5 = hashlib.md5()
        self._depth = depth
        self._queue = None
        self._thread = None
        self._inline_done = False
        self._error = None

    def update(self, data):
        """Add *data* (bytes-like) to the digest."""
        if not self._inline_done:
            self._md5.update(data)
            self._inline_done = True
            return
        if self._thread is None:
            self._start()
        self._queue.put(data)

    def _start(self):
        self._queue = queue.Queue(self._depth)
        self._thread = threading.Thread(target=self._run, name='md5',
                                        daemon=True)
        self._thread.start()

    def _run(self):
        # Keep draining after a failure so the producer never blocks on a
        # full queue; the error is re-raised by hexdigest().
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._md5.update(data)
                except BaseException as exc:
                    self._error = exc

    def close(self):
        """Stop the helper thread (idempotent)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self):
        """Wait for the pending chunks and return the hex digest."""
        self.close()
        if self._error is not None:
            raise self._error
        return self._md5.hexdigest()


def read_chunks(reader, chunk_size, size=0, max_bytes=None):
    """Yield the bytes-like chunks of *reader*, at most *chunk_size* each.

    :param size: when non-zero, never read more than this.
    :param max_bytes: raise :class:`LimitExceeded` as soon as more than
        this many bytes arrived (reading one byte past it at most).

    With ``readinto`` the chunks are views of ``DEPTH + 2`` rotating
    buffers, so :class:`StreamingMd5` is done with one before it is
    refilled; a consumer must not keep a chunk longer than that.
    """
    readinto = getattr(reader, 'readinto', None)
    buffers = [memoryview(bytearray(chunk_size))
               for _ in range(DEPTH + 2)] if readinto else None
    total = count = 0
    while True:
        want = chunk_size
        if size:
            want = min(want, size - total)
        if max_bytes is not None:
            want = min(want, max_bytes + 1 - total)
        if want <= 0:
            return
        if readinto is not None:
            buffer = buffers[count % len(buffers)]
            data = buffer[:readinto(buffer[:want])]
        else:
            data = reader.read(want)
        if not data:
            return
        total += len(data)
        count += 1
        if max_bytes is not None and total > max_bytes:
            raise errors.LimitExceeded(max_bytes, total)
        yield data


def map_write_error(exc):
    """Return the store error for an ``OSError`` raised while writing,
    or *exc* itself when it has no store meaning."""
    if exc.errno in _FULL:
        return errors.StorageFull()
    if exc.errno in _DENIED:
        return errors.StorageWriteDenied()
    return exc


def raise_mapped(exc):
    """Raise the store error for *exc* (see :func:`map_write_error`)."""
    mapped = map_write_error(exc)
    if mapped is exc:
        raise exc
    raise mapped from exc


def write_all(fd, data):
    """Write all of *data* (bytes-like) to *fd*; map disk errors."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise_mapped(exc)


#: How far ahead of the data received disk space is reserved.
PREALLOCATE_STEP = 16 << 20


class Preallocator(object):
    """Reserve the disk space of an upload of known *size* in steps.

    Allocating extents while writing costs more than the write itself on
    ext4 (about 430 MiB/s against several GiB/s here), so space is
    reserved with ``posix_fallocate`` in large steps -- but only as data
    arrives, at most :data:`PREALLOCATE_STEP` ahead of it: a client that
    declares a huge ``Content-Length`` and sends little holds little.

    :ivar reserved: bytes reserved (the file is that long meanwhile).
    """

    def __init__(self, fd, size, step=PREALLOCATE_STEP):
        self.fd = fd
        self.size = size or 0
        self.step = step
        self.reserved = 0

    def cover(self, end):
        """Make sure bytes up to *end* are reserved (plus a step ahead).

        :raises StorageFull, StorageWriteDenied: as a write would.
        """
        if end <= self.reserved or self.reserved >= self.size:
            return
        target = min(self.size, end + self.step)
        try:
            os.posix_fallocate(self.fd, self.reserved,
                               target - self.reserved)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL):
                self.size = 0  # the filesystem cannot: write as it comes
                return
            raise_mapped(exc)
        self.reserved = target
