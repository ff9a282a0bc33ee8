"""``harness-cache-prefetcher``: fetch every queued image into the cache
(``python -m harness.cmd.cache_prefetcher --config-file <conf>``).

A thin main over :class:`harness.service.cache.prefetcher.Prefetcher`.
Nothing on stdout; exit 0 even when some images could not be cached (that
is logged), 1 with one ``ERROR:`` line for a bad configuration.
"""

import sys

from harness.service import exit_status
from harness.service.cache import maintenance
from harness.service.cache import prefetcher

PROG = 'harness-cache-prefetcher'


def _main(argv):
    conf = maintenance.load_conf(PROG, argv,
                                 'Fetch the queued images into the cache.')
    prefetcher.Prefetcher(conf).run()
    return 0


def main(argv=None):
    """Run the prefetcher; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
