"""Remote locations and copy-from through the v1 API."""

import json
import os

from harness.glance import functional
from harness.tests.functional import v1_support as v1


class TestV1ExternalSources(functional.FunctionalTest):
    """Remote locations and copy-from, from a local HTTP server."""

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.data = os.urandom(100 * 1024 + 1)
        self.remote = v1.RemoteData(self.data)
        self.addCleanup(self.remote.close)
        self.start_servers(**self.__dict__.copy())

    def headers(self, name, **extra):
        headers = v1.minimal_headers(name, **extra)
        del headers['Content-Type']
        return headers

    def test_remote_location(self):
        image = self.api.create_ok(self.headers('Remote', **{
            'X-Image-Meta-Location': self.remote.url()}))
        self.assertEqual(('active', len(self.data)),
                         (image['status'], image['size']))
        self.assertNotIn('location', image)
        status, headers, body = self.api.request(
            'GET', '/v1/images/%s' % image['id'])
        self.assertEqual((200, self.data), (status, body))
        self.assertEqual(str(len(self.data)), headers['content-length'])
        self.assertNotIn('x-image-meta-location', headers)
        self.assertNotIn(b'127.0.0.1:%d' % self.remote.port,
                         json.dumps(self.api.list()).encode())
        self.assertEqual([], v1.image_files(self.api_server.image_dir))
        # Deleting never touches the remote data.
        self.assertEqual(200, self.api.request(
            'DELETE', '/v1/images/%s' % image['id'])[0])

    def test_remote_location_size_mismatch(self):
        status, _, body = self.api.create(self.headers('Remote', **{
            'X-Image-Meta-Location': self.remote.url(),
            'X-Image-Meta-Size': '5'}))
        self.assertEqual(409, status)
        self.assertIn(b'Provided image size must match the stored image '
                      b'size. (provided size: 5, stored size: %d)'
                      % len(self.data), body)

    def test_location_on_update_of_queued_image(self):
        image = self.api.create_ok(self.headers('Later'))
        path = '/v1/images/%s' % image['id']
        status, _, body = self.api.request(
            'PUT', path, {'X-Image-Meta-Location': self.remote.url()})
        self.assertEqual(200, status, body)
        self.assertEqual(('active', len(self.data)),
                         (json.loads(body)['image']['status'],
                          json.loads(body)['image']['size']))
        status, _, body = self.api.request(
            'PUT', path, {'X-Image-Meta-Location': self.remote.url()})
        self.assertEqual(400, status)
        self.assertIn(b'Attempted to update Location field for an image not '
                      b'in queued status.', body)

    def test_copy_from(self):
        image = self.api.create_ok(self.headers('Copied', **{
            'X-Glance-Api-Copy-From': self.remote.url()}))
        # The reserved image already carries the remote size.
        self.assertEqual(('queued', len(self.data)),
                         (image['status'], image['size']))
        v1.wait_for(lambda: self.api.status_of(image['id']) == 'active')
        self.remote.close()
        status, headers, body = self.api.request(
            'GET', '/v1/images/%s' % image['id'])
        self.assertEqual((200, self.data), (status, body))
        self.assertEqual(v1.md5(self.data), headers['etag'])
        self.assertEqual([image['id']],
                         v1.image_files(self.api_server.image_dir))

    def test_copy_from_on_update(self):
        image = self.api.create_ok(self.headers('Later'))
        status, _, body = self.api.request(
            'PUT', '/v1/images/%s' % image['id'],
            {'X-Glance-Api-Copy-From': self.remote.url()})
        self.assertEqual(200, status, body)
        self.assertEqual(len(self.data), json.loads(body)['image']['size'])
        v1.wait_for(lambda: self.api.status_of(image['id']) == 'active')
        status, _, body = self.api.request('GET',
                                           '/v1/images/%s' % image['id'])
        self.assertEqual((200, self.data), (status, body))

    def test_copy_from_missing_source(self):
        # 2014.1.5 (Glance's test_copy_from_http_nonexistent): the size
        # lookup's 404 is size 0, the image is reserved and the copy
        # fails behind the response: killed, its data 404, no file.
        status, _, body = self.api.create(self.headers('Missing', **{
            'X-Glance-Api-Copy-From': self.remote.url('/nothing')}))
        self.assertEqual(201, status, body)
        image = json.loads(body)['image']
        self.assertEqual(('queued', 0), (image['status'], image['size']))
        v1.wait_for(lambda: self.api.status_of(image['id']) == 'killed')
        path = '/v1/images/%s' % image['id']
        self.assertEqual(404, self.api.request('GET', path)[0])
        self.assertEqual([], v1.image_files(self.api_server.image_dir))
        self.assertEqual(200, self.api.request('DELETE', path)[0])
        self.assertEqual([], self.api.list())
