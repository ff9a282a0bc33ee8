"""Deleting image data, now or through the scrubber's queue.

With ``delayed_delete`` the data of a deleted image is queued for the
scrubber (its first location, encrypted when ``metadata_encryption_key``
is set) and the image reads ``pending_delete``; otherwise the data is
deleted at once and the image reads ``deleted``.
"""

import logging
import time

from harness.service import crypt
from harness.service import scrub_queue
from harness.service import store
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)

#: Block size of locations encrypted in scrub queue files (the
#: scrubber decrypts them with it).
QUEUE_BLOCKSIZE = 64


def delete_data(conf, uri, image_id):
    """Delete the data at *uri* now; store failures are only logged.

    A missing file is expected (deleted meanwhile); a store that cannot
    delete (read-only HTTP) must not make the image undeletable.
    """
    try:
        store.get_store_from_uri(conf, uri).delete(uri)
    except (store_errors.NotFound, store_errors.Forbidden) as exc:
        LOG.warning('Failed to delete image %s in store from URI: %s',
                    image_id, exc)
    except store_errors.StoreError as exc:
        LOG.error('Failed to delete image %s in store: %s', image_id, exc)


def schedule_delete(conf, uri, image_id, now=None):
    """Queue *uri* for the scrubber, due in ``scrub_time`` seconds.

    :raises OSError: the queue file cannot be written.
    :raises harness.service.crypt.CryptError: unusable encryption key.
    """
    now = time.time() if now is None else now
    queued = uri
    if conf.metadata_encryption_key:
        queued = crypt.urlsafe_encrypt(conf.metadata_encryption_key, uri,
                                       QUEUE_BLOCKSIZE)
    queue = scrub_queue.ScrubQueue(conf.scrubber_datadir, conf.lock_path)
    queue.add(image_id, queued, now + conf.scrub_time)
    LOG.debug('Queued the data of image %s for deletion', image_id)


def initiate_deletion(conf, uri, image_id):
    """Delete or queue (``delayed_delete``) the data at *uri*."""
    if conf.delayed_delete:
        schedule_delete(conf, uri, image_id)
    else:
        delete_data(conf, uri, image_id)
