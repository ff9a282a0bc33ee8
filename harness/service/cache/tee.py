"""Streams through the cache: fill while serving, serve a hit.

:class:`CachingIter` passes the chunks of a download to the client and
writes each one into ``incomplete/<id>`` on the way (one chunk in memory
at a time).  Only a stream read to its end, of the expected size and
checksum, becomes a cache entry; a client that goes away (the server
closes the iterator early) leaves nothing behind.
"""

import logging
import os

from harness.service.cache import errors

LOG = logging.getLogger(__name__)


class CachingIter(object):
    """WSGI iterable over *chunks* that caches them as *image_id*.

    :param size: bytes expected (0: unknown); a shorter or longer stream
        is not cached.
    :raises errors.ChecksumMismatch: from the last ``next()``, after the
        last chunk went out, when the data does not match *checksum* (the
        server then ends the response abruptly).
    """

    def __init__(self, cache, image_id, checksum, chunks, size=0):
        self._source = chunks
        self._iter = iter(chunks)
        self.size = size
        try:
            self.writer = cache.open_writer(image_id, checksum)
        except errors.AlreadyBeingCached:
            LOG.debug('Image %s is already being cached', image_id)
            self.writer = None

    def __iter__(self):
        return self

    def __next__(self):
        try:
            chunk = next(self._iter)
        except StopIteration:
            self._finish()
            raise
        except BaseException:
            self._abort()
            raise
        if self.writer is not None:
            self.writer.write(chunk)
        return chunk

    def _finish(self):
        writer, self.writer = self.writer, None
        if writer is None or writer.done:
            return
        if self.size and writer.size != self.size:
            writer.invalidate('got %d bytes of the %d expected'
                              % (writer.size, self.size))
            return
        writer.commit()

    def _abort(self):
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.abort()

    def close(self):
        """Called by the server; before the end it means the client (or
        the source) gave up."""
        self._abort()
        close = getattr(self._source, 'close', None)
        if close is not None:
            close()


def caching_iter(cache, image_id, checksum, chunks, size=0):
    return CachingIter(cache, image_id, checksum, chunks, size)


class CachedFile(object):
    """A complete cache entry opened for reading (file-like).

    The hit is recorded on :meth:`close` if the whole file was read.
    """

    def __init__(self, cache, image_id):
        self.cache = cache
        self.image_id = image_id
        self._file = open(cache.layout.path(image_id), 'rb', buffering=0)
        self.size = os.fstat(self._file.fileno()).st_size

    def read(self, size=-1):
        return self._file.read(size)

    def readinto(self, buffer):
        return self._file.readinto(buffer)

    def fileno(self):
        return self._file.fileno()

    def tell(self):
        return self._file.tell()

    def seek(self, offset, whence=os.SEEK_SET):
        return self._file.seek(offset, whence)

    def close(self):
        if self._file.closed:
            return
        complete = self._file.tell() >= self.size
        self._file.close()
        if complete:
            self.cache.record_hit(self.image_id)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
