"""The image cache.

:class:`ImageCache` is the one entry point, with Glance 2014.1's method
names; the ``cache`` filter, the management API and the cache tools all
go through it.  ``doc/source/explanation/internals/cache-contracts.rst``
describes its interface.
Nothing happens at import time: the directory is created and the driver
checked when an :class:`ImageCache` is built.
"""

import contextlib
import logging

from harness.errors import ConfigError
from harness.service.cache import layout as layout_mod
from harness.service.cache import sqlite_driver
from harness.service.cache import writer as writer_mod
from harness.service.cache import xattr_driver
from harness.service.cache.errors import (  # noqa: F401 (re-exported)
    AlreadyBeingCached, CacheError, ChecksumMismatch, DriverError)

LOG = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 10 * 1024 ** 3
DEFAULT_STALL_TIME = 86400
DRIVERS = ('sqlite', 'xattr')


def _int_option(conf, name, default):
    value = conf.get(name, default=default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError('Invalid int value %r for option %s'
                          % (value, name)) from None


class ImageCache(object):
    """The cache in ``conf.image_cache_dir`` with ``image_cache_driver``.

    :param conf: a :class:`harness.service.config.Conf`.
    :raises CacheError: ``image_cache_dir`` unset, or no driver works.
    :raises ConfigError: a cache option has a bad value.
    """

    def __init__(self, conf):
        base_dir = conf.get('image_cache_dir')
        if not base_dir:
            raise CacheError('Failed to read image_cache_dir from config')
        self.max_size = _int_option(conf, 'image_cache_max_size',
                                    DEFAULT_MAX_SIZE)
        self.stall_time = _int_option(conf, 'image_cache_stall_time',
                                      DEFAULT_STALL_TIME)
        db_name = conf.get('image_cache_sqlite_db') or 'cache.db'
        self.layout = layout_mod.Layout(base_dir, db_name)
        self.base_dir = self.layout.base_dir
        try:
            self.layout.create()
        except OSError as exc:
            raise CacheError('Unable to create the image cache directory '
                             '%s: %s' % (base_dir, exc.strerror)) from None
        self.driver = self._driver(conf.get('image_cache_driver') or 'sqlite',
                                   db_name)

    def _driver(self, name, db_name):
        """The configured driver, else sqlite with a warning."""
        if name == 'xattr':
            driver = xattr_driver.XattrDriver(self.layout)
            try:
                driver.check()
                return driver
            except DriverError as exc:
                LOG.warning('Image cache driver xattr failed to configure: '
                            '%s. Falling back to the sqlite driver.', exc)
        elif name != 'sqlite':
            LOG.warning('Image cache driver %r not found. Falling back to '
                        'the sqlite driver.', name)
        driver = sqlite_driver.SqliteDriver(self.layout, db_name)
        driver.check()
        return driver

    def close(self):
        """Release the driver's database connection, if any (it reopens
        on next use)."""
        close = getattr(self.driver, 'close', None)
        if close is not None:
            close()

    @property
    def driver_name(self):
        return self.driver.name

    # -- state of one image ------------------------------------------------

    def is_cached(self, image_id):
        return self.layout.exists(image_id)

    def is_being_cached(self, image_id):
        return self.layout.exists(image_id, 'incomplete')

    def is_queued(self, image_id):
        return self.layout.exists(image_id, 'queue')

    def is_cacheable(self, image_id):
        """Neither cached nor being cached."""
        return not (self.is_cached(image_id)
                    or self.is_being_cached(image_id))

    def get_hit_count(self, image_id):
        return self.driver.hits(image_id) if self.is_cached(image_id) else 0

    def get_image_size(self, image_id):
        """Size in bytes of the cached file, ``None`` if not cached."""
        return self.layout.size_of(image_id)

    # -- listings ----------------------------------------------------------

    def get_cached_images(self):
        """``[{'image_id', 'hits', 'last_accessed', 'last_modified',
        'size'}]`` ordered by image id (times: epoch floats)."""
        entries = sorted(self.layout.entries(), key=lambda item: item[0])
        return self.driver.describe(entries)

    def get_queued_images(self):
        """Queued image ids, oldest first."""
        return self.layout.queued()

    def get_cache_size(self):
        return self.layout.total_size()

    def get_least_recently_accessed(self):
        """The id to prune first, or ``None`` when the cache is empty."""
        order = self.driver.access_order(self.layout.entries())
        return order[0] if order else None

    # -- deleting ----------------------------------------------------------

    def delete_cached_image(self, image_id):
        """Remove the entry (a missing one is fine). Return whether it
        existed."""
        existed = layout_mod.remove_quietly(self.layout.path(image_id))
        self.driver.forget(image_id)
        return existed

    def delete_all_cached_images(self):
        """Remove every complete entry; return how many."""
        return sum(1 for image_id, _ in self.layout.entries()
                   if self.delete_cached_image(image_id))

    def evict(self, image_id):
        """Forget *image_id* everywhere: entry, write in progress (its
        writer then publishes nothing) and queue marker."""
        self.delete_cached_image(image_id)
        layout_mod.remove_quietly(self.layout.path(image_id, 'incomplete'))
        self.layout.unqueue(image_id)

    # -- queue -------------------------------------------------------------

    def queue_image(self, image_id):
        """Queue *image_id* for the prefetcher.

        :returns: False (and a warning) when it is already cached, being
            cached or queued.
        """
        for check, what in ((self.is_cached, 'cached'),
                            (self.is_being_cached, 'being cached'),
                            (self.is_queued, 'queued')):
            if check(image_id):
                LOG.warning('Not queueing image %s: already %s',
                            image_id, what)
                return False
        self.layout.queue(image_id)
        return True

    def delete_queued_image(self, image_id):
        return self.layout.unqueue(image_id)

    def delete_all_queued_images(self):
        return sum(1 for image_id in self.layout.queued()
                   if self.layout.unqueue(image_id))

    # -- writing and reading -----------------------------------------------

    def open_writer(self, image_id, checksum=None):
        """A :class:`writer.CacheWriter` (see there).

        :raises AlreadyBeingCached: another request writes it.
        """
        return writer_mod.CacheWriter(self, image_id, checksum)

    @contextlib.contextmanager
    def open_for_write(self, image_id, checksum=None):
        """Context manager giving a writer; committed on a normal exit,
        dropped on an exception."""
        writer = self.open_writer(image_id, checksum)
        try:
            yield writer
        except BaseException:
            writer.abort()
            raise
        writer.commit()

    def cache_image_iter(self, image_id, chunks, checksum=None):
        """Cache all of *chunks*; return True when the entry is stored.

        :raises ChecksumMismatch: (entry moved to ``invalid/``).
        """
        try:
            writer = self.open_writer(image_id, checksum)
        except AlreadyBeingCached:
            return False
        try:
            for chunk in chunks:
                writer.write(chunk)
        except BaseException:
            writer.abort()
            raise
        return writer.commit()

    def cache_image_file(self, image_id, fileobj, checksum=None,
                         chunk_size=65536):
        return self.cache_image_iter(
            image_id, iter(lambda: fileobj.read(chunk_size), b''), checksum)

    def get_caching_iter(self, image_id, checksum, chunks):
        """Yield *chunks* while caching them (see :mod:`.tee`)."""
        from harness.service.cache import tee
        return tee.caching_iter(self, image_id, checksum, chunks)

    def open_for_read(self, image_id):
        """A :class:`tee.CachedFile` of the entry; the hit counts when it
        is closed after being read to the end.

        :raises FileNotFoundError: not cached.
        """
        from harness.service.cache import tee
        return tee.CachedFile(self, image_id)

    def record_hit(self, image_id):
        self.driver.hit(image_id)

    # -- maintenance -------------------------------------------------------

    def prune(self):
        """Delete least recently accessed entries until the cache holds at
        most ``image_cache_max_size`` bytes.

        :returns: ``(files_pruned, bytes_pruned)``.
        """
        entries = self.layout.entries()
        total = sum(st.st_size for _, st in entries)
        sizes = {image_id: st.st_size for image_id, st in entries}
        files = freed = 0
        for image_id in self.driver.access_order(entries):
            if total <= self.max_size:
                break
            if self.delete_cached_image(image_id):
                LOG.info('Pruned image %s from the cache', image_id)
                files += 1
                freed += sizes[image_id]
            total -= sizes[image_id]
        return files, freed

    def clean(self, stall_time=None):
        """Remove ``invalid/`` files and ``incomplete/`` files untouched
        for *stall_time* seconds (default ``image_cache_stall_time``).

        :returns: the number of files removed.
        """
        if stall_time is None:
            stall_time = self.stall_time
        return (self.layout.remove_older('invalid', 0)
                + self.layout.remove_older('incomplete', stall_time))
