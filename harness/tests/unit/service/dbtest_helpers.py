"""Databases for the DB-layer unit tests: sqlite files and scratch
MariaDB/PostgreSQL databases.

A scratch database is named ``harness_unit_<pid>_<n>``, created next to the
server's ``test`` database and dropped by a cleanup registered right after
its creation (per test with :func:`scratch_url`, per test class with
:class:`SharedDatabase`).  Scratch databases of dead processes (a killed
test run) are dropped the first time a process creates one.  A test
needing a server that does not answer is skipped.  The server URLs can be
overridden with ``HARNESS_UNIT_MYSQL_URL`` and
``HARNESS_UNIT_POSTGRESQL_URL``.
"""

import itertools
import os
import re
import shutil
import tempfile
import unittest

import fixtures
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from harness.process import pgroups
from harness.service.db import migrate
from harness.service.db import schema

SERVER_URLS = {
    'mysql': os.environ.get('HARNESS_UNIT_MYSQL_URL',
                            'mysql+pymysql://root@127.0.0.1/test'),
    'postgresql': os.environ.get('HARNESS_UNIT_POSTGRESQL_URL',
                                 'postgresql+psycopg2://postgres@127.0.0.1'
                                 '/test'),
}

_counter = itertools.count()


def sqlite_url(test, name='test.sqlite'):
    """URL of a not yet existing sqlite file in a fresh temp dir."""
    folder = test.useFixture(fixtures.TempDir()).path
    return 'sqlite:///' + os.path.join(folder, name)


def scratch_url(test, backend):
    """Create a scratch database on *backend* for one test; return its URL.

    :param backend: ``'sqlite'``, ``'mysql'`` or ``'postgresql'``.
    """
    if backend == 'sqlite':
        return sqlite_url(test)
    try:
        url, admin, name = create_database(backend)
    except unittest.SkipTest as exc:
        test.skipTest(str(exc))
    test.addCleanup(drop_database, admin, name)
    return url


def create_database(backend):
    """Create a scratch database on the *backend* server.

    :returns: ``(url, admin_engine, name)``; pass the last two to
        :func:`drop_database`.
    :raises unittest.SkipTest: the server is unreachable.
    """
    server = sa.engine.make_url(SERVER_URLS[backend])
    name = 'harness_unit_%d_%d' % (os.getpid(), next(_counter))
    admin = sa.create_engine(server, isolation_level='AUTOCOMMIT',
                             poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            _prune_dead(connection)
            connection.exec_driver_sql('CREATE DATABASE %s' % name)
    except sa_exc.OperationalError as exc:
        admin.dispose()
        raise unittest.SkipTest(
            '%s server at %s is unreachable: %s'
            % (backend, server.render_as_string(),
               str(exc.orig).splitlines()[0])) from None
    url = server.set(database=name).render_as_string(hide_password=False)
    return url, admin, name


def drop_database(admin, name):
    """Drop scratch database *name* and dispose of *admin*."""
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(_drop_sql(admin, name))
    finally:
        admin.dispose()


def _drop_sql(engine, name):
    # FORCE: a connection a failed test did not close must not block it.
    force = ' WITH (FORCE)' if engine.dialect.name == 'postgresql' else ''
    return 'DROP DATABASE IF EXISTS %s%s' % (name, force)


_pruned = set()


def _prune_dead(connection):
    """Drop scratch databases whose creating process is gone (once)."""
    if connection.dialect.name in _pruned:
        return
    _pruned.add(connection.dialect.name)
    if connection.dialect.name == 'postgresql':
        names = connection.exec_driver_sql('SELECT datname FROM pg_database')
    else:
        names = connection.exec_driver_sql('SHOW DATABASES')
    for (name,) in list(names):
        found = re.fullmatch(r'harness_unit_(\d+)_\d+', name)
        if found and not pgroups.pid_alive(int(found.group(1))):
            connection.exec_driver_sql(_drop_sql(connection, name))


class SharedDatabase(object):
    """A scratch database synced once and shared by one test class.

    Create it in ``setUpClass`` and :meth:`drop` it in ``tearDownClass``;
    :meth:`empty` between tests deletes every row.

    :raises unittest.SkipTest: the server is unreachable.
    """

    def __init__(self, backend):
        self._admin = self._name = self._folder = None
        if backend == 'sqlite':
            self._folder = tempfile.mkdtemp(prefix='harness-unit-')
            self.url = 'sqlite:///' + os.path.join(self._folder, 'db.sqlite')
        else:
            self.url, self._admin, self._name = create_database(backend)
        try:
            migrate.db_sync(self.url)
        except BaseException:
            self.drop()
            raise

    def engine(self, test):
        """An engine on the database, disposed of after *test*."""
        engine = sa.create_engine(self.url)
        test.addCleanup(engine.dispose)
        return engine

    def empty(self):
        """Delete every row of every table, children first."""
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                for table in reversed(schema.TABLES):
                    connection.execute(table.delete())
        finally:
            engine.dispose()

    def drop(self):
        """Drop the database (remove the sqlite directory)."""
        if self._folder is not None:
            shutil.rmtree(self._folder)
        if self._admin is not None:
            drop_database(self._admin, self._name)


def synced_engine(test, backend='sqlite'):
    """An engine on a scratch database migrated to the latest level."""
    url = scratch_url(test, backend)
    migrate.db_sync(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    test.addCleanup(engine.dispose)
    return engine


def table_names(url):
    """Return the sorted table names of the database at *url*."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def schema_differences(url):
    """Alembic's differences between the database at *url* and
    :data:`harness.service.db.schema.metadata` (``[]``: identical)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            # Server defaults are checked on the DDL instead: MySQL reflects
            # ``false`` as ``'0'``, which alembic reports as a difference.
            context = MigrationContext.configure(
                connection, opts={'compare_type': True,
                                  'compare_server_default': False})
            return compare_metadata(context, schema.metadata)
    finally:
        engine.dispose()
