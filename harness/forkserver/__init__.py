"""Launching server programs as forks of a preloaded process.

* :mod:`harness.forkserver.client`: the test process's end (``spawn``,
  ``refused``, ``current``), started on first use;
* :mod:`harness.forkserver.protocol`: the messages between the two ends;
* :mod:`harness.forkserver.handle`: ``Child``, a fork's ``Popen``-like
  handle;
* :mod:`harness.forkserver.server`: the fork-server process itself
  (``python -m harness.forkserver.server``);
* :mod:`harness.forkserver.child`: a fork becoming the server program;
* :mod:`harness.forkserver.warm`: what the fork-server does once for
  every fork.

The client's names are read here too (``harness.forkserver.refused()``),
loaded on first use: the fork-server process imports this package and
must not load the client (it registers an exit hook).
"""

import importlib

_CLIENT = ('ENV', 'LOST_STATUS', 'Child', 'ForkServer', 'current',
           'enabled', 'inherited_signals', 'preload_module', 'refused',
           'shutdown', 'spawn')


def __getattr__(name):
    if name in _CLIENT:
        return getattr(importlib.import_module('harness.forkserver.client'),
                       name)
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
