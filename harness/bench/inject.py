"""The round trip of a patch: applied in the server, then undone.

``python -m harness.bench.inject`` prints just this part of
``python -m harness.bench``.  The API server runs alone, preloaded, one
process; each timed round trip is a whole ``with api.patch(...):``
block around nothing: the ``apply`` request, the server's answer, the
``remove`` request and its answer.  Target: a median of at most 5 ms.
"""

import statistics
import sys
import time

import fixtures

from harness import fixtures as harness_fixtures
from harness.forkserver import client as forkserver
from harness.stack import layout as stacks

TARGET = 'harness.service.db.api.image_get_all'
#: The target (doc/source/explanation/benchmark.rst), in seconds.
GOAL = 0.005


def patch_timings(runs):
    """Seconds of *runs* patch round trips (after a few not counted)."""
    timings = []
    with fixtures.EnvironmentVariable(forkserver.ENV, '1'), \
            harness_fixtures.TestDir() as test_dir, \
            stacks.Stack(test_dir.path) as stack, \
            harness_fixtures.ServerFixture(
                stack.api_server, registry_port=stack.registry_port):
        for n in range(runs + 10):
            start = time.perf_counter()
            with stack.api_server.patch(TARGET, returns=[]):
                pass
            if n >= 10:
                timings.append(time.perf_counter() - start)
    return timings


def report(runs):
    """The benchmark's line for *runs* round trips."""
    timings = patch_timings(runs)
    med = statistics.median(timings)
    return ['%-16s %9.3f ms  (target <= %.0f ms; n=%d, min %.3f, max '
            '%.3f)' % ('patch round trip', med * 1000, GOAL * 1000,
                       len(timings), min(timings) * 1000,
                       max(timings) * 1000)]


def main():
    for line in report(200):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
