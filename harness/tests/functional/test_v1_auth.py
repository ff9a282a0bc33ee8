"""Identity and policy through the v1 API.
"""

import json

from harness.glance import functional
from harness.tests.functional import v1_support as v1

TENANT1 = 'user1:tenant1:member'
TENANT2 = 'user2:tenant2:member'
ADMIN = 'admin:admin_tenant:admin'


def as_user(port, token):
    return v1.V1(port, {'X-Auth-Token': token})


class TestV1FakeAuth(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.start_servers(**self.__dict__.copy())
        self.tenant1 = as_user(self.api_port, TENANT1)
        self.tenant2 = as_user(self.api_port, TENANT2)
        self.admin = as_user(self.api_port, ADMIN)

    def test_no_token_401(self):
        anonymous = v1.V1(self.api_port)
        self.assertEqual(401, anonymous.request('GET', '/v1/images')[0])
        self.assertEqual(401, anonymous.create(
            v1.minimal_headers('x'), b'data')[0])

    def test_private_image_visibility(self):
        image = self.tenant1.create_ok(
            v1.minimal_headers('Private', public=False), b'secret')
        self.assertEqual(('tenant1', False),
                         (image['owner'], image['is_public']))
        path = '/v1/images/%s' % image['id']
        self.assertEqual([image['id']],
                         [i['id'] for i in self.tenant1.list()])
        self.assertEqual([], self.tenant2.list())
        for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
            status, _, _ = self.tenant2.request(method, path)
            self.assertEqual(404, status, method)
        status, _, body = self.admin.request('GET', path)
        self.assertEqual((200, b'secret'), (status, body))
        self.assertEqual([image['id']], [i['id'] for i in self.admin.list(
            '?is_public=None')])
        status, _, body = self.tenant1.request('GET', path)
        self.assertEqual((200, b'secret'), (status, body))

    def test_public_image_read_only_for_others(self):
        image = self.tenant1.create_ok(v1.minimal_headers('Public'), b'pub')
        path = '/v1/images/%s' % image['id']
        status, _, body = self.tenant2.request('GET', path)
        self.assertEqual((200, b'pub'), (status, body))
        status, _, body = self.tenant2.request(
            'PUT', path, {'X-Image-Meta-Name': 'Stolen'})
        self.assertEqual(403, status, body)
        status, _, _ = self.tenant2.request('DELETE', path)
        self.assertEqual(403, status)
        self.assertEqual('Public', self.tenant1.list()[0]['name'])

    def test_owner_rules(self):
        image = self.tenant1.create_ok(v1.minimal_headers(
            'Owned', **{'X-Image-Meta-Owner': 'someone_else'}), b'data')
        self.assertEqual('tenant1', image['owner'])
        path = '/v1/images/%s' % image['id']
        status, _, body = self.tenant1.request(
            'PUT', path, {'X-Image-Meta-Owner': 'tenant2',
                          'X-Image-Meta-Name': 'Renamed'})
        self.assertEqual(200, status, body)
        self.assertEqual(('tenant1', 'Renamed'), (
            json.loads(body)['image']['owner'],
            json.loads(body)['image']['name']))
        for key, value in (('Size', '1'), ('Checksum', 'f' * 32)):
            status, _, body = self.tenant1.request(
                'PUT', path, {'X-Image-Meta-%s' % key: value})
            self.assertEqual(403, status)
            self.assertIn(("Forbidden to modify '%s' of active image."
                           % key.lower()).encode(), body)
        status, _, body = self.admin.request(
            'PUT', path, {'X-Image-Meta-Owner': 'tenant2'})
        self.assertEqual(200, status, body)
        self.assertEqual('tenant2', json.loads(body)['image']['owner'])
        admin_image = self.admin.create_ok(v1.minimal_headers(
            'ForOther', public=False, **{'X-Image-Meta-Owner': 'tenant2'}))
        self.assertEqual('tenant2', admin_image['owner'])
        self.assertEqual(200, self.tenant2.head(admin_image['id'])[0])

    def test_sharing_with_members(self):
        image = self.tenant1.create_ok(
            v1.minimal_headers('Shared', public=False), b'shared')
        members = '/v1/images/%s/members' % image['id']
        self.assertEqual(404, self.tenant2.head(image['id'])[0])
        status, _, body = self.tenant1.request(
            'PUT', members + '/tenant2', {},
            json.dumps({'member': {'can_share': True}}).encode())
        self.assertEqual(204, status, body)
        status, _, body = self.tenant2.request(
            'GET', '/v1/images/%s' % image['id'])
        self.assertEqual((200, b'shared'), (status, body))
        status, _, body = self.tenant1.request('GET', members)
        self.assertEqual({'members': [{'member_id': 'tenant2',
                                       'can_share': True}]},
                         json.loads(body))
        status, _, body = self.tenant2.request(
            'GET', '/v1/shared-images/tenant2')
        self.assertEqual({'shared_images': [{'image_id': image['id'],
                                             'can_share': True}]},
                         json.loads(body))
        status, _, _ = self.tenant1.request('DELETE', members + '/tenant2')
        self.assertEqual(204, status)
        self.assertEqual(404, self.tenant2.head(image['id'])[0])
        status, _, _ = self.tenant1.request('DELETE', members + '/tenant2')
        self.assertEqual(404, status)

    def test_member_writes_need_an_owner(self):
        image = self.tenant1.create_ok(v1.minimal_headers('Shared'))
        members = '/v1/images/%s/members' % image['id']
        no_tenant = as_user(self.api_port, 'user3:none:member')
        for method, path in (('PUT', members + '/x'), ('PUT', members),
                             ('DELETE', members + '/x')):
            status, _, body = no_tenant.request(method, path, {}, b'{}')
            self.assertEqual(401, status)
            self.assertIn(b'No authenticated user', body)
        self.assertEqual(200, no_tenant.request('GET', members)[0])

    def test_deleted_image_members_404(self):
        image = self.tenant1.create_ok(v1.minimal_headers('Gone'))
        self.assertEqual(200, self.tenant1.request(
            'DELETE', '/v1/images/%s' % image['id'])[0])
        status, _, body = self.admin.request(
            'GET', '/v1/images/%s/members' % image['id'])
        self.assertEqual(404, status)
        self.assertIn(('Image with identifier %s has been deleted.'
                       % image['id']).encode(), body)


class TestV1NoAuth(functional.FunctionalTest):

    def test_identity_headers(self):
        self.api_server.deployment_flavor = 'noauth'
        self.start_servers(**self.__dict__.copy())
        anonymous = v1.V1(self.api_port)
        self.assertEqual(401, anonymous.request('GET', '/v1/images')[0])
        api = v1.V1(self.api_port, {'X-Identity-Status': 'Confirmed',
                                    'X-User-Id': 'user1',
                                    'X-Tenant-Id': 'tenant1',
                                    'X-Roles': 'member'})
        image = api.create_ok(v1.minimal_headers('NoAuth'), b'data')
        # The registry's own (unauthenticated) context decides the owner.
        self.assertIsNone(image['owner'])
        status, _, body = api.request('GET', '/v1/images/%s' % image['id'])
        self.assertEqual((200, b'data'), (status, body))


class TestV1Policy(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.start_servers(**self.__dict__.copy())
        self.image = self.api.create_ok(v1.minimal_headers('Policy'),
                                        b'data')
        self.path = '/v1/images/%s' % self.image['id']

    def deny(self, action):
        rules = {'context_is_admin': 'role:admin', 'default': ''}
        rules[action] = '!'
        self.set_policy_rules(rules)

    def assertDenied(self, method, path, headers=None, body=None):
        status, _, content = self.api.request(method, path, headers, body)
        self.assertEqual(403, status, (method, path, content))

    def assertAllowed(self, expected, method, path, headers=None,
                      body=None):
        status, _, content = self.api.request(method, path, headers, body)
        self.assertEqual(expected, status, (method, path, content))

    def test_read_policies(self):
        self.deny('get_images')
        self.assertDenied('GET', '/v1/images')
        self.assertDenied('GET', '/v1/images/detail')
        self.assertAllowed(200, 'HEAD', self.path)
        self.deny('get_image')
        self.assertDenied('HEAD', self.path)
        self.assertDenied('GET', self.path)
        self.assertAllowed(200, 'GET', '/v1/images')
        self.deny('download_image')
        self.assertDenied('GET', self.path)
        self.assertDenied('GET', '/v1/images/%s' % v1.new_id())
        self.assertAllowed(200, 'HEAD', self.path)
        self.set_policy_rules({'default': ''})
        self.assertAllowed(200, 'GET', self.path)

    def test_write_policies(self):
        headers = v1.minimal_headers('New', public=False)
        self.deny('add_image')
        self.assertDenied('POST', '/v1/images', headers)
        self.deny('publicize_image')
        self.assertDenied('POST', '/v1/images',
                          v1.minimal_headers('Pub'))
        self.assertAllowed(201, 'POST', '/v1/images', headers)
        self.assertDenied('PUT', self.path, {'X-Image-Meta-Is-Public':
                                             'True'})
        self.deny('upload_image')
        self.assertDenied('POST', '/v1/images', headers, b'data')
        self.assertAllowed(201, 'POST', '/v1/images', headers)
        self.deny('copy_from')
        self.assertDenied('POST', '/v1/images', dict(headers, **{
            'X-Glance-Api-Copy-From': 'http://127.0.0.1:1/x'}))
        self.deny('set_image_location')
        self.assertDenied('POST', '/v1/images', dict(headers, **{
            'X-Image-Meta-Location': 'http://127.0.0.1:1/x'}))
        self.deny('modify_image')
        self.assertDenied('PUT', self.path, {'X-Image-Meta-Name': 'x'})
        self.deny('delete_image')
        self.assertDenied('DELETE', self.path)
        self.set_policy_rules({'default': ''})
        self.assertAllowed(200, 'DELETE', self.path)

    def test_member_policies(self):
        members = self.path + '/members'
        self.deny('get_members')
        self.assertDenied('GET', members)
        self.deny('modify_member')
        self.assertDenied('PUT', members + '/m')
        self.assertDenied('PUT', members, {}, b'{"memberships": []}')
        self.set_policy_rules({'default': ''})
        self.assertAllowed(204, 'PUT', members + '/m')
        self.deny('delete_member')
        self.assertDenied('DELETE', members + '/m')
        self.set_policy_rules({'default': ''})
        self.assertAllowed(204, 'DELETE', members + '/m')

    def test_default_rule_applies_to_missing_actions(self):
        self.set_policy_rules({'default': '!'})
        self.assertDenied('GET', '/v1/images')
        self.assertDenied('HEAD', self.path)
        self.set_policy_rules({'default': '', 'get_image': '!'})
        self.assertDenied('HEAD', self.path)
        self.assertAllowed(200, 'GET', '/v1/images')
