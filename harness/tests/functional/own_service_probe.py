"""A fresh test process that tests its own service, never the reference one.

``python -m harness.tests.functional.own_service_probe [reference]``: it
imports what a user's test imports (``harness``, ``harness.fixtures``,
``harness.server``, ``harness.functional``, ``harness.utils``), starts
the tiny user program (``programs/tiny.py``) through a generic
``Server``, and prints one JSON object:

* ``test``: the reference-service modules this process imported;
* ``child``: those the tiny program found in its ``sys.modules`` at
  start.  A preloaded fork inherits its modules from the fork-server, so
  this is what the fork-server had imported;
* ``forked``: whether the tiny program's parent was the fork-server.

With ``reference`` it then starts and stops a reference stack
(``StackFixture``) and the tiny program once more: ``after`` is that
second launch's ``child`` and ``forked``, ``same_fork_server`` whether
the same fork-server forked both.
"""

import json
import socket
import sys

import harness
from harness import fixtures
from harness import functional  # noqa: F401 (what a user's test imports)
from harness import server
from harness import utils  # noqa: F401 (likewise)
from harness.forkserver import client as forkserver

#: The modules a test of another service has no use for.
WATCHED = ('harness.service', 'harness.cmd', 'webob', 'paste.deploy',
           'sqlalchemy')


def watched(modules):
    """The names in *modules* that are, or are inside, a WATCHED one."""
    return sorted(name for name in modules
                  if any(name == top or name.startswith(top + '.')
                         for top in WATCHED))


class TinyServer(server.Server):
    """The user's server: a Python program that may be preloaded."""

    preload = True
    ready_event = True

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'tiny'
        self.server_module = 'harness.tests.functional.programs.tiny'
        self.conf_base = '[DEFAULT]\nbind_port = %(bind_port)s\n'


def parent_of(pid):
    with open('/proc/%d/stat' % pid) as handle:
        return int(handle.read().rpartition(')')[2].split()[1])


def launch_tiny():
    """Start the tiny program, read its report; ``(fields, parent)``."""
    with harness.NewServerFixture(TinyServer) as started:
        with socket.create_connection(('127.0.0.1', started.port),
                                      timeout=60) as conn:
            data = b''.join(iter(lambda: conn.recv(65536), b''))
        state = json.loads(data)
        parent = parent_of(state['pid'])
    fork_server = forkserver.current()
    forked = fork_server is not None and parent == fork_server.proc.pid
    return {'child': watched(state['modules']), 'forked': forked}, parent


def main(argv):
    result, parent = launch_tiny()
    result['test'] = watched(sys.modules)
    if 'reference' in argv:
        with fixtures.StackFixture():
            pass
        result['after'], parent_after = launch_tiny()
        result['same_fork_server'] = parent == parent_after
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
