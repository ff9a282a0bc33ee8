"""What the cache tools share: their configuration, and the pruner and
cleaner runs.

``harness-cache-prefetcher``, ``-pruner`` and ``-cleaner`` read the same
lenient INI files as the servers (``--config-file``, default
``harness-cache.conf`` in the usual directories): ``image_cache_dir``,
``image_cache_driver``, ``image_cache_max_size``,
``image_cache_stall_time``, and for the prefetcher ``registry_host``,
``registry_port`` and ``metadata_encryption_key``.
"""

import logging

from harness.service import config
from harness.service import log
from harness.service import process_conf
from harness.service.cache import ImageCache

LOG = logging.getLogger(__name__)

DEFAULT_FILES = ('harness-cache.conf',)


def load_conf(prog, argv, description):
    """Parse *argv*, load the conf files, set up logging; return the conf.

    :raises ConfigError: an unreadable or invalid conf file.
    """
    parser = config.build_parser(prog, description=description)
    args = parser.parse_args(argv)
    conf = config.load(args, default_files=DEFAULT_FILES)
    process_conf.set_conf(conf)
    log.setup(conf, prog)
    return conf


def prune(conf, cache=None):
    """Trim the cache to ``image_cache_max_size``, least recently
    accessed first; return ``(files, bytes)`` removed."""
    cache = ImageCache(conf) if cache is None else cache
    files, freed = cache.prune()
    if files:
        LOG.info('Pruned %d image(s), %d bytes, from the cache to '
                 'image_cache_max_size (%d)', files, freed, cache.max_size)
    else:
        LOG.debug('Image cache has free space, skipping prune...')
    return files, freed


def clean(conf, cache=None):
    """Remove invalid entries and stalled partial ones; return how many."""
    cache = ImageCache(conf) if cache is None else cache
    removed = cache.clean()
    LOG.info('Removed %d invalid or stalled file(s) from the cache', removed)
    return removed
