"""Cache figures of the benchmark (issue 9): a large image downloaded from
the image cache, and a small image's cache hit against the uncached path.

Both servers run in the same benchmark run: first the plain pipeline
(uncached), then the ``caching`` flavor, where the first GET fills the
cache and the later ones are hits.  The large download is set against a
raw loopback copy of the same bytes measured in the same run; the peak RSS
is that of the caching API process.
"""

import os
import statistics
import time


from harness import fixtures
from harness.bench import transfer as bt

SMALL = 1024
DEADLINE = 120.0
WARMUP = 5
#: Interleaved rounds of raw copy, v1 hit, v2 hit.
ROUNDS = 5


def _upload(port, total):
    """POST *total* bytes as a new v1 image; return its id."""
    return bt.upload(port, total)[1]


def _wait_cached(cache_dir, image_id):
    """The entry appears once the filling GET's stream ended."""
    path = os.path.join(cache_dir, image_id)
    end = time.monotonic() + DEADLINE
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise SystemExit('image %s never reached the cache' % image_id)
        time.sleep(0.01)


def _gets(port, path, size, runs, warmup=0):
    """Seconds of *runs* GETs, after *warmup* untimed ones."""
    for _ in range(warmup):
        bt.download(port, path, size)
    return [bt.download(port, path, size) for _ in range(runs)]


def _uncached(fig, total, runs):
    with fixtures.StackFixture() as stack:
        port = stack.api_port
        # Small images first: before the large writes' writeback.
        path = '/v1/images/' + _upload(port, SMALL)
        fig['small uncached'] = _gets(port, path, SMALL, runs, WARMUP)
        fig['raw'].append(bt.raw_copy_seconds(total))
        path = '/v1/images/' + _upload(port, total)
        fig['downloads'] = _gets(port, path, total, 3)


def _cached(fig, total, runs):
    caching = {'deployment_flavor': 'caching'}
    with fixtures.StackFixture(api=caching) as stack:
        port, cache_dir = stack.api_port, stack.api_server.image_cache_dir
        small = _upload(port, SMALL)
        bt.download(port, '/v1/images/' + small, SMALL)
        _wait_cached(cache_dir, small)
        fig['small cached'] = _gets(port, '/v1/images/' + small,
                                    SMALL, runs, WARMUP)
        image_id = _upload(port, total)
        fig['fill'] = bt.download(port, '/v1/images/' + image_id, total)
        _wait_cached(cache_dir, image_id)
        fig['hits'], fig['v2 hits'] = [], []
        for _ in range(ROUNDS):
            # Interleaved: a busy machine weighs on all alike.
            fig['raw'].append(bt.raw_copy_seconds(total))
            fig['hits'] += _gets(port, '/v1/images/' + image_id, total, 1)
            fig['v2 hits'] += _gets(
                port, '/v2/images/%s/file' % image_id, total, 1)
        fig['rss'] = bt.peak_rss_mib(stack.api_server.process_pid)


def cache_figures(total, runs):
    """Run both stacks; return a dict of figures (seconds, MiB)."""
    fig = {'raw': []}
    _uncached(fig, total, runs)
    _cached(fig, total, runs)
    return fig


def report(total, runs=30):
    """Lines for the benchmark output."""
    fig = cache_figures(total, runs)
    mib = total / float(bt.CHUNK)
    raw = mib / statistics.median(fig['raw'])
    lines = []
    for name, seconds in (('uncached', statistics.median(fig['downloads'])),
                          ('cache fill', fig['fill']),
                          ('cache hit', statistics.median(fig['hits'])),
                          ('v2 hit', statistics.median(fig['v2 hits']))):
        speed = mib / seconds
        lines.append('%-11s%7.0f MiB/s  %5.2fx raw  (%d MiB%s)' % (
            name, speed, speed / raw, mib,
            '' if name == 'cache fill' else '; median of %d'
            % (3 if name == 'uncached' else ROUNDS)))
    lines[0] += '  v1 GET, plain pipeline'
    lines.append('cache RSS  %7.1f MiB  (caching API peak)' % fig['rss'])
    uncached = statistics.median(fig['small uncached'])
    cached = statistics.median(fig['small cached'])
    lines.append('small GET  uncached %.2f ms, cache hit %.2f ms  '
                 '(%.2fx; 1 KiB, median of %d)'
                 % (uncached * 1000, cached * 1000, cached / uncached,
                    len(fig['small cached'])))
    return lines
