"""Helpers of the image cache functional tests (9a): what is on disk."""

import os
import sqlite3

from harness.glance import utils
from harness.tests.functional import v1_support as v1


def cache_dir(test):
    return test.api_server.image_cache_dir


def entries(test, kind=''):
    """Regular files of the cache directory (or of subdirectory *kind*)."""
    folder = os.path.join(cache_dir(test), kind)
    if not os.path.isdir(folder):
        return []
    return sorted(name for name in os.listdir(folder)
                  if os.path.isfile(os.path.join(folder, name))
                  and not name.startswith('cache.db'))


def cached_file(test, image_id):
    return os.path.join(cache_dir(test), image_id)


def read_cached(test, image_id):
    with open(cached_file(test, image_id), 'rb') as handle:
        return handle.read()


def wait_cached(test, image_id):
    """Wait until the entry of *image_id* is published (the server renames
    it once the last chunk went out, maybe after the client read it)."""
    v1.wait_for(lambda: os.path.exists(cached_file(test, image_id)))


def hits(test, image_id):
    """The hit count as the configured driver keeps it (``None``: no
    record)."""
    if test.api_server.image_cache_driver == 'xattr':
        try:
            return int(os.getxattr(cached_file(test, image_id),
                                   'user.hits'))
        except OSError:
            return None
    db = os.path.join(cache_dir(test), 'cache.db')
    with sqlite3.connect(db) as conn:
        row = conn.execute('SELECT hits FROM cached_images WHERE '
                           'image_id = ?', (image_id,)).fetchone()
    conn.close()
    return row[0] if row else None


def wait_hits(test, image_id, count):
    """Hits are counted when the server closes the body: wait for it."""
    v1.wait_for(lambda: hits(test, image_id) == count)


def xattr_usable(test):
    folder = test.test_dir
    utils.safe_mkdirs(folder)
    return utils.xattr_writes_supported(folder)


def overwrite(path, data):
    """Replace the bytes of *path* in place (same inode, same size)."""
    with open(path, 'r+b') as handle:
        handle.write(data)
