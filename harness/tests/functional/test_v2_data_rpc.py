"""Image data, locations and tasks of v2 through the registry's ``/rpc``
(``data_api = glance.db.registry.api``), over real HTTP."""

import os

from harness.glance import functional
from harness.tests.functional import client
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2


class TestV2DataThroughRegistry(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        # The API's own database URL is made unusable: every DB call of
        # the v2 data path must go through the registry.
        conf = self.api_server.conf_base.replace(
            'sql_connection = %(sql_connection)s',
            'sql_connection = sqlite:////nonexistent-v2-dir/none.db')
        self.assertNotEqual(conf, self.api_server.conf_base)
        self.api_server.conf_base = conf.replace(
            '[paste_deploy]', 'data_api = glance.db.registry.api\n'
            '[paste_deploy]')
        self.data = os.urandom(50000)
        self.remote = v1.RemoteData(self.data)
        self.addCleanup(self.remote.close)
        self.start_servers(user_storage_quota=200000,
                           show_multiple_locations=True,
                           **self.__dict__.copy())
        self.owner = v2.V2(self.api_port, v2.TENANT1)

    def new_image(self):
        return self.owner.create(name='rpc', disk_format='raw',
                                 container_format='bare')['id']

    def upload(self, image_id, body):
        headers = dict(self.owner.headers,
                       **{'Content-Type': 'application/octet-stream'})
        return client.request(self.api_port, 'PUT',
                              '/v2/images/%s/file' % image_id, headers,
                              body)[0]

    def test_data_locations_and_quota(self):
        image_id = self.new_image()
        self.assertEqual(204, self.upload(image_id, self.data))
        status, headers, body = self.owner.request(
            'GET', '/images/%s/file' % image_id)
        self.assertEqual((200, self.data, v1.md5(self.data)),
                         (status, body, headers['content-md5']))
        status, _, body = self.owner.patch(image_id, [
            {'op': 'add', 'path': '/locations/-',
             'value': {'url': self.remote.url(), 'metadata': {}}}])
        self.assertEqual(200, status, body)
        # 2 x 50000 stored; 100001 more bytes do not fit in 200000.
        other = self.new_image()
        self.assertEqual(413, self.upload(other, v1.chunked(
            b'q' * 100001, 4096)))
        self.assertEqual('queued', self.owner.json(
            'GET', '/images/%s' % other)['status'])
        self.assertEqual([image_id], v1.image_files(
            self.api_server.image_dir))

    def test_import_task_and_expiry(self):
        task = self.owner.json('POST', '/tasks', {
            'type': 'import', 'input': {
                'import_from': self.remote.url(),
                'import_from_format': 'raw',
                'image_properties': {'name': 'imported',
                                     'disk_format': 'raw',
                                     'container_format': 'bare'}}},
                               expect=201)
        path = '/tasks/%s' % task['id']

        def ended():
            shown = self.owner.json('GET', path)
            return shown if shown['status'] in ('success', 'failure') \
                else None
        task = v1.wait_for(ended)
        self.assertEqual('success', task['status'], task)
        image = self.owner.json('GET',
                                '/images/%s' % task['result']['image_id'])
        self.assertEqual(('active', v1.md5(self.data)),
                         (image['status'], image['checksum']))
        self.run_sql_cmd("UPDATE tasks SET expires_at = '2000-01-01 "
                         "00:00:00' WHERE id = '%s'" % task['id'])
        self.assertEqual(404, self.owner.request('GET', path)[0])
        self.assertEqual([], self.owner.json('GET', '/tasks')['tasks'])
