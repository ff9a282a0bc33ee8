"""Schema migration commands: thin wrappers over Alembic.

Levels are Glance's migration numbers: revision ``'034'`` is level 34 (the
2014.1 schema), ``'000'`` the empty level 0.  Alembic is configured from
code (no ``alembic.ini``) with :data:`harness.service.db.MIGRATIONS_DIR` as
its script location, and runs on a connection opened here so that one
command is one transaction where the back end allows it.

Every failure is raised as :class:`~harness.service.errors
.MigrationError` with a one-line message, which ``manage`` prints as
``ERROR: <message>``.
"""

import contextlib
import io

from alembic import command
from alembic import config as alembic_config
from alembic import script as alembic_script
from alembic import util as alembic_util
from alembic.runtime import migration
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from harness.service.db import MIGRATIONS_DIR
from harness.service.errors import MigrationError

VERSION_TABLE = 'alembic_version'

NOT_CONTROLLED = ('The database is not under version control, but has '
                  'tables. Please stamp the current version of the schema '
                  'manually.')


def db_version(url):
    """Return the current level as an int (0 for an empty database).

    :raises MigrationError: tables exist but no version is recorded.
    """
    with _connection(url) as connection:
        level = _current_level(connection)
    return 0 if level is None else level


def db_sync(url, version=None, current_version=None):
    """Bring the schema to *version* (default: the latest level).

    Upgrades or downgrades as needed; running it twice changes nothing.

    :param current_version: first record this level as the current one
        (for a database created without version control).
    """
    with _connection(url) as connection:
        if current_version is not None:
            _stamp(connection, current_version)
        current = _current_level(connection)
        target = _revision(version)
        if current is not None and current > _level(target):
            _run(connection, command.downgrade, target)
        else:
            _run(connection, command.upgrade, target)


def db_upgrade(url, version=None):
    """Upgrade to *version* (default: the latest level)."""
    with _connection(url) as connection:
        _current_level(connection)
        _run(connection, command.upgrade, _revision(version))


def db_downgrade(url, version):
    """Downgrade to *version*, which is required."""
    if version is None:
        raise MigrationError('version is required for a downgrade')
    with _connection(url) as connection:
        _current_level(connection)
        _run(connection, command.downgrade, _revision(version))


def db_version_control(url, version=None):
    """Record *version* (default 0) as the current level of the database.

    :raises MigrationError: the database is already under version control.
    """
    with _connection(url) as connection:
        _stamp(connection, 0 if version is None else version)


def known_levels():
    """Return the sorted list of levels the migrations provide."""
    return sorted(_levels_to_revisions())


def _stamp(connection, version):
    if _current_revision(connection) is not None:
        raise MigrationError('The database is already under version control')
    _run(connection, command.stamp, _revision(version))


def _current_level(connection):
    """Level recorded in the database, or ``None`` if none (and empty)."""
    revision = _current_revision(connection)
    if revision is not None:
        return _level(revision)
    tables = set(sa.inspect(connection).get_table_names())
    if tables - {VERSION_TABLE}:
        raise MigrationError(NOT_CONTROLLED)
    return None


def _current_revision(connection):
    context = migration.MigrationContext.configure(
        connection, opts={'version_table': VERSION_TABLE})
    return context.get_current_revision()


def _level(revision):
    return int(revision)


def _revision(version):
    """Map a level (int or digit string; ``None`` = latest) to a revision."""
    revisions = _levels_to_revisions()
    if version is None:
        return revisions[max(revisions)]
    try:
        level = int(str(version).strip())
    except ValueError:
        raise MigrationError('version should be an integer') from None
    if level not in revisions:
        known = ', '.join(str(n) for n in sorted(revisions))
        raise MigrationError('Unknown database version %d; known versions: '
                             '%s' % (level, known))
    return revisions[level]


def _levels_to_revisions():
    scripts = alembic_script.ScriptDirectory(MIGRATIONS_DIR)
    return {_level(script.revision): script.revision
            for script in scripts.walk_revisions()}


def _run(connection, func, revision):
    """Run an ``alembic.command`` function on *connection*."""
    # Alembic reports through print_stdout; manage must print nothing.
    config = alembic_config.Config(stdout=io.StringIO())
    config.set_main_option('script_location', MIGRATIONS_DIR)
    config.attributes['connection'] = connection
    try:
        func(config, revision)
    except alembic_util.CommandError as exc:
        raise MigrationError(_one_line(exc)) from exc


@contextlib.contextmanager
def _connection(url):
    """A connection in a transaction, committed when the block succeeds.

    SQLAlchemy errors (bad URL, unreachable server, failed DDL) become
    :class:`MigrationError`.
    """
    if not url:
        raise MigrationError('No database connection URL configured')
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    except (sa_exc.ArgumentError, ImportError) as exc:
        raise MigrationError('Invalid database connection URL: %s'
                             % _one_line(exc)) from exc
    try:
        with engine.begin() as connection:
            yield connection
    except sa_exc.SQLAlchemyError as exc:
        raise MigrationError(_one_line(exc)) from exc
    finally:
        engine.dispose()


def _one_line(exc):
    """The first line of an error message (SQL errors append the SQL)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
