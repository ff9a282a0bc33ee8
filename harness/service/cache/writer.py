"""Writing one cache entry: ``incomplete/<id>`` -> ``<id>`` or ``invalid/``.

The file is created with ``O_EXCL``, so of two requests filling the same
image only one writes; the other just streams.  It becomes visible as a
complete entry only through the final ``rename``, after the MD5 of what
was written matched the expected checksum.
"""

import hashlib
import logging
import os

from harness.service.cache import errors
from harness.service.cache import layout as layout_mod

LOG = logging.getLogger(__name__)


class CacheWriter(object):
    """Write *image_id* into the cache; always end with :meth:`commit`,
    :meth:`abort` or :meth:`invalidate`.

    :raises errors.AlreadyBeingCached: another writer holds the entry.
    """

    def __init__(self, cache, image_id, checksum=None):
        self.cache = cache
        self.image_id = image_id
        self.checksum = checksum
        self.size = 0
        self.failed = None
        self._md5 = hashlib.md5()
        self._incomplete = cache.layout.path(image_id, 'incomplete')
        try:
            self._fd = os.open(self._incomplete,
                               os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise errors.AlreadyBeingCached(image_id) from None
        self._inode = os.fstat(self._fd).st_ino

    @property
    def done(self):
        return self._fd is None

    def write(self, data):
        """Append *data*; a disk error invalidates the entry (logged),
        later writes are ignored so the caller's stream goes on."""
        if self._fd is None:
            return
        view = memoryview(data)
        self._md5.update(view)
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            self.failed = exc
            self.invalidate('write failed: %s' % exc.strerror)
            return
        self.size += len(data)

    def _close(self):
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def commit(self):
        """Publish the entry if its checksum matches.

        :returns: True when the entry is now cached.
        :raises errors.ChecksumMismatch: the data does not match (the file
            went to ``invalid/``).
        """
        if self._fd is None:
            return False
        self._close()
        actual = self._md5.hexdigest()
        if self.checksum and actual != self.checksum:
            exc = errors.ChecksumMismatch(self.image_id, self.checksum,
                                          actual)
            self._move('invalid', str(exc))
            raise exc
        if not self._still_ours():
            # Evicted (image deleted) while it was being written.
            LOG.info('Image %s was evicted while being cached', self.image_id)
            return False
        # The metadata first: an entry is never seen without it.
        self.cache.driver.committed(self.image_id, self._incomplete,
                                    self.size, actual)
        try:
            os.rename(self._incomplete, self.cache.layout.path(self.image_id))
        except FileNotFoundError:
            LOG.info('Image %s was evicted while being cached', self.image_id)
            self.cache.driver.forget(self.image_id)
            return False
        self.cache.layout.unqueue(self.image_id)
        LOG.debug('Cached image %s (%d bytes)', self.image_id, self.size)
        return True

    def _still_ours(self):
        """Whether ``incomplete/<id>`` is still the file this writer
        created (an eviction unlinks it; another writer may then create a
        new one, which must not be published as ours)."""
        try:
            return os.stat(self._incomplete).st_ino == self._inode
        except FileNotFoundError:
            return False

    def abort(self):
        """Drop the partial file (a client went away, a read failed)."""
        if self._fd is None:
            return
        self._close()
        if self._still_ours():
            layout_mod.remove_quietly(self._incomplete)
        LOG.info('Dropped the partial cache file of image %s', self.image_id)

    def invalidate(self, reason):
        """Move the partial file to ``invalid/`` (kept for inspection)."""
        self._close()
        self._move('invalid', reason)

    def _move(self, kind, reason):
        LOG.warning('Image %s not cached: %s', self.image_id, reason)
        try:
            os.rename(self._incomplete,
                      self.cache.layout.path(self.image_id, kind))
        except FileNotFoundError:
            return
        self.cache.driver.invalidated(self.image_id, reason)
