"""Databases for the DB-layer unit tests: sqlite files and scratch
MariaDB/PostgreSQL databases.

A scratch database is named ``harness_unit_<pid>_<n>``, created next to the
server's ``test`` database and dropped by a cleanup registered right after
its creation.  A test needing a server that does not answer is skipped.
The server URLs can be overridden with ``HARNESS_UNIT_MYSQL_URL`` and
``HARNESS_UNIT_POSTGRESQL_URL``.
"""

import itertools
import os

import fixtures
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

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
    """Create a scratch database on *backend*; return its URL.

    :param backend: ``'sqlite'``, ``'mysql'`` or ``'postgresql'``.
    """
    if backend == 'sqlite':
        return sqlite_url(test)
    server = sa.engine.make_url(SERVER_URLS[backend])
    name = 'harness_unit_%d_%d' % (os.getpid(), next(_counter))
    admin = sa.create_engine(server, isolation_level='AUTOCOMMIT',
                             poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql('CREATE DATABASE %s' % name)
    except sa_exc.OperationalError as exc:
        admin.dispose()
        test.skipTest('%s server at %s is unreachable: %s'
                      % (backend, server.render_as_string(),
                         str(exc.orig).splitlines()[0]))
    test.addCleanup(_drop_database, admin, name)
    return server.set(database=name).render_as_string(hide_password=False)


def _drop_database(admin, name):
    try:
        with admin.connect() as connection:
            suffix = ' WITH (FORCE)' if admin.dialect.name == 'postgresql' \
                else ''
            connection.exec_driver_sql('DROP DATABASE IF EXISTS %s%s'
                                       % (name, suffix))
    finally:
        admin.dispose()


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
