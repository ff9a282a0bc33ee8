"""``PUT`` and ``GET /v2/images/<id>/file``.

An upload moves the image ``queued`` -> ``saving`` (compare-and-set),
streams the body into ``default_store`` (bounded chunks, MD5 on the way,
published only when complete), then records size, checksum and location
and makes it ``active`` -- only if it is still ``saving``.  Any failure
deletes what was written and puts the image back to ``queued``.
:class:`Upload` is shared with the ``import`` task.
"""

import logging

import webob
import webob.exc

from harness.errors import HarnessError
from harness.service import errors as db_errors
from harness.service import quota
from harness.service import store
from harness.service.api.imagedata import deletion
from harness.service.api.imagedata import download
from harness.service.api.imagedata import limits
from harness.service.api.v2 import locations as locations_mod
from harness.service.api.v2 import repo
from harness.service.store import chunks
from harness.service.store import errors as store_errors
from harness.service.wsgi.body import BodyError

LOG = logging.getLogger(__name__)

OCTET_STREAM = 'application/octet-stream'
#: Statuses of an image deleted under an upload (which then gets 410).
GONE = ('deleted', 'pending_delete')


def _quota_error(exc):
    return webob.exc.HTTPRequestEntityTooLarge(
        explanation='Image exceeds the storage quota: %s' % exc)


class Upload(object):
    """Store data for image *record* (a v2 record) and activate it.

    :param api: the v2 router (conf, policy, DB gateway).
    :param ctx: the request context; its owner's storage quota applies.
    """

    def __init__(self, api, ctx, record):
        self.conf = api.conf
        self.db = api.db(ctx)
        self.ctx = ctx
        self.image_id = record['id']
        self.record = record
        self.remaining = None

    def run(self, reader, length):
        """Store *reader*'s data (*length* bytes; 0: until EOF).

        :raises webob.exc.HTTPException: the upload's refusals; the
            image is then back to ``queued`` and no data is left.
        """
        self._check_startable()
        self._check_room(length)
        self._set_saving()
        try:
            uri, size, checksum, metadata = self._store(reader, length)
        except BaseException as exc:
            self._restore()
            if isinstance(exc, webob.exc.HTTPException) or \
                    not isinstance(exc, Exception):
                raise
            raise self._failure(exc) from exc
        self._activate(uri, size, checksum, metadata)

    # -- before any byte -------------------------------------------------

    def _check_startable(self):
        status = self.record['status']
        if status != 'queued':
            raise self._transition_error(status)
        missing = [key for key in ('disk_format', 'container_format')
                   if not self.record.get(key)]
        if missing:
            raise webob.exc.HTTPBadRequest(
                explanation=locations_mod.missing_formats(missing))

    @staticmethod
    def _transition_error(status):
        return webob.exc.HTTPConflict(
            explanation='Image status transition from %s to saving is not '
            'allowed' % status)

    def _usage(self):
        return self.db.user_get_storage_usage(owner_id=self.ctx.owner,
                                              image_id=self.image_id)

    def _check_room(self, length):
        """Refuse a known size over the cap or the storage quota."""
        if length and length > self.conf.image_size_cap:
            raise webob.exc.HTTPRequestEntityTooLarge(
                explanation=limits.cap_message(self.conf))
        try:
            self.remaining = quota.check_storage(
                self.conf.user_storage_quota, self._usage, length or None)
        except quota.StorageQuotaFull as exc:
            raise _quota_error(exc) from None

    def _set_saving(self):
        try:
            self.db.image_update(image_id=self.image_id,
                                 values={'status': 'saving'},
                                 from_state='queued')
        except db_errors.Conflict:
            current = self._current()
            if current is None or current['status'] in GONE:
                raise self._gone() from None
            raise self._transition_error(current['status']) from None
        except (db_errors.NotFound, db_errors.Forbidden):
            # It was there when the request read it: deleted since.
            raise self._gone() from None

    # -- the bytes -------------------------------------------------------

    def _store(self, reader, length):
        limit = self.conf.image_size_cap
        if self.remaining is not None:
            limit = min(limit, self.remaining)
        target = store.get_store(self.conf, self.conf.default_store)
        uri, size, checksum, metadata = target.add(
            self.image_id, reader, length, max_bytes=limit)
        try:
            if length and size != length:
                # A remote source that closed early (a client that does
                # is already a BodyError).
                raise webob.exc.HTTPBadRequest(
                    explanation='Image data is incomplete: %d of %d bytes'
                    % (size, length))
            # Again: uploads of unknown size may have run in parallel.
            quota.check_storage(self.conf.user_storage_quota, self._usage,
                                size)
        except BaseException:
            deletion.delete_data(self.conf, uri, self.image_id)
            raise
        return uri, size, checksum, metadata

    def _failure(self, exc):
        """The HTTP error of a failed store (the image is ``queued``)."""
        exc = limits.over_limit(exc, self.remaining, self.conf)
        if isinstance(exc, webob.exc.HTTPException):
            return exc
        if isinstance(exc, quota.StorageQuotaFull):
            return _quota_error(exc)
        if isinstance(exc, BodyError):
            LOG.info('Upload of image %s: %s', self.image_id, exc)
            return webob.exc.HTTPBadRequest(explanation=limits.DISCONNECTED)
        refusal = limits.store_refusal(exc)
        if refusal is not None:
            return refusal
        limits.log_internal(exc, self.image_id)
        return webob.exc.HTTPInternalServerError(
            explanation='Failed to upload image data due to internal error')

    def _restore(self):
        """``saving`` -> ``queued`` after a failure (logged if refused)."""
        try:
            self.db.image_update(
                image_id=self.image_id,
                values={'status': 'queued', 'size': None,
                        'virtual_size': None},
                from_state='saving')
        except (db_errors.ServiceError, HarnessError,
                webob.exc.HTTPException) as exc:
            LOG.warning('Unable to restore image %s to queued: %s',
                        self.image_id, exc)

    # -- after the bytes -------------------------------------------------

    def _activate(self, uri, size, checksum, metadata):
        location = {'url': repo.encrypt_url(self.conf, uri),
                    'metadata': metadata or {}}
        values = {'status': 'active', 'size': size, 'checksum': checksum,
                  'locations': [location]}
        try:
            self.db.image_update(image_id=self.image_id, values=values,
                                 from_state='saving')
        except (db_errors.Conflict, db_errors.NotFound,
                db_errors.Forbidden) as exc:
            deletion.delete_data(self.conf, uri, self.image_id)
            LOG.info('Image %s left status saving during the upload: %s',
                     self.image_id, exc)
            current = self._current()
            if current is None or current['status'] in GONE:
                raise self._gone() from None
            raise webob.exc.HTTPConflict(
                explanation='Image operation conflicts') from None
        LOG.debug('Image %s is active: %d bytes, checksum %s',
                  self.image_id, size, checksum)

    def _gone(self):
        return webob.exc.HTTPGone(explanation=(
            'Image %s could not be found after upload. The image may have '
            'been deleted during the upload.' % self.image_id))

    def _current(self):
        """The image row as it is now (``None``: gone)."""
        try:
            row = self.db.image_get(image_id=self.image_id)
        except (db_errors.NotFound, db_errors.Forbidden):
            return None
        return None if row.get('deleted') else row


