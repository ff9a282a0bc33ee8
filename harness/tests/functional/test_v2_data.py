"""Image data through the v2 API over real HTTP."""

import os

from harness.glance import functional
from harness.tests.functional import client
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

OCTET = {'Content-Type': 'application/octet-stream'}
QUOTA = b'Image exceeds the storage quota: '


class V2DataTest(functional.FunctionalTest):
    """Servers with fakeauth; ``self.owner``/``self.other`` are tenants."""

    server_args = {}
    #: Extra ``[DEFAULT]`` lines of api.conf (keys the template lacks).
    conf_lines = ''

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        if self.conf_lines:
            self.api_server.conf_base = self.api_server.conf_base.replace(
                '[paste_deploy]', self.conf_lines + '[paste_deploy]')
        args = self.__dict__.copy()
        args.update(self.server_args)
        self.start_servers(**args)
        self.owner = v2.V2(self.api_port, v2.TENANT1)
        self.other = v2.V2(self.api_port, v2.TENANT2)

    def new_image(self, api=None, **attrs):
        attrs.setdefault('name', 'data')
        attrs.setdefault('disk_format', 'raw')
        attrs.setdefault('container_format', 'bare')
        return (api or self.owner).create(**attrs)['id']

    def upload(self, image_id, data, api=None, headers=OCTET):
        """PUT *data* (bytes, or an iterator: sent chunked)."""
        api = api or self.owner
        all_headers = dict(api.headers, **headers)
        return client.request(self.api_port, 'PUT',
                              '/v2/images/%s/file' % image_id,
                              all_headers, data, timeout=v2.TIMEOUT)

    def image(self, image_id, api=None):
        return (api or self.owner).json('GET', '/images/%s' % image_id)

    def files(self):
        """Every entry of the image directory, partial files included."""
        return v1.image_files(self.api_server.image_dir)


class TestV2Data(V2DataTest):

    def test_upload_and_download(self):
        image_id = self.new_image()
        data = os.urandom(300 * 1024 + 7)
        status, _, body = self.upload(image_id, data)
        self.assertEqual((204, b''), (status, body))
        image = self.image(image_id)
        self.assertEqual(('active', len(data), v1.md5(data)),
                         (image['status'], image['size'],
                          image['checksum']))
        self.assertEqual([image_id], self.files())
        status, headers, body = self.owner.request(
            'GET', '/images/%s/file' % image_id)
        self.assertEqual(200, status)
        self.assertEqual(data, body)
        self.assertEqual(('application/octet-stream', v1.md5(data),
                          str(len(data))),
                         (headers['content-type'], headers['content-md5'],
                          headers['content-length']))

    def test_chunked_upload(self):
        image_id = self.new_image()
        data = os.urandom(70000)
        status, _, body = self.upload(image_id, v1.chunked(data, 4096))
        self.assertEqual(204, status, body)
        self.assertEqual(v1.md5(data), self.image(image_id)['checksum'])
        self.assertEqual(data, self.owner.request(
            'GET', '/images/%s/file' % image_id)[2])

    def test_download_without_data_is_204(self):
        image_id = self.new_image()
        status, _, body = self.owner.request('GET',
                                             '/images/%s/file' % image_id)
        self.assertEqual((204, b''), (status, body))

    def test_wrong_content_type(self):
        image_id = self.new_image()
        status, _, body = self.upload(image_id, b'data', headers={
            'Content-Type': 'application/json'})
        self.assertEqual(415, status)
        self.assertIn(b'Invalid content type application/json', body)
        self.assertEqual('queued', self.image(image_id)['status'])
        self.assertEqual([], self.files())

    def test_upload_to_active_image(self):
        image_id = self.new_image()
        self.assertEqual(204, self.upload(image_id, b'first')[0])
        status, _, body = self.upload(image_id, b'second')
        self.assertEqual(409, status)
        self.assertIn(b'Image status transition from active to saving is '
                      b'not allowed', body)
        self.assertEqual(b'first', self.owner.request(
            'GET', '/images/%s/file' % image_id)[2])

    def test_upload_to_killed_and_deleted_images(self):
        killed = self.new_image()
        self.run_sql_cmd("UPDATE images SET status = 'killed' WHERE id = "
                         "'%s'" % killed)
        status, _, body = self.upload(killed, b'data')
        self.assertEqual(409, status)
        self.assertIn(b'Image status transition from killed to saving is '
                      b'not allowed', body)
        deleted = self.new_image()
        self.assertEqual(204, self.owner.request(
            'DELETE', '/images/%s' % deleted)[0])
        status, _, body = self.upload(deleted, b'data')
        self.assertEqual(404, status)
        self.assertIn(('No image found with ID %s' % deleted).encode(), body)
        self.assertEqual([], self.files())

    def test_missing_formats(self):
        image_id = self.owner.create(name='bare')['id']
        status, _, body = self.upload(image_id, b'data')
        self.assertEqual(400, status)
        self.assertIn(b'Properties disk_format, container_format must be '
                      b'set prior to saving data.', body)
        image_id = self.owner.create(name='half', disk_format='raw')['id']
        status, _, body = self.upload(image_id, b'data')
        self.assertEqual(400, status)
        self.assertIn(b'Property container_format must be set prior to '
                      b'saving data.', body)
        self.assertEqual('queued', self.image(image_id)['status'])
        self.assertEqual([], self.files())

    def test_other_tenants(self):
        public = self.new_image(visibility='public')
        status, _, body = self.upload(public, b'data', api=self.other)
        self.assertEqual(403, status)
        self.assertIn(('Not allowed to upload image data for image %s'
                       % public).encode(), body)
        private = self.new_image()
        self.assertEqual(404, self.upload(private, b'data',
                                          api=self.other)[0])
        self.assertEqual(204, self.upload(private, b'data')[0])
        self.assertEqual(404, self.other.request(
            'GET', '/images/%s/file' % private)[0])
        self.assertEqual([private], self.files())

    def test_policies(self):
        image_id = self.new_image()
        self.set_policy_rules({'upload_image': '!', 'default': ''})
        self.assertEqual(403, self.upload(image_id, b'data')[0])
        self.assertEqual('queued', self.image(image_id)['status'])
        self.set_policy_rules({'default': ''})
        self.assertEqual(204, self.upload(image_id, b'data')[0])
        self.set_policy_rules({'download_image': '!', 'default': ''})
        self.assertEqual(403, self.owner.request(
            'GET', '/images/%s/file' % image_id)[0])

    def test_client_disconnect_leaves_nothing(self):
        image_id = self.new_image()
        raw = v1.RawUpload(self.api_port, '/v2/images/%s/file' % image_id,
                           ['X-Auth-Token: ' + v2.TENANT1,
                            'Content-Type: application/octet-stream',
                            'Content-Length: %d' % (4 << 20)],
                           method='PUT')
        raw.send(os.urandom(1 << 20))
        v1.wait_for(lambda: self.image(image_id)['status'] == 'saving')
        raw.close()
        v1.wait_for(lambda: self.image(image_id)['status'] == 'queued')
        self.assertEqual([], self.files())
        self.assertNotIn('size', self.image(image_id))
        # The image takes data again afterwards.
        self.assertEqual(204, self.upload(image_id, b'again')[0])

    def test_delete_during_upload(self):
        image_id = self.new_image()
        raw = v1.RawUpload(self.api_port, '/v2/images/%s/file' % image_id,
                           ['X-Auth-Token: ' + v2.TENANT1,
                            'Content-Type: application/octet-stream',
                            'Content-Length: 2048'], method='PUT')
        self.addCleanup(raw.close)
        raw.send(b'x' * 1024)
        v1.wait_for(lambda: self.image(image_id)['status'] == 'saving')
        status, _, body = self.upload(image_id, b'second')
        self.assertEqual(409, status)
        self.assertIn(b'Image status transition from saving to saving is '
                      b'not allowed', body)
        self.assertEqual(204, self.owner.request(
            'DELETE', '/images/%s' % image_id)[0])
        raw.send(b'x' * 1024)
        answer = raw.read_response()
        self.assertTrue(answer.startswith(b'HTTP/1.1 410 '), answer)
        self.assertIn(b'could not be found after upload', answer)
        self.assertEqual([], self.files())


