"""Storing image data and activating the image.

Shared by create, update and copy-from.  The data is streamed from its
reader (``wsgi.input`` or a remote store's reader) into the store in
bounded chunks; whatever goes wrong, the image ends ``killed`` (a
duplicate upload: ``queued`` again) and no partial data is left behind.

Every status change is a compare-and-set in the registry: ``queued`` ->
``saving`` only from ``queued`` (a request that loses this race changes
nothing and gets 409), ``saving`` -> ``active``/``killed``/``queued`` only
from ``saving``.  So no failure path leaves an image ``saving``.
"""

import logging

import webob.exc

from harness.service import quota
from harness.service import store
from harness.service.api.imagedata import deletion
from harness.service.api.imagedata import limits
from harness.service.api.v1 import common
from harness.service.store import errors as store_errors
from harness.service.wsgi.body import BodyError

LOG = logging.getLogger(__name__)

UNQUEUED = 'Cannot upload to an unqueued image'


def get_store_or_400(conf, scheme):
    """Return the store of *scheme* (``Store for scheme <s> not found``).
    """
    try:
        return store.get_store(conf, scheme)
    except store_errors.UnknownScheme as exc:
        raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None


class Upload(object):
    """One upload of data for image *image* (its registry dict).

    :param conf: service configuration.
    :param ctx: request context (its owner's storage quota applies).
    :param client: registry client acting for *ctx*.
    :param image: the image as reserved or updated: its ``size`` and
        ``checksum``, when set, must match the data.
    """

    def __init__(self, conf, ctx, client, image):
        self.conf = conf
        self.ctx = ctx
        self.client = client
        self.image = image
        self.image_id = image['id']
        self.remaining = None

    def run(self, reader, length, target_store, saving=False):
        """Store the data of *reader*, then activate the image.

        :param length: the exact length of the data when known, else 0.
        :param saving: the caller already moved the image from ``queued``
            to ``saving`` (with its metadata, in one change).
        :returns: the active image's registry dict.
        :raises webob.exc.HTTPException: the store, a quota or a size or
            checksum check refused the data (the image's status then: see
            the module docstring); 409 when
            the image is no longer ``queued`` (nothing changed then).
        """
        if not saving:
            self.start_saving()
        try:
            uri, size, checksum, metadata = self._store(reader, length,
                                                        target_store)
        except webob.exc.HTTPException:
            common.kill_image(self.client, self.image_id)
            raise
        except Exception as exc:
            raise self._failure(exc) from exc
        except BaseException:
            # The worker is stopping: the image must not stay saving.
            common.kill_image(self.client, self.image_id)
            raise
        return self._activate(uri, size, checksum, metadata)

    def start_saving(self):
        """``queued`` -> ``saving``, or 409 if the image is not queued."""
        LOG.debug("Setting image %s to status 'saving'", self.image_id)
        try:
            with common.registry_errors({
                    webob.exc.HTTPNotFound:
                        'Failed to find image to update: {detail}',
                    webob.exc.HTTPForbidden:
                        'Forbidden to update image: {detail}'}):
                self.client.update_image(self.image_id, {'status': 'saving'},
                                         from_state='queued')
        except webob.exc.HTTPConflict:
            raise refused_start(self.client, self.image_id) from None

    def _usage(self):
        return quota.registry_storage_usage(self.client, self.ctx.owner,
                                            self.image_id)

    def _store(self, reader, length, target_store):
        known = length or self.image.get('size') or None
        self.remaining = quota.check_storage(self.conf.user_storage_quota,
                                             self._usage, known)
        limit = self.conf.image_size_cap
        if self.remaining is not None:
            limit = min(limit, self.remaining)
        uri, size, checksum, metadata = target_store.add(
            self.image_id, reader, length, max_bytes=limit)
        try:
            # Again: uploads of unknown size may have run in parallel.
            quota.check_storage(self.conf.user_storage_quota, self._usage,
                                size)
            self._check_supplied('size', size)
            self._check_supplied('checksum', checksum)
        except BaseException:
            LOG.info('Cleaning up the data of image %s', self.image_id)
            deletion.delete_data(self.conf, uri, self.image_id)
            raise
        return uri, size, checksum, metadata

    def _check_supplied(self, attr, actual):
        supplied = self.image.get(attr)
        if supplied and supplied != actual:
            message = ("Supplied %(attr)s (%(supplied)s) and %(attr)s "
                       "generated from uploaded image (%(actual)s) did not "
                       "match. Setting image status to 'killed'."
                       % {'attr': attr, 'supplied': supplied,
                          'actual': actual})
            LOG.error('%s', message)
            raise webob.exc.HTTPBadRequest(explanation=message)

    def _failure(self, exc):
        """Kill the image (a duplicate: queue it again); return the HTTP
        error."""
        if isinstance(exc, store_errors.Duplicate):
            LOG.info('Attempt to upload duplicate image %s: %s',
                     self.image_id, exc)
            self._requeue()
            return webob.exc.HTTPConflict(
                explanation='Attempt to upload duplicate image: %s' % exc)
        common.kill_image(self.client, self.image_id)
        if isinstance(exc, BodyError):
            LOG.info('Upload of image %s: %s', self.image_id, exc)
            return webob.exc.HTTPBadRequest(explanation=limits.DISCONNECTED)
        return self._store_failure(exc)

    def _requeue(self):
        """``saving`` -> ``queued``: the data already stored stays the
        image's; the status this request set is undone."""
        try:
            self.client.update_image(self.image_id, {'status': 'queued'},
                                     from_state='saving')
        except webob.exc.HTTPException as exc:
            LOG.warning('Unable to set image %s back to queued: %s',
                        self.image_id, exc)

    def _store_failure(self, exc):
        exc = limits.over_limit(exc, self.remaining, self.conf)
        if isinstance(exc, webob.exc.HTTPException):
            return exc
        if isinstance(exc, quota.StorageQuotaFull):
            return webob.exc.HTTPRequestEntityTooLarge(
                explanation='Denying attempt to upload image because it '
                'exceeds the .quota: %s' % exc)
        refusal = limits.store_refusal(exc)
        if refusal is not None:
            return refusal
        limits.log_internal(exc, self.image_id)
        return webob.exc.HTTPInternalServerError(
            explanation='Failed to upload image %s' % self.image_id)

    def _activate(self, uri, size, checksum, metadata):
        """Record data and location; only while the image is ``saving``.
        """
        values = {'checksum': checksum, 'size': size, 'status': 'active',
                  'location': uri}
        if metadata:
            values['location_data'] = [{'url': uri, 'metadata': metadata}]
        try:
            return self.client.update_image(self.image_id, values,
                                            from_state='saving')
        except webob.exc.HTTPNotFound:
            deletion.delete_data(self.conf, uri, self.image_id)
            raise self._gone() from None
        except webob.exc.HTTPConflict as exc:
            deletion.delete_data(self.conf, uri, self.image_id)
            LOG.info('Image %s left status saving during the upload: %s',
                     self.image_id, exc.detail)
            if self._deleted():
                raise self._gone() from None
            raise webob.exc.HTTPConflict(
                explanation='Image operation conflicts') from None
        except webob.exc.HTTPException:
            # Still saving (the registry failed or refused the values):
            # neither the data nor the status may stay.
            deletion.delete_data(self.conf, uri, self.image_id)
            common.kill_image(self.client, self.image_id)
            raise

    def _deleted(self):
        return is_deleted(self.client, self.image_id)

    def _gone(self):
        message = ('Image %s could not be found after upload. The image may '
                   'have been deleted during the upload.' % self.image_id)
        LOG.info('%s', message)
        return webob.exc.HTTPPreconditionFailed(explanation=message)


def is_deleted(client, image_id):
    """Whether *image_id* is gone (deleted or ``pending_delete``)."""
    try:
        image = client.get_image(image_id)
    except webob.exc.HTTPNotFound:
        return True
    return image.get('deleted') or image.get('status') in (
        'deleted', 'pending_delete')


def refused_start(client, image_id):
    """The error of an upload whose ``queued`` -> ``saving`` lost: 404 if
    a delete won (as if it came first), else 409 (not queued)."""
    if is_deleted(client, image_id):
        LOG.info('Image %s was deleted: upload refused', image_id)
        return webob.exc.HTTPNotFound(
            explanation='Image with identifier %s not found' % image_id)
    LOG.info('Image %s is no longer queued: upload refused', image_id)
    return webob.exc.HTTPConflict(explanation=UNQUEUED)
