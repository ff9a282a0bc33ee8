"""Quotas through the v1 API: storage, properties, members."""

import json

from harness.glance import functional
from harness.tests.functional import v1_support as v1

STORAGE_QUOTA = 'Denying attempt to upload image because it exceeds the ' \
    '.quota'


class TestV1StorageQuota(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.start_servers(user_storage_quota=100, **self.__dict__.copy())

    def create(self, size, chunked=False, **extra):
        data = b'q' * size
        body = v1.chunked(data, 7) if chunked else data
        return self.api.create(v1.minimal_headers('Quota', **extra), body)

    def assertRefused(self, size, chunked=False):
        image_id = v1.new_id()
        status, _, body = self.create(size, chunked,
                                      **{'X-Image-Meta-Id': image_id})
        self.assertEqual(413, status, body)
        self.assertIn(STORAGE_QUOTA.encode(), body)
        self.assertEqual('killed', self.api.status_of(image_id))
        return image_id

    def stored(self):
        return sorted(name for name in v1.image_files(
            self.api_server.image_dir))

    def test_quota_plus_one_refused(self):
        self.assertRefused(101)
        self.assertEqual([], self.stored())
        self.assertRefused(101, chunked=True)
        self.assertEqual([], self.stored())

    def test_usage_counts(self):
        status, _, body = self.create(99)
        self.assertEqual(201, status, body)
        first = json.loads(body)['image']['id']
        self.assertRefused(2)
        self.assertRefused(2, chunked=True)
        self.assertEqual([first], self.stored())
        status, _, body = self.create(1, chunked=True)
        self.assertEqual(201, status, body)
        self.assertRefused(1)
        # Deleted data no longer counts.
        self.assertEqual(200, self.api.request('DELETE',
                                               '/v1/images/%s' % first)[0])
        status, _, body = self.create(99)
        self.assertEqual(201, status, body)

    def test_whole_quota_fits(self):
        status, _, body = self.create(100, chunked=True)
        self.assertEqual(201, status, body)
        self.assertRefused(1, chunked=True)

    def test_upload_to_reserved_image(self):
        headers = v1.minimal_headers('Reserved')
        image = self.api.create_ok(headers)
        status, _, body = self.api.request(
            'PUT', '/v1/images/%s' % image['id'],
            {'Content-Type': 'application/octet-stream'}, b'r' * 101)
        self.assertEqual(413, status, body)
        self.assertIn(STORAGE_QUOTA.encode(), body)
        self.assertEqual('killed', self.api.status_of(image['id']))


class TestV1CountQuotas(functional.FunctionalTest):
    """The harness's defaults: 10 properties, 10 members."""

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.start_servers(**self.__dict__.copy())

    @staticmethod
    def props(count, prefix='p'):
        return {'X-Image-Meta-Property-%s%d' % (prefix, n): 'v'
                for n in range(count)}

    def test_property_quota_on_create(self):
        status, _, body = self.api.create(
            v1.minimal_headers('Props', **self.props(11)))
        self.assertEqual(413, status)
        self.assertIn(b'The limit has been exceeded on the number of allowed '
                      b'image properties. Attempted: 11, Maximum: 10', body)
        self.assertEqual([], self.api.list('?is_public=None'))
        image = self.api.create_ok(v1.minimal_headers('Props',
                                                      **self.props(10)))
        self.assertEqual(10, len(image['properties']))

    def test_property_quota_on_update(self):
        image = self.api.create_ok(v1.minimal_headers('Props',
                                                      **self.props(6)))
        path = '/v1/images/%s' % image['id']
        no_purge = {'X-Glance-Registry-Purge-Props': 'False'}
        status, _, body = self.api.request(
            'PUT', path, dict(no_purge, **self.props(5, 'q')))
        self.assertEqual(413, status)
        self.assertIn(b'Attempted: 11, Maximum: 10', body)
        # Purging replaces the six: eight is within the quota.
        status, _, body = self.api.request('PUT', path,
                                           self.props(8, 'q'))
        self.assertEqual(200, status, body)
        self.assertEqual(8, len(json.loads(body)['image']['properties']))
        status, _, body = self.api.request(
            'PUT', path, dict(no_purge, **self.props(2, 'r')))
        self.assertEqual(200, status, body)
        status, _, body = self.api.request(
            'PUT', path, dict(no_purge, **self.props(1, 's')))
        self.assertEqual(413, status)

    def test_member_quota(self):
        image = self.api.create_ok(v1.minimal_headers('Shared'))
        path = '/v1/images/%s/members' % image['id']
        for n in range(10):
            status, _, body = self.api.request('PUT', '%s/m%d' % (path, n))
            self.assertEqual(204, status, body)
        status, _, body = self.api.request('PUT', path + '/m10')
        self.assertEqual(413, status)
        self.assertIn(b'The limit has been exceeded on the number of allowed '
                      b'image members for this image. Attempted: 11, '
                      b'Maximum: 10', body)
        too_many = {'memberships': [{'member_id': 'x%d' % n,
                                     'can_share': False}
                                    for n in range(11)]}
        status, _, body = self.api.request('PUT', path, {},
                                           json.dumps(too_many).encode())
        self.assertEqual(413, status)
        self.assertIn(b'Attempted: 11, Maximum: 10', body)
        status, _, body = self.api.request('GET', path)
        self.assertEqual(['m%d' % n for n in range(10)],
                         [m['member_id'] for m in
                          json.loads(body)['members']])
        ten = {'memberships': too_many['memberships'][:10]}
        status, _, body = self.api.request('PUT', path, {},
                                           json.dumps(ten).encode())
        self.assertEqual(204, status, body)


class TestV1StorageQuotaPerOwner(functional.FunctionalTest):

    def test_each_owner_has_its_own_quota(self):
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.start_servers(user_storage_quota=100, **self.__dict__.copy())
        tenant1 = v1.V1(self.api_port, {'X-Auth-Token': 'u1:tenant1:member'})
        tenant2 = v1.V1(self.api_port, {'X-Auth-Token': 'u2:tenant2:member'})
        tenant1.create_ok(v1.minimal_headers('One'), b'1' * 99)
        status, _, body = tenant1.create(v1.minimal_headers('Two'), b'11')
        self.assertEqual(413, status, body)
        self.assertIn(STORAGE_QUOTA.encode(), body)
        # tenant1's public image is visible to tenant2 but not its usage.
        tenant2.create_ok(v1.minimal_headers('Three', public=False),
                          b'2' * 99)
        status, _, body = tenant2.create(v1.minimal_headers('Four'), b'22')
        self.assertEqual(413, status, body)
