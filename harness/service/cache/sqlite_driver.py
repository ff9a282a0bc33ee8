"""Cache metadata in ``<image_cache_dir>/cache.db``.

One connection per process, opened on first use and shared by its
threads under a lock (the server runs a thread per client connection, so
a connection per thread would be a connection per request).  It never
crosses a fork: it is keyed by pid.  Between the API's worker processes
and the cache tools, sqlite's own locking (with a busy timeout)
serialises the writers.  The database is in WAL mode with ``synchronous
= NORMAL``: a commit appends to ``cache.db-wal`` without an ``fsync``
(a rollback journal would create, flush and unlink a file on every
commit: 15 ms per cache hit on a busy disk), and a crash can lose at
most the last counts -- the entries themselves are files published by
``rename``.
"""

import contextlib
import os
import sqlite3
import threading
import time

from harness.service.cache import errors

SCHEMA = """CREATE TABLE IF NOT EXISTS cached_images (
    image_id TEXT PRIMARY KEY,
    last_accessed REAL DEFAULT 0.0,
    last_modified REAL DEFAULT 0.0,
    size INTEGER DEFAULT 0,
    hits INTEGER DEFAULT 0,
    checksum TEXT
)"""
BUSY_TIMEOUT = 30.0


class SqliteDriver(object):
    """Hit counts and times in a sqlite table."""

    name = 'sqlite'

    def __init__(self, layout, db_name='cache.db'):
        self.layout = layout
        self.db_path = layout.path(db_name)
        self._lock = threading.Lock()
        self._conn = None
        self._pid = None

    def check(self):
        """Create the table.

        :raises errors.DriverError: the database cannot be opened.
        """
        try:
            with self._lock:
                # Persistent in the file; not allowed inside a transaction.
                self._connection().execute('PRAGMA journal_mode = WAL')
            with self._connect() as conn:
                conn.execute(SCHEMA)
        except sqlite3.Error as exc:
            self.close()
            raise errors.DriverError('Failed to initialize the image cache '
                                     'database %s: %s'
                                     % (self.db_path, exc)) from None
        # The process that checks (the parent of the workers) needs no
        # connection afterwards.
        self.close()

    def _connection(self):
        """This process's connection (call with the lock held)."""
        if self._pid != os.getpid():
            # First use, or a child forked after the parent's first use:
            # the parent's connection is left alone.
            self._conn = sqlite3.connect(
                self.db_path, timeout=BUSY_TIMEOUT, isolation_level=None,
                check_same_thread=False)
            self._conn.execute('PRAGMA synchronous = NORMAL')
            self._pid = os.getpid()
        return self._conn

    def close(self):
        """Close this process's connection (reopened on next use)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = self._pid = None

    @contextlib.contextmanager
    def _connect(self, write=True):
        with self._lock:
            conn = self._connection()
            try:
                conn.execute('BEGIN IMMEDIATE' if write else 'BEGIN')
                yield conn
                conn.execute('COMMIT')
            except BaseException:
                if conn.in_transaction:
                    conn.execute('ROLLBACK')
                raise

    def committed(self, image_id, path, size, checksum=None):
        """Record the entry about to be published from *path*."""
        with self._connect() as conn:
            conn.execute('INSERT OR REPLACE INTO cached_images (image_id, '
                         'last_accessed, last_modified, hits, size, checksum)'
                         ' VALUES (?, 0.0, ?, 0, ?, ?)',
                         (image_id, time.time(), size, checksum))

    def invalidated(self, image_id, reason):
        """Nothing to record: the file in ``invalid/`` is the record."""

    def hit(self, image_id):
        with self._connect() as conn:
            conn.execute('UPDATE cached_images SET hits = hits + 1, '
                         'last_accessed = ? WHERE image_id = ?',
                         (time.time(), image_id))

    def forget(self, image_id):
        with self._connect() as conn:
            conn.execute('DELETE FROM cached_images WHERE image_id = ?',
                         (image_id,))

    def _rows(self):
        with self._connect(write=False) as conn:
            return {row[0]: row for row in conn.execute(
                'SELECT image_id, last_accessed, last_modified, size, hits '
                'FROM cached_images')}

    def describe(self, entries):
        """Dicts for the ``(image_id, stat)`` *entries* (files on disk).

        A file without a row (written by another tool, or a row lost)
        shows as never accessed with the file's own size and mtime.
        """
        rows = self._rows()
        result = []
        for image_id, st in entries:
            row = rows.get(image_id)
            if row is None:
                row = (image_id, 0.0, st.st_mtime, st.st_size, 0)
            result.append({'image_id': image_id, 'last_accessed': row[1],
                           'last_modified': row[2], 'size': st.st_size,
                           'hits': row[4]})
        return result

    def hits(self, image_id):
        with self._connect(write=False) as conn:
            row = conn.execute('SELECT hits FROM cached_images '
                               'WHERE image_id = ?', (image_id,)).fetchone()
        return row[0] if row else 0

    def access_order(self, entries):
        """The ids of *entries*, least recently accessed first."""
        rows = self._rows()

        def key(item):
            row = rows.get(item[0])
            accessed = row[1] if row else 0.0
            modified = row[2] if row else item[1].st_mtime
            # Never-read entries go first, the oldest of them first.
            return (accessed, modified, item[0])
        return [image_id for image_id, _ in sorted(entries, key=key)]
