"""Putting a stack's state back as it was when it started, and checking it.

The pieces :class:`harness.stack.reuse.ReusableStack` resets between two
tests, beside the tables of the stack's database
(:class:`harness.databases.tables.Tables`):

* :class:`Tree`: a directory (images, cache, scrub queue, ``etc/``) as
  captured after the start, every name and every file's bytes: what was
  added is removed, what changed is written back;
* :class:`CacheIndex`: the sqlite index of the image cache, emptied in
  place (the API keeps it open: the file must stay).

Each raises :class:`harness.errors.HarnessError` subclasses only through
its caller; here errors are the database's or ``OSError``.
"""

import os
import shutil
import sqlite3

from harness.databases.tables import SQLITE_TIMEOUT


def _walk(root, skip=()):
    """``{relative path: is_dir}`` of everything under *root* (None if
    *root* does not exist); *skip* names at the top are left out."""
    found = {}
    try:
        pending = [(root, '')]
        while pending:
            folder, prefix = pending.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not prefix and entry.name in skip:
                        continue
                    rel = prefix + entry.name
                    is_dir = entry.is_dir(follow_symlinks=False)
                    found[rel] = is_dir
                    if is_dir:
                        pending.append((entry.path, rel + '/'))
    except FileNotFoundError:
        if not found and not os.path.isdir(root):
            return None
        raise
    return found


def _under(rel, folders):
    parts = rel.split('/')
    return any('/'.join(parts[:i]) in folders for i in range(1, len(parts)))


def _read(path):
    with open(path, 'rb') as handle:
        return handle.read()


class Tree(object):
    """Directory *root* as it is now: names, kinds and file bytes.

    :param skip: names directly under *root* left alone (the cache index).
    """

    def __init__(self, root, skip=()):
        self.root = root
        self.skip = frozenset(skip)
        names = _walk(root, self.skip)
        self.baseline = None if names is None else {
            rel: None if is_dir else _read(os.path.join(root, rel))
            for rel, is_dir in names.items()}

    def _path(self, rel):
        return os.path.join(self.root, rel)

    def restore(self):
        """Remove what was added, write back what changed; return the
        relative paths changed (for messages)."""
        names = _walk(self.root, self.skip)
        if self.baseline is None:
            if names is not None:
                shutil.rmtree(self.root)
                return ['.']
            return []
        changed = []
        if names is None:  # the test removed the directory itself
            os.makedirs(self.root)
            names, changed = {}, ['.']
        removed = set()
        for rel in sorted(set(names) - set(self.baseline)):
            if _under(rel, removed):
                continue  # went with a directory removed before
            changed.append(rel)
            if names[rel]:
                shutil.rmtree(self._path(rel))
                removed.add(rel)
            else:
                os.unlink(self._path(rel))
        for rel, data in sorted(self.baseline.items()):
            changed += self._put_back(rel, data, names.get(rel))
        return changed

    def _put_back(self, rel, data, is_dir):
        path = self._path(rel)
        if data is None:
            if is_dir is None:
                os.makedirs(path)
                return [rel]
            return []
        if is_dir is False and _read(path) == data:
            return []
        with open(path, 'wb') as handle:
            handle.write(data)
        return [rel]

    def differences(self):
        """Relative paths that differ from the baseline (empty: none)."""
        names = _walk(self.root, self.skip)
        if self.baseline is None or names is None:
            return [] if names is self.baseline else ['.']
        diff = set(names) ^ set(self.baseline)
        for rel, data in self.baseline.items():
            if rel not in diff and (names[rel] != (data is None) or (
                    data is not None and _read(self._path(rel)) != data)):
                diff.add(rel)
        return sorted(diff)

    def file_changed(self, rel):
        """True if file *rel* differs from its captured bytes."""
        try:
            return _read(self._path(rel)) != self.baseline.get(rel)
        except FileNotFoundError:
            return True


class CacheIndex(object):
    """The sqlite index of the image cache in *cache_dir*, if it has one.

    Emptied in place: the API holds the database open, so removing the
    file would leave it writing to a file nobody sees.
    """

    #: What the index is made of, directly under the cache directory.
    FILES = ('cache.db', 'cache.db-wal', 'cache.db-shm', 'cache.db-journal')

    def __init__(self, cache_dir):
        self.path = os.path.join(cache_dir, 'cache.db')
        self._conn = None

    def _connection(self):
        if self._conn is None and os.path.exists(self.path):
            self._conn = sqlite3.connect(self.path, timeout=SQLITE_TIMEOUT,
                                         isolation_level=None,
                                         check_same_thread=False)
        return self._conn

    def rows(self):
        """Entries in the index (0 without an index)."""
        conn = self._connection()
        if conn is None:
            return 0
        try:
            return conn.execute(
                'SELECT COUNT(*) FROM cached_images').fetchone()[0]
        except sqlite3.OperationalError as exc:
            if 'no such table' in str(exc):
                return 0  # the file is there, the table not yet
            raise

    def empty(self):
        """Delete every entry of the index."""
        if self.rows():
            self._conn.execute('DELETE FROM cached_images')

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
