"""The cache directory on disk.

``<dir>/<id>`` is a complete, checksum-verified entry; ``incomplete/<id>``
is being written; ``invalid/<id>`` failed verification or writing;
``queue/<id>`` is an empty marker asking the prefetcher for the image.
Both drivers share this layout; they differ only in where they keep the
hit counts and access times (see :mod:`.sqlite_driver`,
:mod:`.xattr_driver`).
"""

import logging
import os
import stat
import time

LOG = logging.getLogger(__name__)

SUBDIRS = ('incomplete', 'invalid', 'queue')
#: sqlite's companions of a database file.
_DB_SUFFIXES = ('', '-journal', '-wal', '-shm')


def remove_quietly(path):
    """Unlink *path*; a missing file is fine. Return whether it existed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


class Layout(object):
    """Paths and plain file operations of one cache directory."""

    def __init__(self, base_dir, db_name='cache.db'):
        self.base_dir = os.path.abspath(base_dir)
        # Files of the cache directory that are not entries.
        self.not_entries = frozenset(
            [db_name + suffix for suffix in _DB_SUFFIXES] + ['checkme'])

    def create(self):
        """Create the cache directory and its subdirectories."""
        for sub in ('',) + SUBDIRS:
            os.makedirs(os.path.join(self.base_dir, sub), exist_ok=True)

    def path(self, image_id, kind=''):
        """Path of *image_id* in the base dir or in subdirectory *kind*.

        :raises ValueError: an id that would escape the directory.
        """
        if (not image_id or '/' in image_id or image_id in ('.', '..')
                or '\0' in image_id):
            raise ValueError('invalid image id %r' % (image_id,))
        return os.path.join(self.base_dir, kind, image_id)

    def entries(self, kind=''):
        """``(image_id, os.stat_result)`` of the regular files in *kind*."""
        folder = os.path.join(self.base_dir, kind)
        found = []
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return found
        for name in names:
            if not kind and (name in self.not_entries
                             or name.startswith('.')):
                continue
            try:
                st = os.stat(os.path.join(folder, name))
            except FileNotFoundError:
                continue   # removed meanwhile
            if stat.S_ISREG(st.st_mode):
                found.append((name, st))
        return found

    def exists(self, image_id, kind=''):
        return os.path.exists(self.path(image_id, kind))

    def size_of(self, image_id):
        """Size of the complete entry, or ``None`` when not cached."""
        try:
            return os.stat(self.path(image_id)).st_size
        except FileNotFoundError:
            return None

    def total_size(self):
        """Bytes held by complete entries."""
        return sum(st.st_size for _, st in self.entries())

    # -- queue -------------------------------------------------------------

    def queue(self, image_id):
        with open(self.path(image_id, 'queue'), 'wb'):
            pass

    def queued(self):
        """Queued ids, oldest marker first."""
        found = self.entries('queue')
        found.sort(key=lambda item: (item[1].st_mtime_ns, item[0]))
        return [image_id for image_id, _ in found]

    def unqueue(self, image_id):
        return remove_quietly(self.path(image_id, 'queue'))

    # -- cleaning ----------------------------------------------------------

    def remove_older(self, kind, max_age):
        """Remove files of *kind* not modified for *max_age* seconds."""
        now = time.time()
        count = 0
        for image_id, st in self.entries(kind):
            if now - st.st_mtime >= max_age:
                if remove_quietly(self.path(image_id, kind)):
                    LOG.info('Removed %s cache file of image %s',
                             kind, image_id)
                    count += 1
        return count
