"""The scrubber: deletes image data queued by delayed deletes.

:class:`Scrubber` is one run over the queue directory (the format is
:mod:`harness.service.scrub_queue`): it deletes the due data of images
the registry reports as ``pending_delete``, then sets them ``deleted``.
The daemon loop and the program live in :mod:`harness.cmd.scrubber`.

The registry client, the stores and the cipher are imported on first use:
a run with nothing due, which every ``start_servers`` makes, needs none of
them.  This module never imports SQLAlchemy.
"""

import datetime
import logging
import os
import time

from harness.errors import HarnessError
from harness.errors import StartupError
from harness.service.scrub_queue import QueueFileError
from harness.service.scrub_queue import ScrubQueue

LOG = logging.getLogger(__name__)

#: File of the queue directory holding the time of the last cleanup.
CLEANUP_FILE = '.cleanup'

#: Page size of the registry listing of the cleanup.
CLEANUP_PAGE = 100

PENDING_DELETE = 'pending_delete'


class DeleteFailed(HarnessError):
    """Deleting a queued URI failed (missing file...): the record goes."""


def decrypt_uri(conf, text):
    """Return the plain URI of queued *text* (decrypted when
    ``metadata_encryption_key`` is set).

    :raises DeleteFailed: the text does not decrypt with the key.
    """
    key = conf.metadata_encryption_key
    if not key:
        return text
    from harness.service import crypt
    try:
        return crypt.urlsafe_decrypt(key, text)
    except (ValueError, HarnessError) as exc:
        raise DeleteFailed('the queued location does not decrypt with '
                           'metadata_encryption_key: %s' % exc) from None


def delete_uri(conf, uri, image_id):
    """Delete the image data at plain *uri* (of image *image_id*).

    :raises DeleteFailed: the store failed (data already gone, unknown
        scheme, read-only store, permission denied...).
    """
    from harness.service import store
    try:
        store.get_store_from_uri(conf, uri).delete(uri)
    except (HarnessError, OSError) as exc:
        raise DeleteFailed(str(exc)) from None


