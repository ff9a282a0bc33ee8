"""Per-worker MySQL/PostgreSQL databases, managed through SQLAlchemy.

``HARNESS_TEST_SQL_CONNECTION`` names a server database the user may
create databases next to (CI: ``test`` on MariaDB and PostgreSQL).  Each
test process works in its own database, ``<name>_h<pid>``:

* created, and synced with ``manage db sync``, the first time the process
  needs it (dropping a leftover of the same name first);
* emptied row by row after every test (:func:`reset`): far cheaper than
  re-running migrations, and the schema is left as ``db sync`` made it;
* dropped when the process exits.  A worker killed before that leaves its
  database behind; the next process to start drops every such database
  whose pid is no longer alive.
"""

import atexit
import os
import re

from harness import errors

_created = set()  # worker URLs this process created; dropped at exit


def worker_url(base_url, pid=None):
    """The URL of this process's own database next to *base_url*."""
    from sqlalchemy.engine import make_url
    url = make_url(base_url)
    name = '%s_h%d' % (url.database, pid or os.getpid())
    return url.set(database=name).render_as_string(hide_password=False)


def _admin_engine(base_url):
    from sqlalchemy import create_engine
    return create_engine(base_url, isolation_level='AUTOCOMMIT',
                         poolclass=_null_pool())


def _null_pool():
    from sqlalchemy.pool import NullPool
    return NullPool


def _quote(engine, name):
    return engine.dialect.identifier_preparer.quote_identifier(name)


def _drop_sql(engine, name):
    sql = 'DROP DATABASE IF EXISTS %s' % _quote(engine, name)
    if engine.dialect.name == 'postgresql':
        sql += ' WITH (FORCE)'  # a killed server may still hold sessions
    return sql


def _list_databases(conn):
    from sqlalchemy import text
    if conn.dialect.name == 'postgresql':
        rows = conn.execute(text('SELECT datname FROM pg_database'))
    else:
        rows = conn.execute(text('SHOW DATABASES'))
    return [row[0] for row in rows]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_dead(base_url, base=None):
    """Drop worker databases whose owning process no longer exists.

    :param base: the name worker databases are derived from (default: the
        database of *base_url*).
    """
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    base = base or make_url(base_url).database
    pattern = re.compile(r'^%s_h(\d+)$' % re.escape(base))
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            for name in _list_databases(conn):
                match = pattern.match(name)
                if match and not _pid_alive(int(match.group(1))):
                    conn.execute(text(_drop_sql(engine, name)))
    finally:
        engine.dispose()


def create(base_url, sync):
    """Create this process's database (once) and sync it with *sync(url)*.

    :returns: the worker database URL.
    """
    url = worker_url(base_url)
    if url in _created:
        return url
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    prune_dead(base_url)
    name = make_url(url).database
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(_drop_sql(engine, name)))
            conn.execute(text('CREATE DATABASE %s' % _quote(engine, name)))
    except Exception as exc:
        raise errors.DatabaseError('cannot create database %s: %s'
                                   % (name, exc)) from exc
    finally:
        engine.dispose()
    try:
        sync(url)
    except BaseException:
        _drop(base_url, [url])
        raise
    if not _created:
        atexit.register(drop_all, base_url)
    _created.add(url)
    return url


def reset(url):
    """Delete every row of the service's tables in *url*, children first.

    A database this process never created (a test that started no server)
    has nothing to reset: nothing is done.
    """
    if url not in _created:
        return
    from sqlalchemy import create_engine
    from sqlalchemy import inspect

    from harness.service.db import schema
    engine = create_engine(url, poolclass=_null_pool())
    try:
        with engine.begin() as conn:
            present = set(inspect(conn).get_table_names())
            for table in reversed(schema.metadata.sorted_tables):
                if table.name in present:
                    conn.execute(table.delete())
    finally:
        engine.dispose()


def _drop(base_url, urls):
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            for url in urls:
                conn.execute(text(_drop_sql(engine, make_url(url).database)))
    finally:
        engine.dispose()


def drop_all(base_url):
    """Drop every database this process created (run at exit)."""
    _drop(base_url, sorted(_created))
    _created.clear()
