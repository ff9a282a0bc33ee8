"""``harness-cache-manage``: manage the image cache of a running API
(``python -m harness.cmd.cache_manage``).

A thin command line over :mod:`harness.service.cache.manage_cli`::

    harness-cache-manage --port 9292 list-cached
    harness-cache-manage -f queue-image <IMAGE_ID>
    harness-cache-manage help delete-all-cached-images
"""

import sys

from harness.service import exit_status
from harness.service.cache import manage_cli


def main(argv=None):
    """Run ``harness-cache-manage``; return the process exit status."""
    return exit_status.run(manage_cli.main, argv)


if __name__ == '__main__':
    sys.exit(main())
