"""Cache metadata in user extended attributes of the files.

``user.hits`` holds the hit count as a decimal string and ``user.error``
why a file was moved to ``invalid/``.  The last access time is the file's
atime, set explicitly on each hit (``relatime``/``noatime`` mounts would
otherwise hide reads); the last modification time is its mtime.
"""

import errno
import fcntl
import os
import time

from harness.service.cache import errors
from harness.service.cache import layout as layout_mod

HITS = 'user.hits'
ERROR = 'user.error'
_UNSUPPORTED = (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM)


def get_xattr(path, name, default=None):
    """The text of attribute *name* of *path*, or *default*."""
    try:
        return os.getxattr(path, name).decode('utf-8')
    except OSError as exc:
        if exc.errno in (errno.ENODATA,) + _UNSUPPORTED:
            return default
        raise


def set_xattr(path, name, value):
    os.setxattr(path, name, str(value).encode('utf-8'))


class XattrDriver(object):
    """Hit counts in ``user.hits`` of each cached file."""

    name = 'xattr'

    def __init__(self, layout):
        self.layout = layout

    def check(self):
        """Write ``user.hits`` on a temporary file ``checkme``.

        :raises errors.DriverError: the filesystem refuses user xattrs.
        """
        probe = self.layout.path('checkme')
        try:
            with open(probe, 'wb'):
                pass
            set_xattr(probe, HITS, 1)
        except OSError as exc:
            raise errors.DriverError(
                'The xattr image cache driver needs user extended '
                'attributes, which %s does not support: %s'
                % (self.layout.base_dir, exc.strerror)) from None
        finally:
            layout_mod.remove_quietly(probe)

    def committed(self, image_id, path, size, checksum=None):
        """Zero hits on *path*, the file about to become the entry."""
        set_xattr(path, HITS, 0)

    def invalidated(self, image_id, reason):
        try:
            set_xattr(self.layout.path(image_id, 'invalid'), ERROR, reason)
        except OSError:
            pass   # the file may already be gone; the reason is logged

    def hit(self, image_id):
        path = self.layout.path(image_id)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return   # deleted while it was being read
        try:
            # Workers of one API count hits in the same file: the lock
            # keeps two read-increment-writes from losing one.
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                hits = int(get_xattr(path, HITS, '0'))
            except ValueError:
                hits = 0
            set_xattr(path, HITS, hits + 1)
            os.utime(fd, ns=(time.time_ns(), os.fstat(fd).st_mtime_ns))
        except FileNotFoundError:
            pass   # deleted while it was being read
        finally:
            os.close(fd)   # releases the lock

    def forget(self, image_id):
        """Nothing to do: the metadata went with the file."""

    def _hits_of(self, path):
        try:
            return int(get_xattr(path, HITS, '0'))
        except (ValueError, FileNotFoundError):
            return 0

    def describe(self, entries):
        result = []
        for image_id, st in entries:
            hits = self._hits_of(self.layout.path(image_id))
            result.append({'image_id': image_id,
                           'last_accessed': st.st_atime if hits else 0.0,
                           'last_modified': st.st_mtime,
                           'size': st.st_size, 'hits': hits})
        return result

    def hits(self, image_id):
        return self._hits_of(self.layout.path(image_id))

    def access_order(self, entries):
        described = self.describe(entries)
        described.sort(key=lambda item: (item['last_accessed'],
                                         item['last_modified'],
                                         item['image_id']))
        return [item['image_id'] for item in described]
