"""``in-process build``: the benchmark's anchor for the preload cycle.

An in-process functional test (Glance's ``SynchronousAPIBase``) builds
its WSGI apps in the test process.  This is that cost, from the very conf
files a ``start_servers()`` launch writes: a
:class:`harness.stack.layout.Stack` is laid out in a test directory, its
registry and API servers write their conf and paste files and provision
their database as :meth:`harness.process.server.Server.launch` does before
it spawns, then each app is built the way ``harness.cmd.registry`` and
``harness.cmd.api`` start before they serve: argument parsing,
``config.load``, ``process_conf.set_conf``, ``log.setup`` (the log file
and stderr, here a file too, as a server's stderr is), the store check
(API) and ``pipeline.load_app``.

Nothing is kept between two builds that a fresh server would not have:
the database engines are disposed of (the registry creates its own at
every build), the logging handlers are closed and the logger levels and
the process configuration put back, each outside the timed part.  What
stays warm is what stays warm in the fork-server: the imported modules.
"""

import contextlib
import logging
import os
import statistics
import sys
import time

from harness import fixtures as harness_fixtures
from harness.cmd import api
from harness.cmd import registry
from harness.service import config
from harness.service import log
from harness.service import pipeline
from harness.service import process_conf
from harness.service.db import api as db_api


def build_app(module, conf_file):
    """Build the WSGI app of ``harness.cmd.<module>`` from *conf_file* as
    its ``_main`` does before it serves; return the app."""
    args = config.build_parser(module.PROG).parse_args(
        ['--config-file', conf_file])
    conf = config.load(args, default_files=(module.PROG + '.conf',))
    process_conf.set_conf(conf)
    log.setup(conf, module.PROG)
    if module is api:
        api.check_stores(conf)
    return pipeline.load_app(conf, module.PROG)


@contextlib.contextmanager
def _restored_process(stderr_path):
    """Point stderr at *stderr_path* meanwhile; afterwards undo what a
    build changed in this process (handlers, levels, conf, engines)."""
    manager = logging.Logger.manager
    levels = {name: item.level for name, item in manager.loggerDict.items()
              if isinstance(item, logging.Logger)}
    root_level = logging.getLogger().level
    saved_stderr = sys.stderr
    with open(stderr_path, 'a') as err:
        sys.stderr = err
        try:
            yield
        finally:
            sys.stderr = saved_stderr
            log.teardown()
            process_conf.set_conf(None)
            db_api.dispose_engines()
            logging.getLogger().setLevel(root_level)
            for name, item in list(manager.loggerDict.items()):
                if isinstance(item, logging.Logger):
                    item.setLevel(levels.get(name, logging.NOTSET))


def _timed_build(module, server):
    path = os.path.join(server.test_dir, 'in-process-%s.stderr.log'
                        % server.server_name)
    with _restored_process(path):
        start = time.perf_counter()
        build_app(module, server.conf_file_name)
        return time.perf_counter() - start


def _lay_out(stack):
    """Write the conf files and database exactly as ``start_servers()``
    has its registry and API servers write them."""
    kwargs = {'registry_port': stack.registry_port}
    for server in (stack.registry_server, stack.api_server):
        server.write_conf(**kwargs)
        server.create_database()


def build_once():
    """Seconds to build the registry and the API apps in this process,
    from a freshly laid-out stack's conf files (not counting the
    lay-out)."""
    with harness_fixtures.TestDir() as test_dir, \
            harness_fixtures.Stack(test_dir.path) as stack:
        _lay_out(stack)
        return (_timed_build(registry, stack.registry_server)
                + _timed_build(api, stack.api_server))


def build_runs(runs):
    """Timings of *runs* in-process builds, after one not counted (the
    first build of a process imports what the pipeline loads lazily)."""
    build_once()
    return [build_once() for _ in range(runs)]


def ratio_line(cycle_timings, build_timings):
    """The preload cycle as a multiple of the in-process build."""
    return '%-16s %.1fx the in-process build (target <= 2x)' % (
        'preload/build', statistics.median(cycle_timings)
        / statistics.median(build_timings))
