"""``harness-cache-cleaner``: remove invalid cache entries and partial
ones untouched for ``image_cache_stall_time`` seconds
(``python -m harness.cmd.cache_cleaner --config-file <conf>``).

A thin main over :func:`harness.service.cache.maintenance.clean`.
"""

import sys

from harness.service import exit_status
from harness.service.cache import maintenance

PROG = 'harness-cache-cleaner'


def _main(argv):
    conf = maintenance.load_conf(
        PROG, argv, 'Remove invalid and stalled files from the image cache.')
    maintenance.clean(conf)
    return 0


def main(argv=None):
    """Run the cleaner; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
