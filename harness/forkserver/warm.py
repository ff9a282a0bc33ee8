"""What the fork-server does once so that no fork does it again.

A preloaded fork still paid, at every launch, for work its parent could
have done once (measured in the children of a ``start_servers()``, CPU
per child): importing the database dialect and driver SQLAlchemy loads
on ``create_engine`` (8-10 ms for sqlite), and ``runpy`` finding and
reading the main module's code again (1.5-2 ms).  This module gives the
fork-server both:

* :func:`database_modules`: the dialect and driver modules of the
  databases a server of this test process may use (the embedded sqlite,
  and the one ``HARNESS_TEST_SQL_CONNECTION`` names), imported like the
  server modules, under the same fork-safety check, but optional: one
  that does not import is skipped, not refused;
* :func:`main_code`: a server module's spec and code object, so that a
  fork runs the module as ``__main__`` without reading it from disk
  (:func:`harness.forkserver.child.run_module`);
* :func:`reference_service`: what every start of a reference server runs
  whatever its conf, run once here so that the caches it fills (the
  ``re`` and ``abc`` caches among them) are the forks' too: argument
  parsing (0.5-0.7 ms less per fork), a conf file parse, a log record
  with arguments (0.4 ms less).  It reads no conf, writes no
  file and keeps nothing but those caches.

Each is done when the modules that need it are loaded, not before
(:meth:`harness.forkserver.server.ForkLoop.warm_up`): the database
modules with the reference servers or a module that imports SQLAlchemy,
the reference start-up with the reference servers, a module's code with
that module.
"""

import importlib.util
import logging
import os

from harness import contract

#: The environment variable naming the test database.
SQL_ENV = contract.SQL_CONNECTION
#: The DB-API module of a driver whose name is not the module's.
DBAPI_MODULES = {'pysqlite': 'sqlite3', 'mysqldb': 'MySQLdb'}


def _driver_modules(scheme):
    """The dialect module of *scheme* (``dialect[+driver]``) and its
    driver's DB-API module; none for a scheme SQLAlchemy does not know."""
    from sqlalchemy import exc
    from sqlalchemy.engine import url as sa_url
    try:
        dialect = sa_url.make_url(scheme + '://').get_dialect()
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError):
        return []
    return [dialect.__module__,
            DBAPI_MODULES.get(dialect.driver, dialect.driver)]


def database_modules(environ):
    """The dialect and DB-API modules the servers' ``create_engine`` will
    import: sqlite's, and those of the URL (or bare scheme) in
    ``HARNESS_TEST_SQL_CONNECTION``."""
    names = _driver_modules('sqlite')
    value = (environ.get(SQL_ENV) or '').strip()
    bare = contract.bare_scheme(value)
    # A bare scheme: the server the harness starts itself, and the driver
    # the harness gives its URL.
    scheme = (contract.BARE_SCHEMES[bare][1] if bare
              else value.split(':', 1)[0])
    if scheme and scheme != 'sqlite':
        names += _driver_modules(scheme)
    return names


def main_code(name):
    """``(spec, code)`` of module *name* as ``python -m`` would run it,
    or ``None`` (a package, or no code to read: let ``runpy`` decide)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.loader is None or spec.submodule_search_locations:
        return None
    get_code = getattr(spec.loader, 'get_code', None)
    if get_code is None:
        return None
    try:
        code = get_code(name)
    except (ImportError, SyntaxError, OSError):
        return None
    return (spec, code) if code is not None else None


#: The reference programs (``harness.cmd.<name>.PROG``).
PROGRAMS = ('harness-api', 'harness-registry', 'harness-scrubber')


def reference_service():
    """Run once the conf-independent start-up work of the reference
    servers (see the module docstring)."""
    from harness.service import config
    for prog in PROGRAMS:
        config.build_parser(prog).parse_args(['--config-file', os.devnull])
    config.read_files([os.devnull])
    logging.LogRecord('harness', logging.DEBUG, __file__, 0, '%s %d %r',
                      ('', 0, None), None).getMessage()