class TestV2StorageQuota(V2DataTest):

    server_args = {'user_storage_quota': 100}

    def assertRefused(self, size, chunked=False):
        image_id = self.new_image()
        data = b'q' * size
        status, _, body = self.upload(
            image_id, v1.chunked(data, 7) if chunked else data)
        self.assertEqual(413, status, body)
        self.assertIn(QUOTA, body)
        self.assertEqual('queued', self.image(image_id)['status'])
        return image_id

    def test_quota_plus_one_refused(self):
        self.assertRefused(101)
        self.assertRefused(101, chunked=True)
        self.assertEqual([], self.files())

    def test_usage_counts(self):
        first = self.new_image()
        self.assertEqual(204, self.upload(first, b'q' * 60)[0])
        self.assertRefused(41)
        self.assertRefused(41, chunked=True)
        self.assertEqual([first], self.files())
        second = self.new_image()
        self.assertEqual(204, self.upload(second, v1.chunked(b'q' * 40))[0])
        self.assertEqual(sorted([first, second]), self.files())
        # Deleted data no longer counts.
        self.assertEqual(204, self.owner.request(
            'DELETE', '/images/%s' % first)[0])
        self.assertEqual(204, self.upload(self.new_image(), b'q' * 60)[0])


class TestV2SizeCap(V2DataTest):

    conf_lines = 'image_size_cap = 1000\n'

    def test_cap_enforced(self):
        cap = b'Denying attempt to upload image larger than 1000 bytes.'
        for body in (b'c' * 1001, v1.chunked(b'c' * 1001, 100)):
            image_id = self.new_image()
            status, _, content = self.upload(image_id, body)
            self.assertEqual(413, status, content)
            self.assertIn(cap, content)
            self.assertEqual('queued', self.image(image_id)['status'])
        self.assertEqual([], self.files())
        image_id = self.new_image()
        self.assertEqual(204, self.upload(image_id, b'c' * 1000)[0])
        self.assertEqual(1000, self.image(image_id)['size'])
