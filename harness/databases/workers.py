"""Per-worker MySQL/PostgreSQL databases, managed through SQLAlchemy.

``HARNESS_TEST_SQL_CONNECTION`` names a server database the user may
create databases next to (CI: ``test`` on MariaDB and PostgreSQL).  Each
test process works in its own database, ``harness_<name>_<token>``, where
the token (:func:`harness.databases.lease.token`) is random: unique among every
host and PID namespace that shares the server, unlike a pid.

* Before creating it the process takes the database's **lease**
  (:mod:`harness.databases.lease`): a lock held on a connection it keeps
  open until it exits, which the server releases when that session dies.
* The database is created, and synced with ``manage db sync``, the first
  time the process needs it;
* emptied row by row after every test (:func:`reset`): far cheaper than
  re-running migrations, and the schema is left as ``db sync`` made it;
* dropped when the process exits.  A worker killed before that leaves its
  database behind; the next process to create one, on any host, drops
  every such database whose lease it can take (:func:`prune_dead`), and
  never one whose lease is held.
"""

import re

from harness import contract
from harness import errors
from harness.databases import lease
from harness.databases import tables
from harness.process import forks

#: What every worker database name starts with.
PREFIX = 'harness_'
#: The longest database name PostgreSQL keeps (MySQL: 64).
MAX_NAME = 63

_created = {}     # worker URL -> base URL, of what this process created
_leases = {}      # base URL -> this process's Lease on that server
_hooked = forks.PerProcess()  # True once this process has its exit hook


def worker_name(base):
    """This process's database name next to database *base*."""
    name = '%s%s_%s' % (PREFIX, base, lease.token())
    if len(name) > MAX_NAME:
        raise errors.DatabaseError(
            'worker database name %s is longer than %d characters: use a '
            'shorter database name in %s' % (name, MAX_NAME,
                                             contract.SQL_CONNECTION))
    return name


def worker_url(base_url):
    """The URL of this process's own database next to *base_url*."""
    from sqlalchemy.engine import make_url
    url = make_url(base_url)
    name = worker_name(url.database)
    return url.set(database=name).render_as_string(hide_password=False)


def _pattern(base):
    return re.compile(r'^%s%s_[0-9a-f]{%d}$' % (
        re.escape(PREFIX), re.escape(base), lease.TOKEN_DIGITS))


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


def prune_dead(base_url, base=None):
    """Drop the worker databases whose owners are dead, on any host.

    A database is dead when its lease is free: this session takes it,
    drops the database and lets the lease go.  A held lease means a live
    owner somewhere: that database is left alone.

    :param base: the name worker databases are derived from (default: the
        database of *base_url*).
    :returns: the names dropped.
    """
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    base = base or make_url(base_url).database
    pattern = _pattern(base)
    mine = {make_url(url).database for url in _created}
    mine.add(worker_name(base))
    dropped = []
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            for name in _list_databases(conn):
                if not pattern.match(name) or name in mine:
                    continue
                if not lease.try_lock(conn, name):
                    continue  # its owner lives
                try:
                    conn.execute(text(_drop_sql(engine, name)))
                    dropped.append(name)
                finally:
                    lease.unlock(conn, name)
    finally:
        engine.dispose()
    return dropped


def hold_lease(base_url, name):
    """Take this process's lease on *name* (kept until the process exits).

    :raises DatabaseError: if another live session holds it.
    """
    held = _leases.get(base_url)
    if not forks.mine(held):
        held = _leases[base_url] = lease.Lease(_admin_engine(base_url))
    if not held.hold(name):
        raise errors.DatabaseError(
            'database %s is leased by another live worker' % name)


def create(base_url, sync):
    """Create this process's database (once) and sync it with *sync(url)*.

    :returns: the worker database URL.
    """
    url = worker_url(base_url)
    if url in _created:
        return url
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    name = make_url(url).database
    engine = _admin_engine(base_url)
    _register_exit_hook()
    try:
        hold_lease(base_url, name)
        prune_dead(base_url)
        with engine.connect() as conn:
            # Ours by lease: a leftover of the same name can only be ours.
            conn.execute(text(_drop_sql(engine, name)))
            conn.execute(text('CREATE DATABASE %s' % _quote(engine, name)))
    except errors.HarnessError:
        raise
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
    _created[url] = base_url
    return url


def _register_exit_hook():
    if not _hooked.get():
        _hooked.set(True)
        _created.clear()  # a forked child owns nothing of its parent's
        # Only this process drops its databases, never a forked child.
        forks.at_exit(drop_all)


def reset(url):
    """Delete every row of *url*'s tables but the migration version,
    children first, in one transaction (:mod:`harness.databases.tables`).

    A database this process never created (a test that started no server)
    has nothing to reset: nothing is done.
    """
    if url not in _created:
        return
    with tables.Tables(url) as kept:
        kept.empty()


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


def forget(base_url):
    """Forget the databases this process made next to *base_url* and end
    its lease there, dropping nothing: their server is about to go away
    with its data (a private server stopped at exit, whichever ``atexit``
    hook runs first)."""
    for url in [url for url, of in _created.items() if of == base_url]:
        del _created[url]
    held = _leases.pop(base_url, None)
    if held is not None:
        held.close()


def drop_all(base_url=None):
    """Drop every database this process created, then end its leases.

    :param base_url: only those next to this base URL (default: all).
    """
    for base in sorted(set(_created.values()) | set(_leases)):
        if base_url is not None and base != base_url:
            continue
        mine = sorted(url for url, of in _created.items() if of == base)
        held = _leases.pop(base, None)
        try:
            if held is None or forks.mine(held):
                _drop(base, mine)
        finally:
            for url in mine:
                del _created[url]
            if held is not None:
                held.close()
