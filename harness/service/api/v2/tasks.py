"""``/v2/tasks``: create, list, show; delete is refused.

A created task is run by :mod:`.task_runner` in the background
(2014.1 left tasks ``pending``; issue 6 asks for real execution).  A
task that ended gets ``expires_at`` = end + ``[task] task_time_to_live``
hours; once that time has passed it is deleted, as the ``DELETE`` answer
promises: every task call first soft-deletes the expired tasks its
caller can see.
"""

import logging
import urllib.parse

import webob
import webob.exc

from harness.service import errors as db_errors
from harness.service import webapp
from harness.service.api.v2 import listing
from harness.service.api.v2 import repo
from harness.service.api.v2 import task_runner
from harness.service.api.v2 import view
from harness.service.db import common as db_common

LOG = logging.getLogger(__name__)

STATUSES = ('pending', 'processing', 'success', 'failure')
TYPES = ('import',)
NOT_PERMITTED = ('This operation is currently not permitted on Glance '
                 'Tasks. They are auto deleted after reaching the time '
                 'based on their expires_at property.')
_PAGING = ('limit', 'marker', 'sort_key', 'sort_dir')


def task_view(task, full=True):
    """The JSON dict of *task*; *full* adds ``input``, ``result`` and
    ``message`` (the list shows neither)."""
    shown = {key: task[key] for key in ('id', 'type', 'status', 'owner')}
    if full:
        shown['input'] = task.get('input')
        for key in ('result', 'message'):
            if task.get(key) is not None:
                shown[key] = task[key]
    for key in ('expires_at', 'created_at', 'updated_at'):
        if task.get(key) is not None:
            shown[key] = view.timestamp(task[key])
    shown['self'] = '/v2/tasks/%s' % task['id']
    shown['schema'] = '/v2/schemas/task'
    return shown


def _expired(task, now):
    return task.get('expires_at') is not None and task['expires_at'] <= now


def purge_expired(db):
    """Soft-delete the ended tasks whose ``expires_at`` has passed."""
    now = db_common.utcnow()
    for status in ('success', 'failure'):
        for task in db.task_get_all(filters={'status': status,
                                             'deleted': False}):
            if _expired(task, now):
                LOG.info('Deleting task %s: expired at %s', task['id'],
                         task['expires_at'])
                try:
                    db.task_delete(task_id=task['id'])
                except db_errors.NotFound:
                    continue  # deleted meanwhile


def list_params(conf, params):
    """Listing arguments of ``GET /v2/tasks`` from query *params*.

    :raises webob.exc.HTTPBadRequest: a bad limit, marker, sort direction,
        status or type.
    """
    sort_dir = params.get('sort_dir', 'desc')
    if sort_dir not in ('asc', 'desc'):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid sort direction: %s' % sort_dir)
    filters = {key: value for key, value in params.items()
               if key not in _PAGING}
    for key, allowed in (('status', STATUSES), ('type', TYPES)):
        if filters.get(key) and filters[key] not in allowed:
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid %s value: %s' % (key, filters[key]))
    marker = params.get('marker')
    if marker is not None and not repo.is_uuid(marker):
        raise webob.exc.HTTPBadRequest(explanation='Invalid marker format')
    filters['deleted'] = False
    return {'filters': filters, 'marker': marker,
            'limit': listing.parse_limit(conf, params.get('limit')),
            'sort_key': params.get('sort_key', 'created_at'),
            'sort_dir': sort_dir}


class TasksController(object):
    """The task routes (*api*: the v2 router)."""

    def __init__(self, api):
        self.api = api

    def _authorize(self, req, action):
        ctx = self.api.context(req)
        self.api.enforce(ctx, action)
        return ctx, self.api.db(ctx)

    def create(self, req):
        """``POST /v2/tasks``: 201 with the new ``pending`` task."""
        ctx, db = self._authorize(req, 'add_task')
        body = webapp.read_json(req, missing=webapp.BODY_EXPECTED)
        if isinstance(body, dict):
            for key in ('type', 'input'):
                if key not in body:
                    raise webob.exc.HTTPBadRequest(
                        explanation="Task '%s' is required" % key)
        self.api.schemas.validate_task(body)
        if ctx.owner is None:
            # Tasks always have an owner, even an admin's (as in 2014.1).
            raise webob.exc.HTTPForbidden(
                explanation='You are not permitted to create this task '
                'with owner as: None')
        values = {'type': body['type'], 'input': body['input'],
                  'status': 'pending', 'owner': ctx.owner}
        try:
            task = db.task_create(values=values)
        except db_errors.Invalid as exc:
            raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
        task_runner.start(self.api, ctx, task)
        response = webapp.json_response(task_view(task), status=201)
        response.headers['Location'] = '%s/v2/tasks/%s' % (
            req.host_url, urllib.parse.quote(task['id'], safe=''))
        return response

    def index(self, req):
        """``GET /v2/tasks``: the caller's tasks, paged."""
        ctx, db = self._authorize(req, 'get_tasks')
        params = list_params(self.api.conf, req.GET)
        purge_expired(db)
        try:
            tasks = db.task_get_all(**params)
        except (db_errors.NotFound, db_errors.Invalid) as exc:
            raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
        except db_errors.Forbidden as exc:
            raise webob.exc.HTTPForbidden(explanation=str(exc)) from None
        body = {'tasks': [task_view(task, full=False) for task in tasks],
                'schema': '/v2/schemas/tasks'}
        body.update(listing.page_links(req.GET, tasks, params['limit'],
                                       '/v2/tasks'))
        return webapp.json_response(body)

    def show(self, req, task_id):
        """``GET /v2/tasks/<id>``: the full task; 404 when not visible."""
        ctx, db = self._authorize(req, 'get_task')
        missing = webob.exc.HTTPNotFound(
            explanation='Task with the given id %s was not found' % task_id)
        try:
            task = db.task_get(task_id=task_id)
            if _expired(task, db_common.utcnow()) and not task.get('deleted'):
                LOG.info('Deleting task %s: expired at %s', task_id,
                         task['expires_at'])
                db.task_delete(task_id=task_id)
                raise missing
        except (db_errors.NotFound, db_errors.Forbidden):
            raise missing from None
        if task.get('deleted'):
            raise missing
        return webapp.json_response(task_view(task))

    def delete(self, req, task_id):
        """``DELETE /v2/tasks/<id>``: always 405."""
        return webob.Response(status=405, body=NOT_PERMITTED.encode(),
                              content_type='text/plain', charset='UTF-8',
                              headers={'Allow': 'GET'})
