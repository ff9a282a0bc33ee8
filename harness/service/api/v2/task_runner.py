"""Running v2 tasks: the ``import`` task from an HTTP(S) source.

Input (as the later Glance releases defined it)::

    {"import_from": "http://...", "import_from_format": "qcow2",
     "image_properties": {"name": ..., "disk_format": ...,
                          "container_format": ..., ...}}

The task goes ``pending`` -> ``processing`` -> ``success`` (result
``{"image_id": ...}``) or ``failure`` (a one-line ``message``); either
end sets ``expires_at``.  The image is created only once the input is
valid, and a failed import deletes it: nothing is left half-imported.

Each task runs in a thread started by the request that created it,
never at import time (the server forks workers after importing).
"""

import datetime
import logging
import threading

import webob.exc

from harness.errors import HarnessError
from harness.service import errors as db_errors
from harness.service import store
from harness.service.api.v2 import data
from harness.service.api.v2 import images
from harness.service.api.v2 import locations
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)

REQUIRED_INPUT = ('import_from', 'import_from_format', 'image_properties')
SOURCE_SCHEMES = ('http', 'https')
#: Default of ``[task] task_time_to_live``, in hours.
DEFAULT_TTL_HOURS = 48


class TaskFailed(HarnessError):
    """The task cannot complete; the message is shown to the user."""


def time_to_live(conf):
    """``[task] task_time_to_live`` as a timedelta (hours)."""
    raw = conf.get('task_time_to_live', 'task')
    try:
        hours = int(raw) if raw is not None else DEFAULT_TTL_HOURS
    except ValueError:
        LOG.warning('Invalid [task] task_time_to_live %r; using %d hours',
                    raw, DEFAULT_TTL_HOURS)
        hours = DEFAULT_TTL_HOURS
    return datetime.timedelta(hours=hours)


def start(api, ctx, task):
    """Run *task* in a background thread; return the thread."""
    runner = ImportTask(api, ctx, task)
    thread = threading.Thread(target=runner.run, daemon=True,
                              name='task-%s' % task['id'])
    thread.start()
    return thread


def _http_message(exc):
    return exc.detail or exc.explanation or exc.status


class ImportTask(object):
    """One ``import`` task for request context *ctx*."""

    def __init__(self, api, ctx, task):
        self.api = api
        self.ctx = ctx
        self.task_id = task['id']
        self.input = task.get('input') or {}
        self.db = api.db(ctx)
        self.image_id = None

    def run(self):
        """Run to the end; every failure becomes the task's message."""
        try:
            self._update(status='processing')
        except (db_errors.ServiceError, HarnessError) as exc:
            LOG.error('Task %s could not start: %s', self.task_id, exc)
            return
        try:
            image_id = self._import()
        except TaskFailed as exc:
            self._fail(str(exc))
        except webob.exc.HTTPException as exc:
            self._fail(_http_message(exc))
        except Exception as exc:
            LOG.exception('Task %s failed', self.task_id)
            self._fail('Unexpected error: %s' % exc)
        else:
            self._finish('success', result={'image_id': image_id})

    def _update(self, **values):
        self.db.task_update(task_id=self.task_id, values=values)

    def _finish(self, status, **values):
        ttl = time_to_live(self.api.conf).total_seconds()
        try:
            self._update(status=status, expires_in=ttl, **values)
        except (db_errors.ServiceError, HarnessError) as exc:
            LOG.error('Task %s could not record its end: %s',
                      self.task_id, exc)
            return
        LOG.info('Task %s: %s', self.task_id, status)

    def _fail(self, message):
        LOG.info('Task %s failed: %s', self.task_id, message)
        self._delete_image()
        self._finish('failure', message=message)

    # -- the import ------------------------------------------------------

    def _import(self):
        url, properties = self._check_input()
        core, extra, tags = self._split(properties)
        reader, size = self._open(url)
        with reader:
            record = self._create_image(core, extra, tags)
            data.Upload(self.api, self.ctx, record).run(reader, size)
        return record['id']

    def _check_input(self):
        for key in REQUIRED_INPUT:
            if key not in self.input:
                raise TaskFailed("Input does not contain '%s' field" % key)
        url = self.input['import_from']
        properties = self.input['image_properties']
        if not isinstance(properties, dict):
            raise TaskFailed("Input field 'image_properties' must be an "
                             "object")
        try:
            scheme = store.scheme_of(url).lower()
        except store_errors.BadStoreUri:
            scheme = None
        if scheme not in SOURCE_SCHEMES:
            raise TaskFailed('The given uri is not valid. Please specify a '
                             'valid uri from the following list of '
                             'supported uri %s' % list(SOURCE_SCHEMES))
        return url, properties

    def _split(self, properties):
        """Validate *properties* as an image create body is validated;
        an import also needs both formats and ``upload_image``."""
        if 'id' in properties:
            raise TaskFailed("Attribute 'id' is read-only.")
        core, extra, tags = images.check_create_body(self.api, self.ctx,
                                                     properties)
        missing = [key for key in ('disk_format', 'container_format')
                   if not core.get(key)]
        if missing:
            raise TaskFailed(locations.missing_formats(missing))
        self.api.enforce(self.ctx, 'upload_image')
        return core, extra, tags

    def _open(self, url):
        try:
            return store.get_store_from_uri(self.api.conf, url).get(url)
        except store_errors.StoreError as exc:
            raise TaskFailed('Unable to read the image data: %s'
                             % exc) from None

    def _create_image(self, core, extra, tags):
        record = images.write_image(self.api, self.ctx, core, extra, tags)
        self.image_id = record['id']
        LOG.info('Task %s imports into image %s', self.task_id,
                 record['id'])
        return record

    def _delete_image(self):
        """Delete the image a failed import created (its data is gone:
        the upload removes what it wrote)."""
        if self.image_id is None:
            return
        try:
            self.db.image_update(image_id=self.image_id,
                                 values={'status': 'deleted'})
            self.db.image_destroy(image_id=self.image_id)
        except (db_errors.ServiceError, HarnessError) as exc:
            LOG.error('Task %s: unable to delete image %s: %s',
                      self.task_id, self.image_id, exc)
