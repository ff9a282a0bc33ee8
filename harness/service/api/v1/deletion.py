"""``DELETE /v1/images/<id>``.

The image's data is deleted or queued for the scrubber
(:mod:`harness.service.api.imagedata.deletion`), then its record.
"""

import logging

import webob
import webob.exc

from harness.errors import HarnessError
from harness.service.api.imagedata import deletion
from harness.service.api.v1 import common

LOG = logging.getLogger(__name__)

#: Tries of a delete that uploads keep overtaking.
ATTEMPTS = 10


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
            deletion.initiate_deletion(self.api.conf, location,
                                       image['id'])
        except (OSError, HarnessError) as exc:
            LOG.error('Unable to delete the data of image %s: %s',
                      image['id'], exc)
            client.update_image(image['id'], {'status': old_status},
                                from_state=image['status'])
            raise webob.exc.HTTPInternalServerError(
                explanation='Failed to delete the data of image %s'
                % image['id']) from None
