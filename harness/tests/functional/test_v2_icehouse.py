"""v2 facts of icehouse's final release, 2014.1.5, and
the known v2 defects of issue 13 that need no race: each over real HTTP
against launched servers."""

import json
import os
import socket

from harness.tests.functional import client
from harness.tests.functional import test_v2_data
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

SHOWN = {'show_multiple_locations': True}
HIDDEN = {'show_multiple_locations': False}
RESTRICTED = ('filesystem:///etc/passwd', 'swift+config://ref1/glance/x')


class V2Icehouse(test_v2_data.V2DataTest):
    """Servers with fakeauth and a local HTTP server (``self.remote``)."""

    def setUp(self):
        self.data = os.urandom(5000)
        self.remote = v1.RemoteData(self.data)
        super().setUp()
        self.addCleanup(self.remote.close)

    def show_raw(self, image_id):
        status, _, body = self.owner.request('GET', '/images/%s' % image_id)
        self.assertEqual(200, status, body)
        return body

    def assertRefusedPatch(self, image_id, status, message, ops):
        before = self.show_raw(image_id)
        got, _, body = self.owner.patch(image_id, ops)
        self.assertEqual(status, got, body)
        self.assertIn(message.encode(), body)
        self.assertEqual(before, self.show_raw(image_id))

    @staticmethod
    def add(url):
        return {'op': 'add', 'path': '/locations/-',
                'value': {'url': url, 'metadata': {}}}


class TestV2RestrictedLocations(V2Icehouse):

    server_args = SHOWN

    def test_restricted_schemes_are_invalid_locations(self):
        queued = self.new_image()
        active = self.new_image()
        self.assertEqual(204, self.upload(active, b'data')[0])
        own = 'file://%s/%s' % (self.api_server.image_dir, active)
        for url in (own,) + RESTRICTED:
            for image_id in (queued, active):
                self.assertRefusedPatch(image_id, 400, 'Invalid location',
                                        [self.add(url)])
            self.assertRefusedPatch(queued, 400, 'Invalid location', [
                {'op': 'replace', 'path': '/locations',
                 'value': [{'url': url, 'metadata': {}}]}])
        self.assertEqual([active], self.files())


class TestV2HiddenLocations(V2Icehouse):

    server_args = HIDDEN

    def test_locations_patch_works_when_hidden(self):
        image_id = self.new_image()
        status, _, body = self.owner.patch(image_id,
                                           [self.add(self.remote.url())])
        self.assertEqual(200, status, body)
        image = json.loads(body)
        self.assertNotIn('locations', image)
        self.assertEqual(('active', len(self.data)),
                         (image['status'], image['size']))
        status, _, body = self.owner.request('GET', '/images/%s/file'
                                             % image_id)
        self.assertEqual((200, self.data), (status, body))
        status, _, body = self.owner.patch(
            image_id, [{'op': 'remove', 'path': '/locations/0'}])
        self.assertEqual(200, status, body)
        self.assertEqual('queued', self.image(image_id)['status'])
        self.assertRefusedPatch(image_id, 400, 'Invalid location',
                                [self.add(RESTRICTED[0])])


class TestV2ChunkedCap(V2Icehouse):

    conf_lines = 'image_size_cap = 128\n'

    def test_chunked_upload_over_cap(self):
        for pieces in ([b'c' * 129], [b'c' * 128, b'c'], [b'c'] * 129):
            image_id = self.new_image()
            status, _, body = self.upload(image_id, iter(pieces))
            self.assertEqual(413, status, body)
            image = self.image(image_id)
            self.assertEqual('queued', image['status'])
            self.assertIsNone(image.get('checksum'))
            self.assertIsNone(image.get('size'))
            self.assertEqual([], self.files())
        self.assertEqual(204, self.upload(image_id, iter([b'c' * 128]))[0])
        self.assertEqual(128, self.image(image_id)['size'])


class TestV2Defects(V2Icehouse):

    def test_accept_patch_sorted(self):
        image_id = self.new_image()
        status, headers, _ = self.owner.patch(image_id, [],
                                              'application/json')
        self.assertEqual(415, status)
        self.assertEqual('application/openstack-images-v2.0-json-patch, '
                         'application/openstack-images-v2.1-json-patch',
                         headers['accept-patch'])

    def test_date_filters_that_are_no_dates(self):
        self.new_image()
        for query, name in (('created_at_min=5', 'created_at_min'),
                            ('updated_at_max=0', 'updated_at_max'),
                            ('created_at=garbage', 'created_at'),
                            ('updated_at=2014-13-45', 'updated_at')):
            status, _, body = self.owner.request('GET', '/images?' + query)
            self.assertEqual(400, status, (query, body))
            self.assertIn(name.encode(), body)
        status, _, body = self.owner.request('GET', '/tasks?expires_at=x')
        self.assertEqual(400, status, body)
        self.assertIn(b'expires_at', body)
        # A real date-time still filters.
        self.assertEqual(1, len(self.owner.json(
            'GET', '/images?created_at_min=2000-01-01T00:00:00Z')['images']))

    def test_registry_rpc_date_filter(self):
        for filters in ({'created_at': 'garbage'}, {'updated_at_min': 5}):
            status, _, body = client.request(
                self.registry_port, 'POST', '/rpc',
                {'Content-Type': 'application/json',
                 'X-Auth-Token': v2.ADMIN},
                json.dumps([{'command': 'image_get_all',
                             'kwargs': {'filters': filters}}]).encode())
            self.assertEqual(200, status, body)
            error = json.loads(body)[0]['_error']
            self.assertEqual('harness.service.db.errors.Invalid',
                             error['cls'])
            self.assertIn(list(filters)[0], error['val'])
            self.assertNotIn('SELECT', error['val'])

    def test_task_body_not_an_object(self):
        for body in ([{'type': 'import', 'input': {}}], 'import', 5, None):
            status, _, content = self.owner.request(
                'POST', '/tasks', json.dumps(body).encode(),
                {'Content-Type': 'application/json'})
            self.assertEqual(400, status, (body, content))
        self.assertEqual([], self.owner.json('GET', '/tasks')['tasks'])

    def test_body_longer_than_content_length(self):
        image_id = self.new_image()
        sock = socket.create_connection(('127.0.0.1', self.api_port),
                                        timeout=v2.TIMEOUT)
        self.addCleanup(sock.close)
        head = ('PUT /v2/images/%s/file HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                'X-Auth-Token: %s\r\nContent-Type: application/octet-stream'
                '\r\nContent-Length: 5\r\n\r\n' % (image_id, v2.TENANT1))
        sock.sendall(head.encode() + b'hello, world')
        answer = b''
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        statuses = [line.split(b' ')[1] for line in answer.split(b'\r\n')
                    if line.startswith(b'HTTP/1.1 ')]
        # The 5 declared bytes are the image; ", world" cannot begin a
        # request: 400 and a close at once (not a 408 after the deadline).
        self.assertEqual([b'204', b'400'], statuses, answer)
        self.assertEqual(5, self.image(image_id)['size'])


class TestV2ChunkedCapThroughRegistry(TestV2ChunkedCap):
    """The same with the v2 data path through the registry's ``/rpc``."""

    conf_lines = ('image_size_cap = 128\n'
                  'data_api = glance.db.registry.api\n')
