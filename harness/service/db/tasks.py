"""Tasks of the DB API.

A task dict has the ``tasks`` columns (``id, type, status, owner,
expires_at, created_at, updated_at, deleted_at, deleted``); single gets,
creates, updates and deletes add ``input``, ``result`` (JSON values) and
``message`` from ``task_info``.
"""

import datetime
import logging
import uuid

import sqlalchemy as sa

from harness.service import errors
from harness.service.db import common
from harness.service.db import filters as db_filters
from harness.service.db import schema

LOG = logging.getLogger(__name__)

TASKS = schema.tasks
INFO = schema.task_info

#: Keys of a task dict (without the task_info ones).
TASK_KEYS = ('id', 'type', 'status', 'owner', 'expires_at', 'created_at',
             'updated_at', 'deleted_at', 'deleted')
INFO_KEYS = ('input', 'result', 'message')


def task_create(engine, context, values):
    """Create a task (``input``/``result``/``message`` go to task_info).

    :raises Invalid: ``type``, ``status`` or ``owner`` missing, or values
        the columns refuse.
    :raises Duplicate: a task with this id exists.
    """
    values = dict(values)
    info = _pop_info(values)
    row = common.coerce_columns(TASKS, values)
    for key in ('type', 'status', 'owner'):
        if not row.get(key):
            raise errors.Invalid('Task %s is required.' % key)
    now = common.utcnow()
    for key, default in (('id', str(uuid.uuid4())), ('created_at', now),
                         ('updated_at', now), ('deleted', False)):
        if row.get(key) is None:
            row[key] = default
    common.check_id(row['id'], 'task')
    with engine.connect() as connection:
        if connection.execute(sa.select(TASKS.c.id).where(
                TASKS.c.id == row['id'])).first() is not None:
            raise errors.Duplicate('Task ID %s already exists!' % row['id'])
    with common.invalid_on_db_error(), engine.begin() as connection:
        connection.execute(TASKS.insert().values(**row))
        connection.execute(INFO.insert().values(task_id=row['id'],
                                                **_info_columns(info)))
        return _get(connection, context, row['id'], True)


def task_update(engine, context, task_id, values, from_state=None):
    """Change task *task_id* (protected keys ignored, ``updated_at`` =
    now) and its info; return it.

    ``expires_in`` (seconds) in *values* sets ``expires_at`` that long
    after this change's ``updated_at`` (one clock for both).

    :param from_state: apply only if the current status is this one (the
        task's runner and a stopping server both end a task: the first
        one wins).
    :raises TaskNotFound: missing or hidden deleted.
    :raises Forbidden: not visible to *context*.
    :raises Conflict: the status is not *from_state* (nothing changed).
    """
    values = dict(values)
    expires_in = values.pop('expires_in', None)
    info = _pop_info(values)
    changes = common.coerce_columns(TASKS, values)
    for key in common.PROTECTED_KEYS:
        changes.pop(key, None)
    changes['updated_at'] = common.utcnow()
    if expires_in is not None:
        changes['expires_at'] = (changes['updated_at']
                                 + datetime.timedelta(seconds=expires_in))
    with common.invalid_on_db_error(), engine.begin() as connection:
        task = _row(connection, context, task_id)
        query = TASKS.update().where(TASKS.c.id == task_id)
        if from_state:
            query = query.where(TASKS.c.status == from_state)
        if connection.execute(query.values(**changes)).rowcount == 0:
            raise errors.Conflict(
                'cannot transition task %s from %s to %s (wanted '
                'from_state=%s)' % (task_id, task['status'],
                                    values.get('status'), from_state))
        if info:
            _save_info(connection, task_id, info)
        return _get(connection, context, task_id, True)


def task_get(engine, context, task_id, force_show_deleted=False):
    """Return task *task_id* with its info.

    :raises TaskNotFound: missing, or deleted and deleted rows hidden.
    :raises Forbidden: not visible to *context*.
    """
    with engine.connect() as connection:
        return _get(connection, context, task_id, force_show_deleted)


