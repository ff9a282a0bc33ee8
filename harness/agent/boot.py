"""Start the agent before the server module runs.

Two ways in, one behaviour:

* exec: ``python -m harness.agent.boot -m <module> <args>`` (or
  ``<script> <args>``) starts the agent, shows the command line the
  harness would have run without it (``setproctitle``), then runs the
  module as ``__main__`` as ``python -m`` does;
* a fork of the preloaded fork-server calls :func:`start_from_env` just
  before it runs the module (:mod:`harness.forkserver.child`).

Either way the first request on the channel, ``init``, is read and
applied before the module runs, so a patch set before ``start()`` can
make start-up itself fail.  If it cannot be applied the program says why
on one line and exits 1, its module never run.
"""

import os
import pickle
import runpy
import socket
import sys

from harness.agent import serve as agent_mod
from harness.agent import wire

#: Exit status of a program whose start-up patches could not be applied.
INIT_FAILED = 1


def start_from_env():
    """Start the agent named by ``HARNESS_AGENT_FD``, if any.

    The variable stays, like the other ``HARNESS_*_FD`` ones; the
    descriptor itself is close-on-exec from here on.  Never returns if
    ``init`` fails.
    """
    raw = os.environ.get(agent_mod.ENV)
    if not raw:
        return None
    sock = socket.socket(fileno=int(raw))
    sock.set_inheritable(False)
    agent = agent_mod.Agent(sock)
    state = os.environ.pop(agent_mod.STATE_ENV, None)
    if state is not None:
        # A re-exec: the previous image's state, nobody waits for a reply.
        reply = agent.handle_init(pickle.loads(bytes.fromhex(state)))
    else:
        try:
            frame = wire.recv(sock)
        except (wire.ChannelClosed, OSError):
            sock.close()
            return None  # the test process is gone already
        except wire.BadFrame as exc:
            frame = exc
        reply = agent.handle_init(frame)
        wire.send(sock, reply)
    if not reply['ok']:
        what = reply.get('what')
        sys.stderr.write('ERROR: harness agent: %s%s\n' % (
            'cannot patch %s: ' % what if what else '', reply['error']))
        sys.stderr.flush()
        os._exit(INIT_FAILED)
    # The server's first process: the fresh interpreters it starts check
    # in here (harness.agent.checkin).
    agent.listen()
    agent.start()
    return agent


def main(argv=None):
    """Start the agent, then run ``-m module`` or a script with its args."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ['-m'] and len(argv) > 1:
        shown = [sys.executable, '-m'] + argv[1:]
        target, args = argv[1], argv[2:]
    elif argv:
        shown = [sys.executable] + argv
        target, args = argv[0], argv[1:]
    else:
        sys.stderr.write('usage: python -m harness.agent.boot '
                         '(-m MODULE | SCRIPT) [ARG...]\n')
        return 2
    _set_title(' '.join(shown))
    start_from_env()
    sys.argv = [target] + args
    if shown[1] == '-m':
        runpy.run_module(target, run_name='__main__', alter_sys=True)
    else:
        # What ``python script.py`` puts first on the path.
        sys.path[0] = os.path.dirname(os.path.abspath(target))
        runpy.run_path(target, run_name='__main__')
    return 0


def _set_title(title):
    try:
        import setproctitle
    except ImportError:
        return  # cosmetic only
    comm = setproctitle.getthreadtitle()
    setproctitle.setproctitle(title)
    setproctitle.setthreadtitle(comm)


if __name__ == '__main__':
    sys.exit(main())
