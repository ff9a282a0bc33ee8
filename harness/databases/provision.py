"""A server's database: which URL it gets, and a synced database there.

:func:`default_url` is the URL a server gets, :func:`provision` puts a
synced database behind it; both read ``HARNESS_TEST_SQL_CONNECTION``
(:func:`sql_base_url`).

*sqlite* (the default, a file in the test dir): ``manage db sync`` runs
once per schema; the synced file is cached under :func:`cache_dir` with
the schema fingerprint in its name, so a schema change invalidates it and
parallel workers share it safely (written to a temporary name, then
renamed; a lock file makes one worker sync while the others wait).
Later tests copy it: milliseconds.

*MySQL/PostgreSQL*: the test process's own database on that server,
created and synced once by :mod:`harness.databases.workers` (which also empties
it after each test and drops it at exit); a bare ``postgresql`` or
``mysql`` names a server the harness starts itself
(:mod:`harness.databases.private`).
"""

import fcntl
import functools
import os
import shutil
import subprocess
import sys
import tempfile

from harness import contract
from harness import errors
from harness.databases import urls
from harness.databases import workers as sqldb
from harness.databases.cache import CACHE_DIR_ENV  # noqa: F401 (public)
from harness.databases.cache import cache_dir
from harness.databases.urls import SQLITE_PREFIX  # noqa: F401 (public)
from harness.databases.urls import is_sqlite
from harness.glance import templates

SQL_ENV = contract.SQL_CONNECTION
SQLITE_FILE_ENV = contract.SQLITE_FILE
#: The conf ``manage db sync`` runs with, in a server's ``etc`` dir.
MANAGE_CONF = 'harness-manage.conf'


def default_url(test_dir):
    """sqlite in *test_dir*, or this worker's own server database."""
    base = sql_base_url()
    if base:
        return sqldb.worker_url(base)
    return SQLITE_PREFIX + os.path.join(test_dir, 'tests.sqlite')


def provision(url, etc_dir):
    """Put a synced database at *url* (what :func:`default_url` gave, or
    any sqlite URL) unless one is there; ``manage``'s conf goes to
    *etc_dir*.

    :returns: the URL of the database.
    """
    if is_sqlite(url):
        conf = write_manage_conf(etc_dir, url)
        target = urls.sqlite_path(url)
        if not os.path.exists(target):
            install_sqlite(target, conf)
        return url
    # The worker database: sqldb computes its URL and syncs that one.
    return sqldb.create(sql_base_url(), lambda worker: run_db_sync(
        write_manage_conf(etc_dir, worker)))


def write_manage_conf(etc_dir, url):
    """Write ``manage``'s conf for database *url*; return its path."""
    path = os.path.join(etc_dir, MANAGE_CONF)
    with open(path, 'w') as handle:
        handle.write(templates.MANAGE_CONF % {'sql_connection': url})
    return path


def cache_key():
    """What a synced DB depends on: migrations, SQLAlchemy and sqlite."""
    import hashlib
    import sqlite3

    from harness.service import db
    parts = (db.schema_fingerprint(), _sqlalchemy_version(),
             sqlite3.sqlite_version)
    return hashlib.sha256('|'.join(parts).encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def _sqlalchemy_version():
    # Once per process: reading the distribution's metadata costs about
    # 1 ms, on every server start otherwise.
    from importlib import metadata
    return metadata.version('SQLAlchemy')


def manage_command(conf_file, *args):
    """The argv that runs ``manage`` with *conf_file*."""
    return [sys.executable, '-m', 'harness.cmd.manage',
            '--config-file', conf_file] + list(args)


def run_db_sync(conf_file):
    """Run ``manage db sync`` as a real process; raise with its output."""
    proc = subprocess.run(manage_command(conf_file, 'db', 'sync'),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        raise errors.DatabaseError(
            'db sync failed with status %d: %s'
            % (proc.returncode, (proc.stderr or proc.stdout).strip()))


def install_sqlite(target, conf_file):
    """Put a freshly synced sqlite database at *target*.

    Uses ``HARNESS_DB_TEST_SQLITE_FILE`` when it names an existing file,
    else the cache, syncing into the cache first when it has no entry.
    """
    given = os.environ.get(SQLITE_FILE_ENV)
    if given and os.path.exists(given):
        shutil.copyfile(given, target)
        return
    cached = os.path.join(cache_dir(), 'synced-%s.sqlite' % cache_key())
    if not os.path.exists(cached):
        _fill_cache(cached, target, conf_file)
    shutil.copyfile(cached, target)


def _fill_cache(cached, target, conf_file):
    folder = os.path.dirname(cached)
    with open(os.path.join(folder, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(cached):
            return  # another worker synced while we waited
        run_db_sync(conf_file)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
        os.close(fd)
        try:
            shutil.copyfile(target, tmp)
            os.replace(tmp, cached)
        except BaseException:
            os.unlink(tmp)
            raise
        _prune(folder, os.path.basename(cached))


def _prune(folder, keep):
    # Entries for older schemas are never valid again.
    for name in os.listdir(folder):
        if name.startswith('synced-') and name != keep:
            os.unlink(os.path.join(folder, name))


def sql_base_url():
    """The server database that ``HARNESS_TEST_SQL_CONNECTION`` names
    (``None``: sqlite).  A bare ``postgresql`` or ``mysql`` names this
    process's private server (:mod:`harness.databases.private`), started on
    first use."""
    value = os.environ.get(SQL_ENV)
    if not value:
        return None
    from harness.databases import private as privatedb
    return privatedb.base_url(value)


def reset_database(url):
    """Empty the MySQL/PostgreSQL database *url* (sqlite: nothing to do;
    its file goes with the test directory, which
    ``HARNESS_KEEP_TEST_DIR`` keeps)."""
    if not is_sqlite(url):
        sqldb.reset(url)
