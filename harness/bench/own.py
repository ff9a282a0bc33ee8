"""What testing your own service costs of the harness (``own`` lines).

* ``import fixtures``: in fresh interpreters, the CPU time of ``import
  harness.fixtures`` once ``testtools`` and ``fixtures`` (the two
  libraries it builds on) are imported: what the harness adds to them
  (target: at most 20 ms); theirs is printed beside it;
* ``first launch``: in a fresh test process each time, the first launch
  of a small user HTTP server (:mod:`harness.bench.userprog`) through
  ``ServerFixture``, from the fixture's ``setUp`` until the server
  answered a ``GET``: preloaded (the fork-server starts for it) against
  exec'd, alternated (target: at most 1.5x the exec'd launch).  The
  server is ready by its ready byte, not by a polled ``HttpGet``, whose
  50 ms polls would round both figures up alike.

``python -m harness.bench.own`` prints just these lines; with
``--launch-once`` it is that fresh test process (one launch, as JSON).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

#: This module, run as the fresh test process of a launch.
MODULE = 'harness.bench.own'
#: A fresh interpreter's imports, timed (CPU seconds) in its own process.
IMPORT_CODE = """
import time
start = time.process_time()
import testtools, fixtures
middle = time.process_time()
import harness.fixtures
print(middle - start, time.process_time() - middle)
"""


def import_figures(runs):
    """``(base, ours)``: CPU seconds of ``import testtools, fixtures``,
    then of ``import harness.fixtures`` after them, in *runs* fresh
    interpreters.

    CPU time, not wall time, and both measured inside the interpreter:
    on a machine that other jobs load, the wall time of a whole 100 ms
    interpreter varies by more than the 20 ms at stake.
    """
    base, ours = [], []
    for run in range(runs + 1):
        done = subprocess.run([sys.executable, '-c', IMPORT_CODE],
                              stdout=subprocess.PIPE, text=True, check=True)
        if run:  # the first one warms the page cache: not counted
            first, second = (float(v) for v in done.stdout.split())
            base.append(first)
            ours.append(second)
    return base, ours


def launch_once():
    """The first launch of this (fresh) process: ``{'seconds', 'forked',
    'status'}``."""
    from harness import fixtures
    from harness import server
    from harness.forkserver import client as forkserver
    from harness.process import ports
    from harness.process import readiness

    class UserServer(server.Server):
        preload = True
        ready_event = True

        def __init__(self, test_dir, port, sock=None):
            super().__init__(test_dir, port, sock=sock)
            self.server_name = 'userprog'
            self.server_module = 'harness.bench.userprog'
            self.conf_base = '[DEFAULT]\nbind_port = %(bind_port)s\n'

    with fixtures.TestDir() as test_dir:
        port, sock = ports.unused_port_and_socket()
        user = UserServer(test_dir.path, port, sock=sock)
        started = fixtures.ServerFixture(user)
        start = time.perf_counter()
        with started:
            status = readiness.http_status(started.port, '/')
            seconds = time.perf_counter() - start
            forked = isinstance(user.process.popen, forkserver.Child)
    return {'seconds': seconds, 'forked': forked, 'status': status}


def launch_figures(runs):
    """``{'exec': [seconds], 'preload': [seconds]}`` of first launches,
    each in a fresh test process."""
    timings = {'exec': [], 'preload': []}
    for run in range(runs):
        for mode in (('exec', 'preload') if run % 2 else
                     ('preload', 'exec')):
            env = dict(os.environ,
                       HARNESS_PRELOAD='1' if mode == 'preload' else '0')
            done = subprocess.run(
                [sys.executable, '-m', MODULE, '--launch-once'], env=env,
                stdout=subprocess.PIPE, text=True, check=True)
            result = json.loads(done.stdout)
            if result['forked'] != (mode == 'preload') or (
                    result['status'] != 200):
                raise SystemExit('the %s launch did not run as asked: %r'
                                 % (mode, result))
            timings[mode].append(result['seconds'])
    return timings


def _ms(values):
    return statistics.median(values) * 1000


def report(runs):
    """The own-service lines, measured now (*runs* of each)."""
    base, ours = (_ms(values) for values in import_figures(2 * runs))
    launches = launch_figures(runs)
    exec_ms, preload_ms = _ms(launches['exec']), _ms(launches['preload'])
    return [
        '%-16s %+7.1f ms  (CPU, after testtools + fixtures: %.1f ms; '
        'target <= +20 ms; n=%d fresh interpreters)'
        % ('import fixtures', ours, base, 2 * runs),
        '%-16s %.3fx the exec\'d  (preload %.1f ms, exec %.1f ms; target '
        '<= 1.5x; n=%d fresh test processes each)'
        % ('first launch', preload_ms / exec_ms, preload_ms, exec_ms, runs)]


def main(argv=None):
    parser = argparse.ArgumentParser(prog='harness-bench-own',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--launch-once', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.launch_once:
        print(json.dumps(launch_once()))
        return 0
    for line in report(args.runs):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
