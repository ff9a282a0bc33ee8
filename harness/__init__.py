"""harness: functional tests that start real server processes.

The names users import, whichever module holds them::

    from harness import FunctionalTest, ServerFixture, StackFixture

Each is loaded on first use, so ``import harness`` costs next to nothing
and never imports the reference service (``harness.service``): that
happens only when a test uses the reference servers.  The documented
modules (``harness.functional``, ``harness.fixtures``, ``harness.server``,
``harness.readiness``, ``harness.reuse``, ``harness.resources``,
``harness.utils``, ``harness.errors``...) stay importable as ever.

The packages, each named for what it holds:

* ``harness.process``: any server program as a real process (``Server``,
  readiness, launch, process groups, janitor, ports, ``ServerFixture``);
* ``harness.forkserver``: launches as forks of a preloaded process;
* ``harness.reach`` (the test process) and ``harness.agent`` (inside
  the servers): patches, spies and the clock of a running server;
* ``harness.databases``: a server's database (sqlite, per-worker
  MySQL/PostgreSQL databases, private database servers);
* ``harness.stack``: the reference stack (layout, fixture, reuse and
  reset, ``harness-stack``);
* ``harness.glance``: the seed's surface (``FunctionalTest``, Glance's
  test utils, the reference servers, conf templates, data files);
* ``harness.integrations``: the pytest plugin and testresources;
* ``harness.service`` and ``harness.cmd``: the reference image service.
"""

import importlib

#: Public name -> the module that holds it.
_WHERE = {
    'FunctionalTest': 'harness.glance.functional',
    'ApiServer': 'harness.glance.servers',
    'RegistryServer': 'harness.glance.servers',
    'ScrubberDaemon': 'harness.glance.servers',
    'HarnessServer': 'harness.glance.servers',
    'Server': 'harness.process.server',
    'ServerFixture': 'harness.process.fixture',
    'NewServerFixture': 'harness.process.fixture',
    'TestDir': 'harness.process.testdir',
    'set_up': 'harness.process.fixture',
    'ReadyByte': 'harness.process.readiness',
    'TcpPort': 'harness.process.readiness',
    'HttpGet': 'harness.process.readiness',
    'LogMatch': 'harness.process.readiness',
    'Stack': 'harness.stack.layout',
    'StackFixture': 'harness.stack.fixture',
    'ReusableStack': 'harness.stack.reuse',
    'ReusedStackResource': 'harness.integrations.resources',
    'ReusedStackTestCase': 'harness.integrations.resources',
    'HarnessError': 'harness.errors',
}

__all__ = sorted(_WHERE)


# Written out here, not harness.lazy: the package root imports nothing, so
# a program importing harness.contract (the service does) loads no other
# harness module (test_contract).
def __getattr__(name):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError('module %r has no attribute %r'
                             % (__name__, name))
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # once: later reads skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
