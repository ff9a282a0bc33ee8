"""Run by every Python interpreter started in a server's process tree.

The harness puts this folder first on ``PYTHONPATH`` of the processes
of a server whose agent runs (:mod:`harness.agent.checkin`).  First it
runs the ``sitecustomize`` it hides (the next one on ``sys.path``), as
the interpreter would have; then, if ``HARNESS_AGENT_ADDRESS`` is set,
this process checks in with the server's agent before its program
starts.  An interpreter that cannot import ``harness`` says why when it
checks in, so the test can name it.  Nothing here may break the
program: every failure is reported, never raised.
"""

import os
import sys


def _run_hidden():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from importlib import machinery, util
    except ImportError:
        return  # an interpreter too old to chain: it has none we hide
    rest = [entry for entry in sys.path
            if os.path.abspath(entry or '.') != here]
    spec = machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec is None or spec.loader is None:
        return
    module = util.module_from_spec(spec)
    sys.modules['sitecustomize'] = module
    spec.loader.exec_module(module)


def _refuse(address, reason):
    """Tell the agent this process cannot boot one (one pickled
    message, as :mod:`harness.agent.wire` frames them)."""
    import pickle
    import socket
    import struct
    data = pickle.dumps({'pid': os.getpid(), 'refused': reason}, 2)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(10.0)
        sock.connect('\0' + address)
        sock.sendall(struct.pack('>I', len(data)) + data)
    except (OSError, socket.error):
        return  # the server is gone: nobody to tell
    finally:
        sock.close()


def _check_in():
    address = os.environ.get('HARNESS_AGENT_ADDRESS')
    if not address:
        return
    try:
        from harness.agent import spawned
    except Exception:
        error = sys.exc_info()[1]
        _refuse(address, 'its interpreter (%s, Python %s) cannot import '
                'harness: %s' % (sys.executable, sys.version.split()[0],
                                 error))
        return
    spawned.boot(address)


try:
    _run_hidden()
finally:
    _check_in()
