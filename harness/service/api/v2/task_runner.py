"""Running v2 tasks: the ``import`` task from an HTTP(S) source.

Input (as the later Glance releases defined it)::

    {"import_from": "http://...", "import_from_format": "qcow2",
     "image_properties": {"name": ..., "disk_format": ...,
                          "container_format": ..., ...}}

The task goes ``pending`` -> ``processing`` -> ``success`` (result
``{"image_id": ...}``) or ``failure`` (a one-line ``message``); either
end sets ``expires_at``.  The image is created only once the input is
valid, and a failed import deletes it: nothing is left half-imported.

Each task runs as a background job (:mod:`harness.service.background`)
started by the request that created it, never at import time (the server
forks workers after importing).  Every status change is a compare-and-set
(``pending`` -> ``processing`` -> an end), so a task a stopping server
abandoned stays as the stop marked it: ``failure``, "the server stopped
before the task finished", its image deleted.
"""

import datetime
import logging

import webob.exc

from harness.errors import HarnessError
from harness.service import background
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
#: The message of a task its server stopped (a deliberate difference:
#: 2014.1 left it ``processing``).
STOPPED = 'the server stopped before the task finished'


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
    """Run *task* as a background job; return the job."""
    runner = ImportTask(api, ctx, task)
    return background.start('task-%s' % task['id'], runner.run,
                            runner.abandon)


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
        self.job = None

    def run(self, job):
        """Run to the end; every failure becomes the task's message.

        :param job: this task's :class:`background.Job`.
        """
        self.job = job
        try:
            self._update('pending', status='processing')
        except (db_errors.ServiceError, HarnessError) as exc:
            LOG.error('Task %s could not start: %s', self.task_id, exc)
            return
        try:
            image_id = self._import()
        except background.Stopped:
            self._fail(STOPPED)
            raise
        except TaskFailed as exc:
            self._fail(str(exc))
        except webob.exc.HTTPException as exc:
            self._fail(_http_message(exc))
        except Exception as exc:
            LOG.exception('Task %s failed', self.task_id)
            self._fail('Unexpected error: %s' % exc)
        else:
            self._finish('success', result={'image_id': image_id})

    def abandon(self):
        """The server stops while the task runs (its thread is blocked on
        the source): mark it from the stopping thread."""
        self._fail(STOPPED)
        if self.image_id is not None:
            target = store.get_store(self.api.conf,
                                     self.api.conf.default_store)
            getattr(target, 'remove_partials', lambda image_id: None)(
                self.image_id)

    def _update(self, from_state, **values):
        self.db.task_update(task_id=self.task_id, values=values,
                            from_state=from_state)

    def _finish(self, status, from_states=('processing',), **values):
        """End the task (compare-and-set from each of *from_states* in
        turn: a stopping server may have ended it already)."""
        ttl = time_to_live(self.api.conf).total_seconds()
        for from_state in from_states:
            try:
                self._update(from_state, status=status, expires_in=ttl,
                             **values)
            except db_errors.Conflict:
                continue
            except (db_errors.ServiceError, HarnessError) as exc:
                LOG.error('Task %s could not record its end: %s',
                          self.task_id, exc)
                return
            LOG.info('Task %s: %s', self.task_id, status)
            return
        LOG.info('Task %s was ended meanwhile: not %s', self.task_id,
                 ' nor '.join(from_states))

    def _fail(self, message):
        LOG.info('Task %s failed: %s', self.task_id, message)
        self._delete_image()
        # A task abandoned before its thread ran is still pending.
        self._finish('failure', ('processing', 'pending'), message=message)

    # -- the import ------------------------------------------------------

    def _import(self):
        url, properties = self._check_input()
        core, extra, tags = self._split(properties)
        reader, size = self._open(url)
        with reader:
            self.job.check()
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
        """The guarded reader of *url* (it ends when the server stops)."""
        try:
            reader, size = store.get_store_from_uri(self.api.conf,
                                                    url).get(url)
        except store_errors.StoreError as exc:
            raise TaskFailed('Unable to read the image data: %s'
                             % exc) from None
        return self.job.guard(reader), size

    def _create_image(self, core, extra, tags):
        record = images.write_image(self.api, self.ctx, core, extra, tags)
        self.image_id = record['id']
        LOG.info('Task %s imports into image %s', self.task_id,
                 record['id'])
        return record

    def _delete_image(self):
        """Delete the image a failed import created (its data is gone:
        the upload removes what it wrote): ``deleted`` from ``queued`` or
        ``saving`` (compare-and-set), then the soft delete."""
        if self.image_id is None:
            return
        for from_state in ('queued', 'saving'):
            try:
                self.db.image_update(image_id=self.image_id,
                                     values={'status': 'deleted'},
                                     from_state=from_state)
                self.db.image_destroy(image_id=self.image_id)
                return
            except db_errors.Conflict:
                continue
            except (db_errors.ServiceError, HarnessError) as exc:
                LOG.error('Task %s: unable to delete image %s: %s',
                          self.task_id, self.image_id, exc)
                return
        LOG.info('Task %s: image %s was not deleted: it is neither queued '
                 'nor saving', self.task_id, self.image_id)