def task_delete(engine, context, task_id):
    """Soft-delete task *task_id*; return it (with its info).

    :raises TaskNotFound, Forbidden: as :func:`task_get`.
    """
    with engine.begin() as connection:
        _row(connection, context, task_id)
        connection.execute(
            TASKS.update().where(TASKS.c.id == task_id)
            .values(**common.soft_delete_values(common.utcnow())))
        return _get(connection, context, task_id, True)


def task_get_all(engine, context, filters=None, marker=None, limit=None,
                 sort_key='created_at', sort_dir='desc',
                 admin_as_user=False):
    """List tasks (without their info).

    A non-admin context with an owner sees that owner's tasks only.
    ``filters``: ``deleted``, and equality on any other task column.
    Sorting and the marker work as for images.

    :raises TaskNotFound: the marker is missing (or hidden deleted).
    :raises InvalidSortKey: *sort_key* is not a task column.
    """
    filters = dict(filters or {})
    conditions = []
    if not (context.is_admin or admin_as_user) and context.owner is not None:
        conditions.append(TASKS.c.owner == context.owner)
    showing_deleted = False
    if 'deleted' in filters:
        showing_deleted = common.to_boolean('deleted', filters.pop('deleted'))
        conditions.append(TASKS.c.deleted == showing_deleted)
    for key, value in filters.items():
        if value is not None and key in TASKS.c:
            conditions.append(db_filters.column_equals(TASKS.c[key], value))
    columns = db_filters.sort_columns(sort_key, TASKS)
    with engine.connect() as connection:
        if marker is not None:
            marker_row = _row(connection, context, marker, showing_deleted)
            conditions.append(
                db_filters.after_marker(columns, marker_row, sort_dir))
        query = (sa.select(TASKS).where(*conditions)
                 .order_by(*db_filters.order_by(columns, sort_dir)))
        if limit is not None:
            query = query.limit(limit)
        return [_format(row._mapping) for row in connection.execute(query)]


def _pop_info(values):
    return {key: values.pop(key) for key in INFO_KEYS if key in values}


def _info_columns(info):
    columns = {key: common.dump_json(info[key])
               for key in ('input', 'result') if key in info}
    if 'message' in info:
        columns['message'] = info['message']
    return columns


def _save_info(connection, task_id, info):
    columns = _info_columns(info)
    result = connection.execute(INFO.update()
                                .where(INFO.c.task_id == task_id)
                                .values(**columns))
    if result.rowcount == 0:
        connection.execute(INFO.insert().values(task_id=task_id, **columns))


def _format(row, info=None):
    task = {key: row[key] for key in TASK_KEYS}
    if info is not None:
        task.update(input=common.load_json(info['input']),
                    result=common.load_json(info['result']),
                    message=info['message'])
    return task


def _visible(context, task):
    if context.is_admin or task['owner'] is None:
        return True
    return context.owner is not None and context.owner == task['owner']


def _row(connection, context, task_id, force_show_deleted=False):
    common.check_id(task_id, 'task')
    query = sa.select(TASKS).where(TASKS.c.id == task_id)
    if not force_show_deleted and not common.can_show_deleted(context):
        query = query.where(TASKS.c.deleted == sa.false())
    row = connection.execute(query).first()
    if row is None:
        LOG.debug('No task found with ID %s', task_id)
        raise errors.TaskNotFound('Task with the given id %s was not found'
                                  % task_id)
    task = dict(row._mapping)
    if not _visible(context, task):
        raise errors.Forbidden('Forbidding request, task %s is not visible'
                               % task_id)
    return task


def _get(connection, context, task_id, force_show_deleted):
    task = _row(connection, context, task_id, force_show_deleted)
    info = connection.execute(
        sa.select(INFO).where(INFO.c.task_id == task_id)).first()
    empty = {key: None for key in INFO_KEYS}
    return _format(task, empty if info is None else info._mapping)
