"""``python -m harness.bench``: the harness's speed figures.

Every figure is a median over repeated runs in this one process, printed
with its ratio to the *floor*: three bare ``python -c "import <server
module>"`` processes (api, registry, scrubber) started at once.  Nothing
here asserts; the targets and the latest figures are in
``doc/source/explanation/benchmark.rst``.

Figures:

* ``floor``: the three imports, at once;
* ``exec cycle``: ``start_servers()`` + ``stop_servers()`` of a laid-out
  :class:`harness.fixtures.Stack` (what ``FunctionalTest`` runs), every
  server a fork/exec (``HARNESS_PRELOAD=0``);
* ``preload cycle``: the same, every server forked from the preloaded
  fork-server (:mod:`harness.forkserver`), with its ratio to the exec
  cycle;
* ``in-process build``: the registry and API apps built in this process
  from the conf files a laid-out stack writes for ``start_servers()``
  (:mod:`harness.bench.anchor`), and the preload cycle as a multiple of
  it (``preload/build``);
* ``single``: the API server alone through ``ServerFixture``, each way;
* ``test cycle`` / ``fixture cycle``: a whole ``FunctionalTest`` whose
  test starts and stops the servers (``setUp`` to the last cleanup), and
  a whole ``StackFixture`` (``setUp`` to ``cleanUp``), preloaded,
  interleaved;
* ``db first`` / ``db cached``: ``create_database()`` with an empty cache,
  then with the cache filled;
* ``leaks``: processes, descriptors (ours and the fork-server's) and temp
  files left after N preload cycles;
* ``upload`` / ``download``: a 1 GiB image through the v1 and the v2
  API; downloads against a raw loopback copy and a plain file-to-socket
  copy (interleaved with them), uploads against the machine's own upload
  limit (the slower of MD5 over memory and writing the bytes to a file
  in the store's directory), all measured in the same run; and each
  server's peak RSS (:mod:`harness.bench.transfer`);
* ``cache ...``: the same large image served from the image cache, and a
  small image's cache hit against the uncached path
  (:mod:`harness.bench.cache`);
* ``patch round trip``: a ``Server.patch`` block applied in the running
  (preloaded) API server and undone (:mod:`harness.bench.inject`);
* ``import fixtures`` / ``first launch``: what testing one's own service
  costs of the harness: ``import harness.fixtures`` over ``import
  testtools, fixtures``, and the first preloaded launch of a small user
  server in a fresh test process against its exec'd launch
  (:mod:`harness.bench.own`).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import fixtures

from harness import fixtures as harness_fixtures
from harness.forkserver import client as forkserver
from harness.glance import functional
from harness.bench import anchor
from harness.bench import cache as bench_cache
from harness.bench import common
from harness.bench import inject as bench_inject
from harness.bench import own as bench_own
from harness.bench import reuse as bench_reuse
from harness.bench import transfer as bench_transfer

MODULES = ('harness.cmd.api', 'harness.cmd.registry', 'harness.cmd.scrubber')


def floor_once():
    """Seconds for the three server modules to import, started at once."""
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, '-c', 'import %s' % module])
             for module in MODULES]
    codes = [proc.wait() for proc in procs]
    if any(codes):
        raise SystemExit('importing the server modules failed: %s' % codes)
    return time.perf_counter() - start


def _stack_runs(method, runs):
    """Run *method(stack)* on *runs* fresh stacks (laid out in a test
    directory, not started); return its timings."""
    timings = []
    for _ in range(runs):
        with harness_fixtures.TestDir() as test_dir, \
                harness_fixtures.Stack(test_dir.path) as stack:
            timings.append(method(stack))
    return timings


def _cycle(stack):
    start = time.perf_counter()
    stack.start_servers()
    stack.stop_servers()
    return time.perf_counter() - start


def _single(stack):
    start = time.perf_counter()
    with harness_fixtures.ServerFixture(stack.api_server,
                                        registry_port=stack.registry_port):
        pass
    return time.perf_counter() - start


def _create_db(stack):
    start = time.perf_counter()
    stack.registry_server.create_database()
    return time.perf_counter() - start


def db_figures(runs):
    """Median seconds of a first (cache empty) and a cached create."""
    with fixtures.TempDir() as cache:
        with fixtures.EnvironmentVariable('HARNESS_DB_CACHE_DIR', cache.path):
            first = _stack_runs(_create_db, 1)
            cached = _stack_runs(_create_db, runs)
    return first, cached


class _CycleTest(functional.FunctionalTest):
    """The one test case the benchmark runs: FunctionalTest is measured."""

    def test_cycle(self):
        self.start_servers(**self.__dict__.copy())
        self.stop_servers()


def case_cycle():
    """Seconds of one whole FunctionalTest run that starts and stops the
    servers."""
    start = time.perf_counter()
    common.run_case(_CycleTest('test_cycle'))
    return time.perf_counter() - start


def fixture_cycle():
    """Seconds of one whole StackFixture: set up, then cleaned up."""
    start = time.perf_counter()
    with harness_fixtures.StackFixture():
        pass
    return time.perf_counter() - start


def whole_cycles(runs):
    """``(test, fixture)`` timings, preloaded, interleaved so that a
    busier moment weighs on both alike, each first in every other pair
    (the one that follows pays for what the other left to the kernel)."""
    tests, stacks = [], []
    with fixtures.EnvironmentVariable(forkserver.ENV, '1'):
        case_cycle()  # warm-up: the fork-server is there before we count
        for run in range(runs):
            if run % 2:
                stacks.append(fixture_cycle())
                tests.append(case_cycle())
            else:
                tests.append(case_cycle())
                stacks.append(fixture_cycle())
    return tests, stacks


def _snapshot(base):
    """Our descriptors (and the fork-server's), the processes whose command
    line names *base*, and the files in *base*."""
    fds = len(os.listdir('/proc/self/fd'))
    server = forkserver.current()
    if server is not None:
        fds += len(os.listdir('/proc/%d/fd' % server.proc.pid))
    children = subprocess.run(['pgrep', '-f', base], capture_output=True,
                              text=True).stdout.split()
    return fds, set(children), set(os.listdir(base))


def leak_figures(cycles):
    """Run *cycles* preloaded StackFixture cycles; return what they left
    behind.

    The test directories (hence the servers' command lines) and temporary
    files go to a private temporary directory, so that other programs on
    the machine do not count.
    """
    with fixtures.TempDir() as base, \
            fixtures.EnvironmentVariable('TMPDIR', base.path), \
            fixtures.MonkeyPatch('tempfile.tempdir', base.path), \
            fixtures.EnvironmentVariable(forkserver.ENV, '1'):
        fixture_cycle()  # the fork-server is there before we count
        fds, children, temps = _snapshot(base.path)
        for _ in range(cycles):
            fixture_cycle()
        fds2, children2, temps2 = _snapshot(base.path)
    return fds2 - fds, sorted(children2 - children), sorted(temps2 - temps)


def _both_ways(method, runs):
    """Timings of *method* with fork/exec, then with preloading."""
    timings = {}
    for mode, value in (('exec', '0'), ('preload', '1')):
        with fixtures.EnvironmentVariable(forkserver.ENV, value):
            _stack_runs(method, 1)  # warm-up: starts the fork-server
            timings[mode] = _stack_runs(method, runs)
    return timings


def _line(name, values, floor):
    med = statistics.median(values)
    return '%-16s %9.1f ms  %5.2fx floor  (n=%d, min %.1f, max %.1f)' % (
        name, med * 1000, med / floor, len(values), min(values) * 1000,
        max(values) * 1000)


def main(argv=None):
    """Print the figures; ``--runs`` and ``--leak-cycles`` scale them."""
    parser = argparse.ArgumentParser(prog='harness-bench',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--leak-cycles', type=int, default=100)
    parser.add_argument('--patch-runs', type=int, default=200,
                        help='patch round trips to time (0: skip)')
    parser.add_argument('--transfer-mib', type=int, default=1024,
                        help='size of the v1 and v2 uploads and '
                        'downloads (0: skip)')
    args = parser.parse_args(argv)
    os.environ['OS_TEST_TIMEOUT'] = '0'
    floor_once()  # warm the page cache; not counted
    # Half the floor runs before the cycles, half after: a machine that is
    # busier in one phase then weighs on both figures alike.
    floors = [floor_once() for _ in range(args.runs)]
    # The anchor likewise: half before the preload cycles, half after.
    builds = anchor.build_runs((args.runs + 1) // 2)
    cycles = _both_ways(_cycle, args.runs)
    builds += anchor.build_runs(args.runs // 2)
    singles = _both_ways(_single, args.runs)
    own = bench_own.report(args.runs)
    whole = whole_cycles(args.runs)
    floors += [floor_once() for _ in range(args.runs)]
    floor = statistics.median(floors)
    first, cached = db_figures(args.runs)
    print(_line('floor', floors, floor))
    for name, timings in (('cycle', cycles), ('single', singles)):
        for mode in ('exec', 'preload'):
            print(_line('%s %s' % (mode, name), timings[mode], floor))
        print('%-16s %.3fx the exec %s' % (
            'preload/exec', statistics.median(timings['preload'])
            / statistics.median(timings['exec']), name))
        if name == 'cycle':
            print(_line('in-process build', builds, floor))
            print(anchor.ratio_line(timings['preload'], builds))
    for line in own:
        print(line)
    for name, timings in zip(('test cycle', 'fixture cycle'), whole):
        print(_line(name, timings, floor))
    print('%-16s %.3fx the test cycle' % (
        'fixture/test', statistics.median(whole[1])
        / statistics.median(whole[0])))
    print(_line('db first', first, floor))
    print(_line('db cached', cached, floor))
    if args.patch_runs:
        for line in bench_inject.report(args.patch_runs):
            print(line)
    for line in bench_reuse.report():
        print(line)
    if args.transfer_mib:
        for line in bench_transfer.report(args.transfer_mib * 1024 * 1024):
            print(line)
        for line in bench_cache.report(args.transfer_mib * 1024 * 1024):
            print(line)
    if args.leak_cycles:
        fds, procs, temps = leak_figures(args.leak_cycles)
        print('leaks            after %d preload cycles: %d fds, '
              '%d processes %s, %d temp files %s'
              % (args.leak_cycles, fds, len(procs), procs, len(temps),
                 temps))
    return 0


if __name__ == '__main__':
    sys.exit(main())
