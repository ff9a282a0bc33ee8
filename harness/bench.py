"""``python -m harness.bench``: the harness's speed figures.

Every figure is a median over repeated runs in this one process, printed
with its ratio to the *floor*: three bare ``python -c "import <server
module>"`` processes (api, registry, scrubber) started at once.  Nothing
here asserts; the targets live in the README and the closing notes.

Figures:

* ``floor``: the three imports, at once;
* ``cycle``: ``start_servers()`` + ``stop_servers()`` inside a test;
* ``single``: the same for the API server alone;
* ``db first`` / ``db cached``: ``create_database()`` with an empty cache,
  then with the cache filled;
* ``leaks``: processes, descriptors and temp files left after N cycles;
* ``upload`` / ``download``: a 1 GiB image through the v1 and the v2
  API; downloads against a raw loopback copy, uploads against the
  machine's own upload limit (the slower of MD5 over memory and writing
  the bytes to a file in the store's directory), both measured in the
  same run; and each server's peak RSS (:mod:`bench_transfer`);
* ``cache ...``: the same large image served from the image cache, and a
  small image's cache hit against the uncached path (:mod:`bench_cache`).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import fixtures
import testtools

from harness import functional

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


def _run_case(method, runs):
    """Run FunctionalTest *method* *runs* times; return its timings."""
    timings = []

    class Bench(functional.FunctionalTest):
        def test_it(self):
            timings.append(method(self))

    for _ in range(runs):
        result = testtools.TestResult()
        Bench('test_it').run(result)
        if not result.wasSuccessful():
            raise SystemExit(''.join(t for _, t in result.errors
                                     + result.failures))
    return timings


def _cycle(case):
    start = time.perf_counter()
    case.start_servers(**case.__dict__.copy())
    case.stop_servers()
    return time.perf_counter() - start


def _single(case):
    start = time.perf_counter()
    case.start_with_retry(case.api_server, 'api_port', 3,
                          **case.__dict__.copy())
    case.stop_server(case.api_server, 'API server')
    return time.perf_counter() - start


def _create_db(case):
    start = time.perf_counter()
    case.registry_server.create_database()
    return time.perf_counter() - start


def db_figures(runs):
    """Median seconds of a first (cache empty) and a cached create."""
    with fixtures.TempDir() as cache:
        with fixtures.EnvironmentVariable('HARNESS_DB_CACHE_DIR', cache.path):
            first = _run_case(_create_db, 1)
            cached = _run_case(_create_db, runs)
    return first, cached


def _snapshot():
    fds = len(os.listdir('/proc/self/fd'))
    children = subprocess.run(['pgrep', '-f', r'harness\.cmd\.'],
                              capture_output=True, text=True).stdout.split()
    temps = set(os.listdir(tempfile.gettempdir()))
    return fds, set(children), temps


def leak_figures(cycles):
    """Run *cycles* cycles; return what they left behind."""
    fds, children, temps = _snapshot()
    _run_case(_cycle, cycles)
    fds2, children2, temps2 = _snapshot()
    return fds2 - fds, sorted(children2 - children), sorted(temps2 - temps)


def _line(name, values, floor):
    med = statistics.median(values)
    return '%-10s %9.1f ms  %5.2fx floor  (n=%d, min %.1f, max %.1f)' % (
        name, med * 1000, med / floor, len(values), min(values) * 1000,
        max(values) * 1000)


def main(argv=None):
    """Print the figures; ``--runs`` and ``--leak-cycles`` scale them."""
    parser = argparse.ArgumentParser(prog='harness-bench',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--leak-cycles', type=int, default=100)
    parser.add_argument('--transfer-mib', type=int, default=1024,
                        help='size of the v1 and v2 uploads and '
                        'downloads (0: skip)')
    args = parser.parse_args(argv)
    os.environ['OS_TEST_TIMEOUT'] = '0'
    floor_once()  # warm the page cache; not counted
    # Half the floor runs before the cycles, half after: a machine that is
    # busier in one phase then weighs on both figures alike.
    floors = [floor_once() for _ in range(args.runs)]
    cycles = _run_case(_cycle, args.runs)
    singles = _run_case(_single, args.runs)
    floors += [floor_once() for _ in range(args.runs)]
    floor = statistics.median(floors)
    first, cached = db_figures(args.runs)
    print(_line('floor', floors, floor))
    print(_line('cycle', cycles, floor))
    print(_line('single', singles, floor))
    print(_line('db first', first, floor))
    print(_line('db cached', cached, floor))
    if args.transfer_mib:
        from harness import bench_transfer
        for line in bench_transfer.report(args.transfer_mib * 1024 * 1024):
            print(line)
        from harness import bench_cache
        for line in bench_cache.report(args.transfer_mib * 1024 * 1024):
            print(line)
    if args.leak_cycles:
        fds, procs, temps = leak_figures(args.leak_cycles)
        print('leaks      after %d cycles: %d fds, %d processes %s, '
              '%d temp files %s' % (args.leak_cycles, fds, len(procs),
                                    procs, len(temps), temps))
    return 0


if __name__ == '__main__':
    sys.exit(main())