class DataController(object):
    """Upload and download of image data (*api*: the v2 router)."""

    def __init__(self, api):
        self.api = api

    def upload(self, req, image_id):
        """``PUT .../file``: 204 once the image is ``active``."""
        if req.content_type != OCTET_STREAM:
            # webob's own 415 page would hide the explanation.
            raise webob.exc.HTTPUnsupportedMediaType(
                explanation='Invalid content type %s' % req.content_type,
                body_template='${explanation}')
        api = self.api
        ctx = api.context(req)
        record = repo.load(api, ctx, image_id)
        api.enforce(ctx, 'modify_image')
        api.enforce(ctx, 'upload_image')
        repo.check_owner(ctx, record, 'Not allowed to upload image data '
                         'for image %s' % image_id)
        Upload(api, ctx, record).run(
            req.environ['wsgi.input'],
            limits.content_length(req.environ))
        return webob.Response(status=204)

    def download(self, req, image_id):
        """``GET .../file``: the data (200), or 204 without locations."""
        api = self.api
        ctx = api.context(req)
        record = repo.load(api, ctx, image_id)
        api.enforce(ctx, 'get_image_location')
        ordered = locations_mod.ordered(api.conf, record['locations'])
        if not ordered:
            return webob.Response(status=204)
        api.enforce(ctx, 'download_image', repo.policy_target(record))
        reader, stored = self._open(image_id, ordered)
        size = record.get('size') or stored
        body = download.ImageData(reader, size, image_id)
        wrapper = req.environ.get('wsgi.file_wrapper')
        if wrapper is not None:
            # A file is read into one reused buffer by the server.
            body = wrapper(body, chunks.CHUNK_SIZE)
        response = webob.Response(status=200, content_type=OCTET_STREAM,
                                  charset=None, app_iter=body)
        response.content_length = size
        if record.get('checksum'):
            response.headers['Content-MD5'] = record['checksum']
        return response

    def _open(self, image_id, ordered):
        """Open the first location that works: ``(reader, size)``.

        :raises webob.exc.HTTPNotFound: every location failed.
        """
        failure = None
        for location in ordered:
            url = location['url']
            try:
                return store.get_store_from_uri(self.api.conf, url).get(url)
            except store_errors.StoreError as exc:
                LOG.warning('Image %s: location unavailable: %s',
                            image_id, exc)
                failure = exc
        raise webob.exc.HTTPNotFound(explanation=(
            'No data could be read for image %s: %s' % (image_id, failure)))
