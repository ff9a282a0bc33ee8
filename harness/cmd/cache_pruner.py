"""``harness-cache-pruner``: trim the image cache to
``image_cache_max_size``, least recently accessed images first
(``python -m harness.cmd.cache_pruner --config-file <conf>``).

A thin main over :func:`harness.service.cache.maintenance.prune`.
"""

import sys

from harness.service import exit_status
from harness.service.cache import maintenance

PROG = 'harness-cache-pruner'


def _main(argv):
    conf = maintenance.load_conf(PROG, argv,
                                 'Trim the image cache to its maximum size.')
    maintenance.prune(conf)
    return 0


def main(argv=None):
    """Run the pruner; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
