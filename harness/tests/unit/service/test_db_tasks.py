"""Tasks of the DB API on SQLite, MariaDB and PostgreSQL."""

import datetime
import uuid

import testtools

from harness.service import errors
from harness.service.db import api as db_api
from harness.tests.unit.service.dbapi_base import ADMIN
from harness.tests.unit.service.dbapi_base import DBTestMixin
from harness.tests.unit.service.dbapi_base import T0
from harness.tests.unit.service.dbapi_base import user


class TasksMixin(DBTestMixin):

    def task(self, minute=0, **values):
        when = T0 + datetime.timedelta(minutes=minute)
        for key, default in (('type', 'import'), ('status', 'pending'),
                             ('owner', 't1'), ('created_at', when),
                             ('updated_at', when)):
            values.setdefault(key, default)
        return db_api.task_create(self.engine, ADMIN, values)

    def ids(self, context=ADMIN, **kwargs):
        return [task['id'] for task in
                db_api.task_get_all(self.engine, context, **kwargs)]

    def test_create_and_get_with_info(self):
        expires = datetime.datetime(2014, 5, 1, 1, 2, 3, 456789)
        task_id = str(uuid.uuid4())
        created = self.task(id=task_id, input='{"loc": "fake"}',
                            result={'image_id': 'x'}, message='blah',
                            expires_at=expires)
        got = db_api.task_get(self.engine, user('t1'), task_id)
        self.assertEqual(created, got)
        self.assertEqual(
            (task_id, 'import', 'pending', 't1', '{"loc": "fake"}',
             {'image_id': 'x'}, 'blah', expires, False, None),
            tuple(got[key] for key in (
                'id', 'type', 'status', 'owner', 'input', 'result',
                'message', 'expires_at', 'deleted', 'deleted_at')))

    def test_create_defaults_and_errors(self):
        task = db_api.task_create(self.engine, ADMIN, {
            'type': 'import', 'status': 'pending', 'owner': 't1'})
        self.assertEqual(str(uuid.UUID(task['id'])), task['id'])
        self.assertEqual((None, None, None),
                         (task['input'], task['result'], task['message']))
        self.assertRaises(errors.Duplicate, self.task, id=task['id'])
        self.assertRaises(errors.Invalid, db_api.task_create, self.engine,
                          ADMIN, {'status': 'pending', 'owner': 't1'})

    def test_update(self):
        task = self.task(input={'import_from': 'fake'}, result={'a': 1})
        updated = db_api.task_update(self.engine, ADMIN, task['id'], {
            'status': 'processing', 'message': 'an error',
            'created_at': T0.replace(year=2000)})
        self.assertEqual(('processing', 'an error', {'import_from': 'fake'},
                          {'a': 1}, T0),
                         (updated['status'], updated['message'],
                          updated['input'], updated['result'],
                          updated['created_at']))
        self.assertGreater(updated['updated_at'], updated['created_at'])
        self.assertRaises(errors.TaskNotFound, db_api.task_update,
                          self.engine, ADMIN, str(uuid.uuid4()), {})

    def test_update_from_state_is_a_compare_and_set(self):
        task = self.task(status='processing')
        ended = db_api.task_update(self.engine, ADMIN, task['id'], {
            'status': 'failure', 'message': 'stopped'},
            from_state='processing')
        self.assertEqual(('failure', 'stopped'),
                         (ended['status'], ended['message']))
        # The loser changes nothing, its info neither.
        self.assertRaises(errors.Conflict, db_api.task_update, self.engine,
                          ADMIN, task['id'], {'status': 'success',
                                              'message': 'late'},
                          from_state='processing')
        got = db_api.task_get(self.engine, ADMIN, task['id'])
        self.assertEqual(('failure', 'stopped', ended['updated_at']),
                         (got['status'], got['message'], got['updated_at']))

    def test_delete(self):
        task = self.task()
        deleted = db_api.task_delete(self.engine, ADMIN, task['id'])
        self.assertIs(True, deleted['deleted'])
        self.assertIsNotNone(deleted['deleted_at'])
        error = self.assertRaises(errors.TaskNotFound, db_api.task_get,
                                  self.engine, user('t1'), task['id'])
        self.assertIsInstance(error, errors.NotFound)
        self.assertIs(True, db_api.task_get(self.engine, user('t1'),
                                            task['id'],
                                            force_show_deleted=True)
                      ['deleted'])

    def test_visibility(self):
        task = self.task(owner='t1')
        self.assertRaises(errors.Forbidden, db_api.task_get, self.engine,
                          user('t2'), task['id'])
        self.assertRaises(errors.Forbidden, db_api.task_update, self.engine,
                          user('t2'), task['id'], {'status': 'x'})
        self.assertRaises(errors.TaskNotFound, db_api.task_get, self.engine,
                          ADMIN, 'x' * 40)

    def test_get_all_filters_and_owner(self):
        mine = self.task(0, owner='t1', type='import')['id']
        theirs = self.task(1, owner='t2', type='export')['id']
        gone = self.task(2, owner='t1')['id']
        db_api.task_delete(self.engine, ADMIN, gone)
        self.assertEqual([gone, theirs, mine], self.ids())
        self.assertEqual([gone, mine], self.ids(user('t1')))
        self.assertEqual([gone, theirs, mine], self.ids(user('t1'),
                                                        admin_as_user=True))
        self.assertEqual([theirs], self.ids(filters={'type': 'export'}))
        self.assertEqual([theirs, mine], self.ids(filters={'deleted': False}))
        self.assertEqual([gone], self.ids(filters={'deleted': True}))
        self.assertEqual([], self.ids(filters={'type': 'export',
                                               'owner': 't1'}))
        self.assertNotIn('input', db_api.task_get_all(self.engine, ADMIN)[0])

    def test_get_all_sort_marker_limit(self):
        ids = [self.task(minute, type=kind)['id']
               for minute, kind in enumerate(['b', 'a', 'c'])]
        self.assertEqual(ids, self.ids(sort_dir='asc'))
        self.assertEqual([ids[1], ids[0], ids[2]],
                         self.ids(sort_key='type', sort_dir='asc'))
        self.assertEqual([ids[0], ids[2]],
                         self.ids(sort_key='type', sort_dir='asc',
                                  marker=ids[1]))
        self.assertEqual([ids[2]], self.ids(limit=1))
        self.assertRaises(errors.InvalidSortKey, self.ids, sort_key='nope')
        self.assertRaises(errors.TaskNotFound, self.ids,
                          marker=str(uuid.uuid4()))


class TestTasksSQLite(TasksMixin, testtools.TestCase):
    backend = 'sqlite'


class TestTasksMySQL(TasksMixin, testtools.TestCase):
    backend = 'mysql'


class TestTasksPostgreSQL(TasksMixin, testtools.TestCase):
    backend = 'postgresql'
