"""v2 tasks over real HTTP: create, list, show, the 405 on
delete, the ``import`` task run against a local HTTP server, expiry."""

import datetime
import json
import os

from harness.glance import functional
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

TASK_KEYS = {'id', 'type', 'status', 'owner', 'input', 'created_at',
             'updated_at', 'self', 'schema'}
BRIEF_KEYS = {'id', 'type', 'status', 'owner', 'created_at', 'updated_at',
              'self', 'schema'}
NOT_PERMITTED = (b'This operation is currently not permitted on Glance '
                 b'Tasks. They are auto deleted after reaching the time '
                 b'based on their expires_at property.')
ENDED = ('success', 'failure')


def _time(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ')


class V2TasksTest(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.data = os.urandom(64 * 1024 + 3)
        self.remote = v1.RemoteData(self.data)
        self.addCleanup(self.remote.close)
        self.start_servers(**self.__dict__.copy())
        self.owner = v2.V2(self.api_port, v2.TENANT1)
        self.other = v2.V2(self.api_port, v2.TENANT2)

    def import_input(self, url=None, **properties):
        props = {'name': 'imported', 'disk_format': 'raw',
                 'container_format': 'bare'}
        props.update(properties)
        return {'import_from': url or self.remote.url(),
                'import_from_format': 'raw', 'image_properties': props}

    def create(self, task_input=None, api=None):
        body = {'type': 'import', 'input': task_input or self.import_input()}
        return (api or self.owner).json('POST', '/tasks', body, expect=201)

    def wait_ended(self, task_id, api=None):
        """The task once it ended (polled: it runs in the server)."""
        api = api or self.owner

        def ended():
            task = api.json('GET', '/tasks/%s' % task_id)
            return task if task['status'] in ENDED else None
        return v1.wait_for(ended)


class TestV2Tasks(V2TasksTest):

    def test_import_succeeds(self):
        status, headers, body = self.owner.request(
            'POST', '/tasks', {'type': 'import',
                               'input': self.import_input(foo='bar')})
        self.assertEqual(201, status, body)
        task = json.loads(body)
        self.assertEqual(TASK_KEYS, set(task))
        self.assertEqual(('import', 'pending', 'tenant1',
                          '/v2/tasks/%s' % task['id'], '/v2/schemas/task'),
                         (task['type'], task['status'], task['owner'],
                          task['self'], task['schema']))
        self.assertEqual('http://127.0.0.1:%d/v2/tasks/%s'
                         % (self.api_port, task['id']), headers['location'])
        ended = self.wait_ended(task['id'])
        self.assertEqual('success', ended['status'], ended)
        self.assertEqual(TASK_KEYS | {'result', 'expires_at'}, set(ended))
        # Expires task_time_to_live (48) hours after it ended.
        self.assertEqual(datetime.timedelta(hours=48),
                         _time(ended['expires_at'])
                         - _time(ended['updated_at']))
        image_id = ended['result']['image_id']
        image = self.owner.json('GET', '/images/%s' % image_id)
        self.assertEqual(('active', len(self.data), v1.md5(self.data),
                          'imported', 'bar', 'tenant1'),
                         (image['status'], image['size'], image['checksum'],
                          image['name'], image['foo'], image['owner']))
        self.remote.close()
        status, _, body = self.owner.request('GET',
                                             '/images/%s/file' % image_id)
        self.assertEqual((200, self.data), (status, body))

    def assertImportFails(self, task_input, message):
        task = self.wait_ended(self.create(task_input)['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn(message, task['message'])
        self.assertIn('expires_at', task)
        self.assertNotIn('result', task)
        return task

    def test_import_failures_leave_nothing(self):
        missing = self.remote.url('/missing')
        self.assertImportFails(self.import_input(missing),
                               'Unable to read the image data')
        self.assertImportFails({'import_from': self.remote.url()},
                               "Input does not contain "
                               "'import_from_format' field")
        self.assertImportFails(self.import_input('file:///etc/passwd'),
                               'The given uri is not valid.')
        self.assertImportFails(
            self.import_input(container_format=None),
            "Provided object does not match schema 'image'")
        props = self.import_input()
        del props['image_properties']['disk_format']
        self.assertImportFails(props, 'Property disk_format must be set '
                               'prior to saving data.')
        self.assertImportFails(self.import_input(status='active'),
                               "Attribute 'status' is read-only.")
        # Exactly what POST /v2/images refuses.
        self.assertImportFails(self.import_input(min_ram=-1),
                               "Invalid value '-1' for parameter 'min_ram': "
                               "Cannot be a negative value")
        self.assertImportFails(self.import_input(**{'p' * 256: 'v'}),
                               'Property name is longer than 255 '
                               'characters')
        self.assertEqual([], self.owner.ids())
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_import_of_truncated_source_fails(self):
        remote = v1.RemoteData(self.data, short_by=1000)
        self.addCleanup(remote.close)
        self.assertImportFails(
            self.import_input(remote.url()),
            'Image data is incomplete: %d of %d bytes'
            % (len(self.data), len(self.data) + 1000))
        self.assertEqual([], self.owner.ids())
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_import_over_storage_quota(self):
        self.stop_servers()
        self.start_servers(user_storage_quota=1000, **self.__dict__.copy())
        self.owner = v2.V2(self.api_port, v2.TENANT1)
        self.assertImportFails(self.import_input(),
                               'Image exceeds the storage quota')
        self.assertEqual([], self.owner.ids())
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_bad_create_requests(self):
        for body, message in (
                ({'input': {}}, "Task 'type' is required"),
                ({'type': 'import'}, "Task 'input' is required"),
                ({'type': 'export', 'input': {}},
                 "Provided object does not match schema 'task'"),
                ({'type': 'import', 'input': 'x'},
                 "Provided object does not match schema 'task'"),
                (b'{"type": ', 'Malformed JSON in request body.')):
            status, _, content = self.owner.request('POST', '/tasks', body)
            self.assertEqual(400, status, content)
            self.assertIn(message.encode(), content)
        no_owner = v2.V2(self.api_port, 'admin:none:admin')
        status, _, content = no_owner.request(
            'POST', '/tasks', {'type': 'import', 'input': {}})
        self.assertEqual(403, status)
        self.assertIn(b'You are not permitted to create this task with '
                      b'owner as: None', content)
        self.assertEqual([], self.owner.json('GET', '/tasks')['tasks'])

    def test_show_and_delete(self):
        task = self.wait_ended(self.create()['id'])
        path = '/tasks/%s' % task['id']
        self.assertEqual(404, self.other.request('GET', path)[0])
        self.assertEqual(404, self.owner.request(
            'GET', '/tasks/%s' % v1.new_id())[0])
        status, headers, body = self.owner.request('DELETE', path)
        self.assertEqual((405, NOT_PERMITTED, 'GET'),
                         (status, body, headers['allow']))
        self.assertEqual(task, self.owner.json('GET', path))

    def test_list_paging_and_filters(self):
        ids = [self.wait_ended(self.create()['id'])['id'] for _ in range(3)]
        failed = self.wait_ended(self.create(
            self.import_input(self.remote.url('/missing')))['id'])
        page = self.owner.json('GET', '/tasks?limit=2&type=import')
        self.assertEqual('/v2/tasks?limit=2&type=import', page['first'])
        self.assertEqual('/v2/schemas/tasks', page['schema'])
        seen = [task['id'] for task in page['tasks']]
        self.assertEqual(BRIEF_KEYS | {'expires_at'},
                         set(page['tasks'][0]))
        while 'next' in page:
            self.assertTrue(page['next'].startswith(
                '/v2/tasks?limit=2&type=import&marker='))
            page = self.owner.json('GET', page['next'][len('/v2'):])
            seen += [task['id'] for task in page['tasks']]
        self.assertEqual(sorted(ids + [failed['id']]), sorted(seen))
        failures = self.owner.json('GET', '/tasks?status=failure')
        self.assertEqual([failed['id']],
                         [task['id'] for task in failures['tasks']])
        self.assertEqual(sorted(ids), sorted(
            task['id'] for task in self.owner.json(
                'GET', '/tasks?status=success&sort_dir=asc')['tasks']))
        self.assertEqual([], self.other.json('GET', '/tasks')['tasks'])
        for query, message in (
                ('status=bogus', 'Invalid status value: bogus'),
                ('type=bogus', 'Invalid type value: bogus'),
                ('marker=abc', 'Invalid marker format'),
                ('limit=x', 'limit param must be an integer'),
                ('limit=-1', 'limit param must be positive'),
                ('sort_dir=up', 'Invalid sort direction: up'),
                ('sort_key=bogus', 'Sort key supplied was not valid.'),
                ('marker=' + v1.new_id(), 'not found')):
            status, _, body = self.owner.request('GET', '/tasks?' + query)
            self.assertEqual(400, status, query)
            self.assertIn(message.encode(), body)

    def test_showing_an_expired_task_deletes_it(self):
        gone = self.wait_ended(self.create()['id'])
        self.run_sql_cmd("UPDATE tasks SET expires_at = '2000-01-01 "
                         "00:00:00' WHERE id = '%s'" % gone['id'])
        self.assertEqual(404, self.owner.request(
            'GET', '/tasks/%s' % gone['id'])[0])
        rows = self.run_sql_cmd("SELECT deleted FROM tasks WHERE id = '%s'"
                                % gone['id'])
        self.assertTrue(rows[0][0])

    def test_expired_tasks_are_deleted(self):
        kept = self.wait_ended(self.create()['id'])
        gone = self.wait_ended(self.create()['id'])
        self.run_sql_cmd("UPDATE tasks SET expires_at = '2000-01-01 "
                         "00:00:00' WHERE id = '%s'" % gone['id'])
        self.assertEqual([kept['id']], [task['id'] for task in self.owner.json(
            'GET', '/tasks')['tasks']])
        self.assertEqual(404, self.owner.request(
            'GET', '/tasks/%s' % gone['id'])[0])
        rows = self.run_sql_cmd("SELECT deleted FROM tasks WHERE id = '%s'"
                                % gone['id'])
        self.assertTrue(rows[0][0])

    def test_policies(self):
        task = self.create()
        self.wait_ended(task['id'])
        for rule, method, path in (
                ('add_task', 'POST', '/tasks'),
                ('get_tasks', 'GET', '/tasks'),
                ('get_task', 'GET', '/tasks/%s' % task['id'])):
            self.set_policy_rules({rule: '!', 'default': ''})
            body = {'type': 'import', 'input': {}} if method == 'POST' \
                else None
            self.assertEqual(403, self.owner.request(method, path, body)[0],
                             rule)
