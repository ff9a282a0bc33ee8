"""An agent that survives its process re-executing itself.

A process that re-executes itself as ``python -m <module>`` (the
reference servers' SIGHUP reload) keeps its channel: ``os.execv`` is
wrapped while an agent runs, so the new image starts through
:mod:`harness.agent.boot` on the same descriptor and re-applies the
layers and clock (``HARNESS_AGENT_STATE``) before its module runs.  The
agent reads a request only while holding its lock, so an exec never
swallows one: it waits in the socket for the new image.  Its other
channels (forked and checked-in children) and its check-in listener are
close-on-exec: the new image listens afresh.
"""

import os
import pickle
import sys

from harness import contract

ENV = contract.AGENT_FD
#: Layers and clock handed to a re-executed image: an ``init`` request
#: (:class:`harness.agent.messages.Init`, pickled, hex).
STATE_ENV = contract.AGENT_STATE

_real_execv = None


def install(current):
    """Wrap ``os.execv`` (once); *current()* is this process's agent."""
    global _real_execv
    if _real_execv is None:
        _real_execv = os.execv
        os.execv = lambda path, argv: _execv(current(), path, argv)


def _execv(agent, path, argv):
    """``os.execv`` that keeps the agent of a ``python -m`` re-exec."""
    argv = list(argv)
    if (agent is None or len(argv) < 3 or argv[1] != '-m'
            or path != sys.executable):
        return _real_execv(path, argv)
    with agent.lock:
        state = agent.init_request().to_wire()
        os.environ[STATE_ENV] = pickle.dumps(state).hex()
        os.environ[ENV] = str(agent.sock.fileno())
        agent.sock.set_inheritable(True)
        try:
            _real_execv(path, [path, '-m', 'harness.agent.boot'] + argv[1:])
        except OSError:
            agent.sock.set_inheritable(False)
            for name in (STATE_ENV, ENV):
                os.environ.pop(name, None)
            raise
