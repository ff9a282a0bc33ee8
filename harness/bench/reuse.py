"""A reused stack's per-test overhead: ``begin`` (the reset and its
verification) plus ``end``, against a fresh stack per test.

``python -m harness.bench.reuse`` prints just this part of ``python -m
harness.bench``.  One :class:`harness.stack.reuse.ReusableStack`, preloaded, on
the database ``HARNESS_TEST_SQL_CONNECTION`` names (sqlite by default).
Two kinds of test are played between the timed calls, interleaved: one
that only reads (``GET /v1/images``), and one that leaves an image (a
row, its properties and a file) for the reset to remove.  The test's own
request is not timed.  In the same run, the whole ``StackFixture``
set-up and clean-up a fresh stack per test costs.  Target: a median of at
most 2 ms.
"""

import http.client
import statistics
import sys
import time

import fixtures

from harness.databases import provision as database
from harness import fixtures as harness_fixtures
from harness.forkserver import client as forkserver
from harness.stack import reuse

#: The target (doc/source/explanation/benchmark.rst), in seconds.
GOAL = 0.002
HEADERS = {'Content-Type': 'application/octet-stream',
           'x-image-meta-name': 'bench', 'x-image-meta-is_public': 'True',
           'x-image-meta-disk_format': 'raw',
           'x-image-meta-container_format': 'bare',
           'x-image-meta-property-kind': 'bench'}


def _request(stack, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection('127.0.0.1', stack.api_port)
    conn.request(method, path, body=body, headers=headers or {})
    status = conn.getresponse()
    status.read()
    conn.close()
    if status.status >= 300:
        raise SystemExit('bench test request failed: %d' % status.status)


def _reads(stack):
    _request(stack, 'GET', '/v1/images')


def _leaves_an_image(stack):
    _request(stack, 'POST', '/v1/images', b'b' * 1024, dict(HEADERS))


def overhead(runs):
    """``{kind: [seconds of begin + end]}`` over *runs* tests of each."""
    timings = {'reads': [], 'image': []}
    with fixtures.EnvironmentVariable(forkserver.ENV, '1'):
        stack = reuse.ReusableStack()
        try:
            stack.begin()
            starts = stack.starts
            for n in range(runs + 5):
                for kind, test in (('reads', _reads),
                                   ('image', _leaves_an_image)):
                    test(stack)
                    begin = time.perf_counter()
                    stack.end()
                    stack.begin()
                    spent = time.perf_counter() - begin
                    if n >= 5:  # the first few warm the connections
                        timings[kind].append(spent)
            if stack.starts != starts:
                raise SystemExit('the reused stack restarted: %s'
                                 % stack.last_reset)
        finally:
            stack.stop()
    return timings


def fresh_cycles(runs):
    """Seconds of a whole ``StackFixture`` set-up and clean-up."""
    timings = []
    with fixtures.EnvironmentVariable(forkserver.ENV, '1'):
        for _ in range(runs):
            begin = time.perf_counter()
            fixture = harness_fixtures.StackFixture()
            fixture.setUp()
            fixture.cleanUp()
            timings.append(time.perf_counter() - begin)
    return timings


def report(runs=200, fresh_runs=10):
    """The benchmark's lines: the reused stack's overhead per test kind,
    and the fresh stack per test in the same run."""
    url = database.default_url('/') if database.sql_base_url() else 'sqlite'
    timings = overhead(runs)
    fresh = statistics.median(fresh_cycles(fresh_runs))
    lines = []
    for kind, values in timings.items():
        med = statistics.median(values)
        lines.append('%-16s %9.3f ms  (target <= %.0f ms; n=%d, max %.3f; '
                     '%.4fx a fresh stack)' % (
                         'reuse ' + kind, med * 1000, GOAL * 1000,
                         len(values), max(values) * 1000, med / fresh))
    lines.append('%-16s %9.3f ms  (n=%d; on %s)' % (
        'fresh stack', fresh * 1000, fresh_runs, url.split(':')[0]))
    return lines


def main():
    for line in report():
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
