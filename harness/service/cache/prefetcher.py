"""The prefetcher: fetch every queued image into the cache.

For each id of ``queue/`` (oldest first) the registry is asked for the
image as admin; a missing or not ``active`` image is skipped with a
warning and its marker stays.  The data is read from the store of the
image's (decrypted) location and written into the cache, verified against
the registry's checksum: :meth:`ImageCache.cache_image_iter` removes the
marker on success and moves a mismatch to ``invalid/``.  One image
failing never stops the others.
"""

import contextlib
import logging

import webob.exc

from harness.errors import HarnessError
from harness.service import store
from harness.service.cache import ChecksumMismatch
from harness.service.cache import ImageCache

LOG = logging.getLogger(__name__)


def _admin_registry(conf):
    # No identity: the registry's own pipeline makes the caller an admin,
    # who sees deleted images too.
    from harness.service.registry import client
    return client.RegistryClient(conf, None)


class Prefetcher(object):
    """One run over the queue of the cache of *conf*.

    :param cache: an :class:`ImageCache` (default: built from *conf*).
    :param registry: object with ``get_image(id)`` (default: a registry
        client of ``registry_host:registry_port``).
    """

    def __init__(self, conf, cache=None, registry=None):
        self.conf = conf
        self.cache = ImageCache(conf) if cache is None else cache
        self.registry = registry or _admin_registry(conf)

    def run(self):
        """Fetch every queued image; return whether all were cached."""
        images = self.cache.get_queued_images()
        if not images:
            LOG.debug('Nothing to prefetch.')
            return True
        LOG.debug('Found %d images to prefetch', len(images))
        successes = sum(1 for image_id in images
                        if self.fetch_image_into_cache(image_id))
        if successes != len(images):
            LOG.error('Failed to successfully cache all images in queue.')
            return False
        LOG.info('Successfully cached all %d images', len(images))
        return True

    def fetch_image_into_cache(self, image_id):
        """Cache one queued image; return whether it is now cached."""
        if self.cache.is_cached(image_id):
            LOG.info("Image '%s' is already cached.", image_id)
            self.cache.delete_queued_image(image_id)
            return True
        image = self._active_image(image_id)
        if image is None:
            return False
        try:
            return self._cache_data(image_id, image)
        except ChecksumMismatch as exc:
            LOG.error("Image '%s' not cached: %s", image_id, exc)
        except (HarnessError, OSError) as exc:
            LOG.error("Failed to read the data of image '%s' from %s: %s",
                      image_id, _scheme(image), exc)
        return False

    def _active_image(self, image_id):
        """The registry dict of *image_id* when it is active, else None."""
        try:
            image = self.registry.get_image(image_id)
        except webob.exc.HTTPNotFound:
            LOG.warning("No metadata found for image '%s'", image_id)
            return None
        except webob.exc.HTTPException as exc:
            LOG.error("Cannot read image '%s' from the registry: %s",
                      image_id, exc)
            return None
        if image.get('status') != 'active':
            LOG.warning("Image '%s' is not active. Not caching.", image_id)
            return None
        if not image.get('location'):
            LOG.warning("Image '%s' has no location. Not caching.",
                        image_id)
            return None
        return image

    def _cache_data(self, image_id, image):
        location = image['location']
        chunks, _size = store.get_store_from_uri(self.conf, location).get(
            location)
        LOG.debug("Caching image '%s'", image_id)
        with contextlib.closing(chunks) as data:
            cached = self.cache.cache_image_iter(image_id, data,
                                                 image.get('checksum'))
        if not cached:
            LOG.warning("Image '%s' is being cached by another process; "
                        'leaving it queued', image_id)
        return cached


def _scheme(image):
    return (image.get('location') or '').partition(':')[0] or 'its store'
