"""Emptying a database's tables, written once.

Two resets empty the tables of a server's database:
:func:`harness.databases.workers.reset` after each test that used a
worker's MySQL/PostgreSQL database, and the reset of a reused stack
(:mod:`harness.stack.reuse`) between two tests, on any database.  Both
use :class:`Tables`: every table but the migration version table,
children before parents, emptied in one transaction on one connection
and counted with one ``SELECT`` (sqlite, MariaDB/MySQL, PostgreSQL).
Errors are the database's own.
"""

import sqlite3

from harness.databases import urls

#: The migration version table: the schema level, never emptied.
VERSION_TABLE = 'alembic_version'
#: Seconds a write waits for a sqlite lock held by a server.
SQLITE_TIMEOUT = 10.0


def _sqlite_tables(conn):
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = "
                        "'table' AND name NOT LIKE 'sqlite_%'").fetchall()
    return sorted(name for (name,) in rows if name != VERSION_TABLE)


def _server_tables(conn):
    """Children before parents (foreign keys), then tables the schema
    does not know, in name order."""
    from sqlalchemy import inspect

    from harness.service.db import schema
    present = set(inspect(conn).get_table_names()) - {VERSION_TABLE}
    known = [t.name for t in reversed(schema.metadata.sorted_tables)
             if t.name in present]
    return known + sorted(present - set(known))


def _sqlite_connection(url):
    # Autocommit: each statement list is one explicit transaction.
    conn = sqlite3.connect(urls.sqlite_path(url), timeout=SQLITE_TIMEOUT,
                           isolation_level=None, check_same_thread=False)
    # A test database: no fsync, and a rollback journal in memory (3 ms
    # less per reset on ext4).  Both are this connection's own; a WAL
    # database keeps its mode.
    conn.execute('PRAGMA synchronous = OFF')
    mode = conn.execute('PRAGMA journal_mode').fetchone()[0]
    if mode.lower() == 'delete':
        conn.execute('PRAGMA journal_mode = MEMORY')
    return conn


def _server_connection(engine):
    conn = engine.connect()
    if engine.dialect.name == 'postgresql':
        # A test database: a commit need not wait for its fsync.
        conn.exec_driver_sql('SET synchronous_commit TO OFF')
        conn.commit()  # a rolled back SET would be undone
    return conn


class Tables(object):
    """The tables of the database at *url*, on a connection kept open
    until :meth:`close` (or the end of a ``with`` block).

    sqlite is reached with the standard library (no pool, no SQLAlchemy
    on the path); MySQL and PostgreSQL through SQLAlchemy.
    """

    def __init__(self, url):
        self.url = url
        self._engine = None
        self._conn = None
        try:
            self._open(url)
        except BaseException:
            self.close()
            raise
        self._count_sql = 'SELECT %s' % ', '.join(
            '(SELECT COUNT(*) FROM %s)' % name for name in self._quoted)

    def _open(self, url):
        if urls.is_sqlite(url):
            self._conn = _sqlite_connection(url)
            self.names = _sqlite_tables(self._conn)
            quote = '"%s"'.__mod__
        else:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool
            self._engine = create_engine(url, poolclass=NullPool)
            self._conn = _server_connection(self._engine)
            self.names = _server_tables(self._conn)
            self._conn.rollback()
            quote = self._engine.dialect.identifier_preparer.quote_identifier
        self._quoted = [quote(name) for name in self.names]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def counts(self):
        """``{table: rows}`` of every table, read in one statement."""
        if self._engine is None:
            row = self._conn.execute(self._count_sql).fetchone()
        else:
            row = self._conn.exec_driver_sql(self._count_sql).fetchone()
            self._conn.rollback()  # a fresh snapshot for the next read
        return dict(zip(self.names, row))

    def empty(self, counts=None):
        """Delete every row, in one transaction.

        :param counts: what :meth:`counts` read: only the tables it shows
            rows in are emptied (the others are empty already).  Default:
            every table.
        """
        doomed = [quoted for name, quoted in zip(self.names, self._quoted)
                  if counts is None or counts[name]]
        if not doomed:
            return
        statements = ['DELETE FROM %s' % name for name in doomed]
        if self._engine is None:
            self._conn.executescript('BEGIN IMMEDIATE; %s; COMMIT;'
                                     % '; '.join(statements))
            return
        with self._conn.begin():
            for statement in statements:
                self._conn.exec_driver_sql(statement)

    def close(self):
        """Close the kept connection."""
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                conn.close()
        finally:
            if self._engine is not None:
                self._engine.dispose()
