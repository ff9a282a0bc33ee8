"""``DELETE /v1/images/<id>`` and deleting image data (spec 9.8, 14.1).

With ``delayed_delete`` the data of a deleted image is queued for the
scrubber (its first location, encrypted when ``metadata_encryption_key``
is set) and the image reads ``pending_delete``; otherwise the data is
deleted at once and the image reads ``deleted``.
"""

import logging
import time

import webob
import webob.exc

from harness.errors import HarnessError
from harness.service import crypt
from harness.service import scrub_queue
from harness.service import store
from harness.service.api.v1 import common
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)

#: Tries of a delete that uploads keep overtaking.
ATTEMPTS = 10

#: Block size of locations encrypted in scrub queue files (spec 8.4).
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


class DeleteController(object):
    """The delete action of the v1 API (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def delete(self, req, image_id):
        """Delete the image, its data (or queue it), then its record.

        The status change is a compare-and-set on the status read; if an
        upload moved it meanwhile, the delete reads again and wins.
        """
        ctx, client = self.api.authorize(req, 'delete_image')
        common.check_writable(ctx)
        for _ in range(ATTEMPTS):
            image = common.get_image_or_404(client, image_id)
            if not self._delete(client, image):
                continue
            LOG.info('Deleted image %s', image_id)
            return webob.Response(status=200, body=b'')
        raise webob.exc.HTTPConflict(explanation='Image operation conflicts')

    def _delete(self, client, image):
        """Delete *image* as read; ``False`` if its status changed since.
        """
        image_id = image['id']
        if image.get('protected'):
            raise webob.exc.HTTPForbidden(explanation='Image is protected')
        status = image.get('status')
        if status == 'pending_delete':
            raise webob.exc.HTTPForbidden(
                explanation='Forbidden to delete a pending_delete image.')
        if status == 'deleted':
            raise webob.exc.HTTPNotFound(
                explanation='Image %s not found.' % image_id)
        new_status = 'deleted'
        if image.get('location') and self.api.conf.delayed_delete:
            new_status = 'pending_delete'
        with common.registry_errors({
                webob.exc.HTTPNotFound:
                    'Failed to find image to delete: {detail}',
                webob.exc.HTTPForbidden:
                    'Forbidden to delete image: {detail}'}):
            # The registry first: it decides whether we may delete.
            try:
                image = client.update_image(image_id, {'status': new_status},
                                            from_state=status)
            except webob.exc.HTTPConflict:
                return False
            self._delete_data(client, image, status)
            client.delete_image(image_id)
        return True

    def _delete_data(self, client, image, old_status):
        location = image.get('location')
        if not location:
            return
        try:
            initiate_deletion(self.api.conf, location, image['id'])
        except (OSError, HarnessError) as exc:
            LOG.error('Unable to delete the data of image %s: %s',
                      image['id'], exc)
            client.update_image(image['id'], {'status': old_status},
                                from_state=image['status'])
            raise webob.exc.HTTPInternalServerError(
                explanation='Failed to delete the data of image %s'
                % image['id']) from None