class Scrubber(object):
    """One scrubber run over the queue directory of *conf*.

    :param registry: object with the ``RegistryClient`` methods
        ``get_image``, ``update_image`` and ``get_images_detailed``
        (default: a client of ``registry_host:registry_port`` without
        identity, which the registry's default pipeline makes an admin).
    :param deleter: ``(conf, uri, image_id)`` callable deleting the data
        at a plain URI (default :func:`delete_uri`); tests pass their own.
    """

    def __init__(self, conf, registry=None, deleter=None):
        self.conf = conf
        self.queue = ScrubQueue(conf.scrubber_datadir, conf.lock_path)
        self.deleter = deleter or delete_uri
        self._registry = registry

    @property
    def registry(self):
        """The registry client, created on first use."""
        if self._registry is None:
            from harness.service.registry import client
            self._registry = client.RegistryClient(self.conf, None)
        return self._registry

    def run(self, now=None):
        """Process every record due at *now* (default: the current time).

        :returns: the number of records removed from the queue.
        :raises StartupError: the queue directory cannot be created.
        """
        now = time.time() if now is None else now
        try:
            self.queue.ensure_dir()
        except OSError as exc:
            raise StartupError('Unable to create the scrubber queue '
                               'directory %s: %s'
                               % (self.queue.datadir, exc.strerror)) from None
        image_ids = self.queue.image_ids()
        LOG.info('Scrubbing %d queued image(s)', len(image_ids))
        removed = sum(self.scrub_image(image_id, now)
                      for image_id in image_ids)
        if self.conf.cleanup_scrubber:
            self.cleanup(now)
        return removed

    def scrub_image(self, image_id, now):
        """Process the due records of one image; return how many went.

        Nothing is deleted unless the registry says the image is
        ``pending_delete``; an image it reports otherwise (or not at all)
        loses its queue file and keeps its data.  When the registry does
        not answer, the records stay for the next run.
        """
        with self.queue.lock(image_id):
            records = self._load(image_id)
        if not any(record.delete_time <= now for record in records):
            return 0
        # Asked outside the lock: the API enqueues under it.
        status = self._status(image_id)
        if status is None:
            return 0
        if status != PENDING_DELETE:
            return self._drop(image_id, status)
        with self.queue.lock(image_id):
            records = self._load(image_id)
            due = [record for record in records if record.delete_time <= now]
            for record in due:
                self._delete(image_id, record.uri, encrypted=True)
            if due:
                self.queue.write(image_id, [record for record in records
                                            if record.delete_time > now])
        if due:
            self._mark_deleted(image_id)
        return len(due)

    def _load(self, image_id):
        """Records of *image_id* (lock held); [] for no or a bad file."""
        try:
            return self.queue.read(image_id)
        except FileNotFoundError:
            return []
        except (QueueFileError, OSError, UnicodeDecodeError) as exc:
            LOG.error('Skipping unreadable scrub queue file %s: %s',
                      self.queue.path(image_id), exc)
            return []

    def _drop(self, image_id, status):
        LOG.warning('Image %s is %s, not %s: dropping its scrub queue file '
                    'without deleting any data', image_id,
                    status or 'unknown to the registry', PENDING_DELETE)
        with self.queue.lock(image_id):
            count = len(self._load(image_id))
            self.queue.write(image_id, [])
        return count

    def _delete(self, image_id, uri, encrypted):
        """Delete the data at *uri*; a failure is logged and forgotten."""
        try:
            plain = decrypt_uri(self.conf, uri) if encrypted else uri
            self.deleter(self.conf, plain, image_id)
        except DeleteFailed as exc:
            # As Glance: the record goes anyway, so the queue does not
            # grow forever with data that is already gone.
            LOG.error('Failed to delete URI from image %s: %s', image_id, exc)
            return
        LOG.info('Deleted queued data of image %s', image_id)

    def _status(self, image_id):
        """The registry's status of *image_id*: ``''`` when it has no such
        image, ``None`` when it did not answer."""
        import webob.exc
        try:
            return self.registry.get_image(image_id)['status']
        except webob.exc.HTTPNotFound:
            return ''
        except webob.exc.HTTPException as exc:
            LOG.error('Cannot read image %s from the registry, keeping its '
                      'queued data for a later run: %s', image_id, exc)
            return None

    def _mark_deleted(self, image_id):
        """``pending_delete`` -> ``deleted`` once no record is queued."""
        if os.path.exists(self.queue.path(image_id)):
            return
        if self._status(image_id) != PENDING_DELETE:
            return
        import webob.exc
        try:
            self.registry.update_image(image_id, {'status': 'deleted'},
                                       from_state=PENDING_DELETE)
        except webob.exc.HTTPException as exc:
            LOG.error('Failed to set the status of image %s to deleted: %s',
                      image_id, exc)
            return
        LOG.info('Image %s is now deleted', image_id)

    def cleanup(self, now):
        """Scrub ``pending_delete`` images deleted more than
        ``cleanup_scrubber_time`` seconds ago that have no queue file.

        Runs at most once per ``cleanup_scrubber_time``, tracked in
        :data:`CLEANUP_FILE`; the first call only starts that clock.
        :returns: the number of images considered.
        """
        period = self.conf.cleanup_scrubber_time
        marker = os.path.join(self.queue.datadir, CLEANUP_FILE)
        last = _read_time(marker)
        if last is not None and last + period > now:
            return 0
        _write_time(marker, now)
        if last is None:
            return 0
        LOG.info('Getting images deleted before %s', period)
        old = [image for image in self._pending_deletes()
               if _deleted_before(image, now - period)
               and not os.path.exists(self.queue.path(image['id']))]
        for image in old:
            # The registry client hands locations out decrypted.
            for location in image.get('location_data') or ():
                self._delete(image['id'], location['url'], encrypted=False)
            self._mark_deleted(image['id'])
        return len(old)

    def _pending_deletes(self):
        import webob.exc
        filters = {'deleted': True, 'is_public': 'none',
                   'status': PENDING_DELETE}
        images, marker = [], None
        try:
            while True:
                page = self.registry.get_images_detailed(
                    filters=filters, limit=CLEANUP_PAGE, marker=marker)
                if not page:
                    return images
                images += page
                marker = page[-1]['id']
        except webob.exc.HTTPException as exc:
            LOG.error('Cannot list pending_delete images: %s', exc)
            return []


def _read_time(path):
    """The epoch time stored in *path*, ``None`` if missing or bad."""
    try:
        with open(path, encoding='utf-8') as handle:
            return float(handle.read().strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        LOG.warning('Ignoring unreadable cleanup file %s: %s', path, exc)
        return None


def _write_time(path, now):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('%d' % now)


def _deleted_before(image, limit):
    """Whether the registry dict *image* was deleted before epoch *limit*.

    ``deleted_at`` is ISO 8601 UTC without a zone, microseconds optional.
    """
    try:
        deleted_at = datetime.datetime.fromisoformat(image['deleted_at'])
    except (KeyError, TypeError, ValueError):
        return False
    deleted_at = deleted_at.replace(tzinfo=datetime.timezone.utc)
    return deleted_at.timestamp() < limit
