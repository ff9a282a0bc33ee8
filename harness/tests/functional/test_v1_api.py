"""The v1 images API end to end over real HTTP."""

import gzip
import json
import os
import time

from harness.glance import functional
from harness.service import crypt
from harness.tests.functional import v1_support as v1

BRIEF_KEYS = {'id', 'name', 'size', 'disk_format', 'container_format',
              'checksum'}
DETAIL_KEYS = {'id', 'name', 'status', 'size', 'virtual_size',
               'disk_format', 'container_format', 'min_disk', 'min_ram',
               'is_public', 'checksum', 'owner', 'protected', 'created_at',
               'updated_at', 'deleted_at', 'deleted', 'properties'}


class TestV1Lifecycle(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)

    def _file(self, image_id):
        return os.path.join(self.api_server.image_dir, image_id)

    def _read_file(self, image_id):
        with open(self._file(image_id), 'rb') as handle:
            return handle.read()

    def test_lifecycle(self):
        self.start_servers(**self.__dict__.copy())
        self.assertEqual([], self.api.list(detail=False))

        # Create with a Content-Length body.
        data = os.urandom(v1.FIVE_KB)
        status, headers, body = self.api.create(
            v1.minimal_headers('Image1', **{
                'X-Image-Meta-Property-Distro': 'Ubuntu'}), data)
        self.assertEqual(201, status, body)
        self.assertEqual('application/json', headers['content-type'])
        image = json.loads(body)['image']
        first = image['id']
        self.assertEqual(DETAIL_KEYS, set(image))
        self.assertEqual(('Image1', 'active', v1.FIVE_KB, v1.md5(data), True,
                          {'distro': 'Ubuntu'}),
                         (image['name'], image['status'], image['size'],
                          image['checksum'], image['is_public'],
                          image['properties']))
        self.assertEqual('http://127.0.0.1:%d/v1/images/%s'
                         % (self.api_port, first), headers['location'])
        self.assertEqual(v1.md5(data), headers['etag'])
        self.assertEqual(data, self._read_file(first))

        # Create with a chunked body.
        big = os.urandom(300 * 1024 + 3)
        status, headers, body = self.api.create(
            v1.minimal_headers('Image2', **{
                'X-Image-Meta-Property-Distro': 'Fedora'}),
            v1.chunked(big, 64 * 1024))
        self.assertEqual(201, status, body)
        second = json.loads(body)['image']
        self.assertEqual((len(big), v1.md5(big), 'active'),
                         (second['size'], second['checksum'],
                          second['status']))
        self.assertEqual(big, self._read_file(second['id']))

        self._check_listings(first, second['id'], len(big))
        self._check_update(first)
        self._check_head(first, data)
        self._check_download(first, data)
        self._check_delete(first)
        self.assertEqual([second['id']], [i['id'] for i in self.api.list()])
        self.stop_servers()

    def _check_listings(self, first, second, big_size):
        brief = self.api.list(detail=False)
        self.assertEqual([second, first], [image['id'] for image in brief])
        self.assertEqual([BRIEF_KEYS] * 2, [set(image) for image in brief])
        detail = self.api.list()
        self.assertEqual([DETAIL_KEYS] * 2, [set(image) for image in detail])
        self.assertEqual([first], [image['id'] for image in
                                   self.api.list('?name=Image1')])
        self.assertEqual([second], [image['id'] for image in self.api.list(
            '?property-distro=Fedora')])
        self.assertEqual([second], [image['id'] for image in self.api.list(
            '?size_min=%d' % big_size)])
        self.assertEqual([first, second], [image['id'] for image in
                                           self.api.list('?sort_key=name'
                                                         '&sort_dir=asc')])
        self.assertEqual([second], [image['id'] for image in self.api.list(
            '?sort_key=name&sort_dir=asc&marker=%s' % first)])
        self.assertEqual([second], [image['id'] for image in
                                    self.api.list('?limit=1')])

    def _check_update(self, image_id):
        status, headers, body = self.api.request(
            'PUT', '/v1/images/%s' % image_id,
            {'X-Image-Meta-Name': 'Renamed',
             'X-Image-Meta-Min-Ram': '256',
             'X-Image-Meta-Property-Arch': 'x86_64'})
        self.assertEqual(200, status, body)
        image = json.loads(body)['image']
        self.assertEqual(('Renamed', 256, {'arch': 'x86_64'}),
                         (image['name'], image['min_ram'],
                          image['properties']))
        self.assertNotIn('location', image)
        self.assertEqual('http://127.0.0.1:%d/v1/images/%s'
                         % (self.api_port, image_id), headers['location'])
        self.assertEqual(image['checksum'], headers['etag'])
        # Without purging, properties are added to the others.
        status, _, body = self.api.request(
            'PUT', '/v1/images/%s' % image_id,
            {'X-Image-Meta-Property-Distro': 'Debian',
             'X-Glance-Registry-Purge-Props': 'false'})
        self.assertEqual(200, status, body)
        self.assertEqual({'arch': 'x86_64', 'distro': 'Debian'},
                         json.loads(body)['image']['properties'])

    def _check_head(self, image_id, data):
        status, headers, body = self.api.head(image_id)
        self.assertEqual(200, status)
        self.assertEqual(b'', body)
        expected = {'x-image-meta-id': image_id,
                    'x-image-meta-name': 'Renamed',
                    'x-image-meta-status': 'active',
                    'x-image-meta-size': str(len(data)),
                    'x-image-meta-disk_format': 'raw',
                    'x-image-meta-container_format': 'ovf',
                    'x-image-meta-is_public': 'True',
                    'x-image-meta-deleted': 'False',
                    'x-image-meta-protected': 'False',
                    'x-image-meta-min_ram': '256',
                    'x-image-meta-min_disk': '0',
                    'x-image-meta-checksum': v1.md5(data),
                    'x-image-meta-property-arch': 'x86_64',
                    'x-image-meta-property-distro': 'Debian',
                    'etag': v1.md5(data),
                    'location': 'http://127.0.0.1:%d/v1/images/%s'
                    % (self.api_port, image_id)}
        for name, value in expected.items():
            self.assertEqual(value, headers.get(name), name)
        self.assertIn('x-image-meta-created_at', headers)
        self.assertIn('x-image-meta-updated_at', headers)
        self.assertNotIn('x-image-meta-location', headers)
        self.assertNotIn('x-image-meta-deleted_at', headers)

    def _check_download(self, image_id, data):
        status, headers, body = self.api.request(
            'GET', '/v1/images/%s' % image_id)
        self.assertEqual(200, status)
        self.assertEqual(data, body)
        self.assertEqual(v1.md5(body), headers['x-image-meta-checksum'])
        self.assertEqual(str(len(data)), headers['content-length'])
        self.assertEqual('application/octet-stream', headers['content-type'])
        self.assertEqual('Renamed', headers['x-image-meta-name'])
        self.assertEqual(v1.md5(data), headers['etag'])
        status, headers, body = self.api.request(
            'GET', '/v1/images/%s' % image_id, {'Accept-Encoding': 'gzip'})
        self.assertEqual((200, 'gzip'), (status,
                                         headers['content-encoding']))
        self.assertEqual(data, gzip.decompress(body))

    def _check_delete(self, image_id):
        status, _, body = self.api.request('DELETE',
                                           '/v1/images/%s' % image_id)
        self.assertEqual((200, b''), (status, body))
        self.assertFalse(os.path.exists(self._file(image_id)))
        status, headers, _ = self.api.head(image_id)
        # The default pipeline is an admin: it still sees deleted images.
        self.assertEqual((200, 'deleted', 'True'),
                         (status, headers.get('x-image-meta-status'),
                          headers.get('x-image-meta-deleted')))
        status, _, body = self.api.request('GET', '/v1/images/%s' % image_id)
        self.assertEqual(404, status)
        status, _, _ = self.api.request('DELETE', '/v1/images/%s' % image_id)
        self.assertEqual(404, status)

    def test_reserve_then_upload(self):
        self.start_servers(**self.__dict__.copy())
        headers = v1.minimal_headers('Queued')
        del headers['Content-Type']
        image = self.api.create_ok(headers)
        self.assertEqual(('queued', 0, None),
                         (image['status'], image['size'],
                          image['checksum']))
        data = b'x' * 1234
        path = '/v1/images/%s' % image['id']
        status, headers, body = self.api.request(
            'PUT', path, {'Content-Type': 'application/octet-stream'}, data)
        self.assertEqual(200, status, body)
        image = json.loads(body)['image']
        self.assertEqual(('active', 1234, v1.md5(data)),
                         (image['status'], image['size'],
                          image['checksum']))
        self.assertEqual(v1.md5(data), headers['etag'])
        status, _, body = self.api.request(
            'PUT', path, {'Content-Type': 'application/octet-stream'}, data)
        self.assertEqual(409, status)
        self.assertIn(b'Cannot upload to an unqueued image', body)
        status, _, body = self.api.request('GET', path)
        self.assertEqual((200, data), (status, body))

    def test_size_zero_image(self):
        self.start_servers(**self.__dict__.copy())
        headers = v1.minimal_headers('Empty', **{'X-Image-Meta-Size': '0'})
        del headers['Content-Type']
        image = self.api.create_ok(headers)
        self.assertEqual(('active', 0), (image['status'], image['size']))
        status, headers, body = self.api.request(
            'GET', '/v1/images/%s' % image['id'])
        self.assertEqual((200, b'', '0'),
                         (status, body, headers['content-length']))
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_queued_image_not_downloadable(self):
        self.start_servers(**self.__dict__.copy())
        headers = v1.minimal_headers('Queued')
        image = self.api.create_ok(headers)
        status, _, body = self.api.request('GET',
                                           '/v1/images/%s' % image['id'])
        self.assertEqual(404, status)
        self.assertIn(('Image %s is not active' % image['id']).encode(),
                      body)

    def test_unknown_image(self):
        self.start_servers(**self.__dict__.copy())
        for image_id in (v1.new_id(), '1'):
            for method in ('GET', 'PUT', 'DELETE'):
                status, _, body = self.api.request(
                    method, '/v1/images/%s' % image_id)
                self.assertEqual(404, status, (method, image_id))
            status, _, body = self.api.request(
                'GET', '/v1/images/%s' % image_id)
            self.assertIn(('Image with identifier %s not found'
                           % image_id).encode(), body)
            self.assertEqual(404, self.api.head(image_id)[0])

    def test_delayed_delete_queues_encrypted_location(self):
        self.start_servers(delayed_delete=True, **self.__dict__.copy())
        data = b'*' * 100
        image = self.api.create_ok(v1.minimal_headers('Image1'), data)
        before = int(time.time())
        status, _, _ = self.api.request('DELETE',
                                        '/v1/images/%s' % image['id'])
        self.assertEqual(200, status)
        status, headers, _ = self.api.head(image['id'])
        self.assertEqual('pending_delete', headers['x-image-meta-status'])
        self.assertEqual(data, self._read_file(image['id']))
        queue = os.path.join(self.api_server.scrubber_datadir, image['id'])
        with open(queue) as handle:
            uri, delete_time = handle.read().split('\n')
        self.assertEqual('file://%s' % self._file(image['id']),
                         crypt.urlsafe_decrypt(
                             self.api_server.metadata_encryption_key, uri))
        self.assertTrue(before + 5 <= int(delete_time)
                        <= int(time.time()) + 5)
        self.assertEqual(int(delete_time),
                         int(os.stat(queue).st_mtime))
        status, _, body = self.api.request('DELETE',
                                           '/v1/images/%s' % image['id'])
        self.assertEqual(403, status)
        self.assertIn(b'Forbidden to delete a pending_delete image.', body)

    def test_protected_image(self):
        self.start_servers(**self.__dict__.copy())
        image = self.api.create_ok(v1.minimal_headers(
            'Protected', **{'X-Image-Meta-Protected': 'True'}), b'data')
        path = '/v1/images/%s' % image['id']
        status, _, body = self.api.request('DELETE', path)
        self.assertEqual(403, status)
        self.assertIn(b'Image is protected', body)
        status, _, _ = self.api.request(
            'PUT', path, {'X-Image-Meta-Protected': 'False'})
        self.assertEqual(200, status)
        self.assertEqual(200, self.api.request('DELETE', path)[0])
