"""Policies and property protections through the v2 API.
"""

import json

from harness.glance import functional
from harness.tests.functional import v2_support as v2

ADMIN = 'admin:tenant1:admin'
MEMBER = 'member:tenant1:member'


class TestV2Policies(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.start_servers(**self.__dict__.copy())
        self.api = v2.V2(self.api_port, v2.TENANT1)

    def assertDenied(self, rules, method, path, body=None, headers=None):
        self.set_policy_rules(dict(rules, default=''))
        status, _, content = self.api.request(method, path, body, headers)
        self.set_policy_rules({'default': ''})
        self.assertEqual(403, status, (rules, method, path, content))

    def test_each_rule_is_checked(self):
        image = self.api.create(name='guarded')
        path = '/images/' + image['id']
        patch = json.dumps([{'op': 'replace', 'path': '/name',
                             'value': 'x'}]).encode()
        patch_type = {'Content-Type': v2.PATCH_V21}
        for rules, method, where, body, headers in (
                ({'get_images': '!'}, 'GET', '/images', None, None),
                ({'get_image': '!'}, 'GET', path, None, None),
                ({'add_image': '!'}, 'POST', '/images', {'name': 'n'},
                 None),
                ({'publicize_image': '!'}, 'POST', '/images',
                 {'visibility': 'public'}, None),
                ({'modify_image': '!'}, 'PATCH', path, patch, patch_type),
                ({'publicize_image': '!'}, 'PATCH', path, json.dumps(
                    [{'op': 'replace', 'path': '/visibility',
                      'value': 'public'}]).encode(), patch_type),
                ({'modify_image': '!'}, 'PUT', path + '/tags/t', None,
                 None),
                ({'delete_image': '!'}, 'DELETE', path, None, None),
                ({'add_member': '!'}, 'POST', path + '/members',
                 {'member': 'tenant2'}, None),
                ({'get_members': '!'}, 'GET', path + '/members', None,
                 None)):
            self.assertDenied(rules, method, where, body, headers)
        # Nothing was changed by the refused calls.
        self.assertEqual(image, self.api.json('GET', path))
        self.assertEqual([image['id']], self.api.ids())
        self.api.json('POST', path + '/members', {'member': 'tenant2'})
        member = path + '/members/tenant2'
        self.assertDenied({'get_member': '!'}, 'GET', member)
        self.assertDenied({'delete_member': '!'}, 'DELETE', member)
        other = v2.V2(self.api_port, v2.TENANT2)
        self.set_policy_rules({'default': '', 'modify_member': '!'})
        self.assertEqual(403, other.request('PUT', member,
                                            {'status': 'accepted'})[0])
        self.set_policy_rules({'default': ''})
        self.assertEqual('pending', self.api.json('GET', member)['status'])


class TestV2PropertyProtections(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.start_servers(property_protection_file=self.property_file_roles,
                           property_protection_rule_format='roles',
                           **self.__dict__.copy())
        self.admin = v2.V2(self.api_port, ADMIN)
        self.member = v2.V2(self.api_port, MEMBER)

    def assertReserved(self, name, response):
        status, _, body = response
        self.assertEqual(403, status, body)
        self.assertIn(("Attribute '%s' is reserved." % name).encode(), body)

    def test_create_read_update_delete(self):
        self.assertReserved('x_foo_matcher', self.member.request(
            'POST', '/images', {'name': 'p', 'x_foo_matcher': 'v'}))
        image = self.member.create(name='p', x_owner_foo='o',
                                   x_none_read='hidden',
                                   x_all_permitted_1='all')
        image_id = image['id']
        # x_none_read is stored but never readable.
        self.assertNotIn('x_none_read', image)
        self.assertEqual(('o', 'all'), (image['x_owner_foo'],
                                        image['x_all_permitted_1']))
        self.assertNotIn('x_none_read',
                         self.admin.json('GET', '/images/' + image_id))
        # An unreadable property does not exist for PATCH.
        status, _, body = self.member.patch(image_id, [
            {'op': 'replace', 'path': '/x_none_read', 'value': 'x'}])
        self.assertEqual(409, status, body)
        self.assertIn(b'Property x_none_read does not exist.', body)
        self.assertReserved('x_foo_matcher', self.member.patch(image_id, [
            {'op': 'add', 'path': '/x_foo_matcher', 'value': 'v'}]))
        self.assertReserved('x_none_permitted', self.member.patch(image_id, [
            {'op': 'add', 'path': '/x_none_permitted', 'value': 'v'}]))
        status, _, body = self.admin.patch(image_id, [
            {'op': 'add', 'path': '/x_foo_matcher', 'value': 'v'}])
        self.assertEqual(200, status, body)
        self.assertNotIn('x_foo_matcher', self.member.json(
            'GET', '/images/' + image_id))
        status, _, body = self.member.patch(image_id, [
            {'op': 'replace', 'path': '/x_owner_foo', 'value': 'p'},
            {'op': 'remove', 'path': '/x_all_permitted_1'}])
        self.assertEqual(200, status, body)
        shown = json.loads(body)
        self.assertEqual('p', shown['x_owner_foo'])
        self.assertNotIn('x_all_permitted_1', shown)
        # Port: the member's save above kept x_foo_matcher, which it
        # cannot read (2014.1 dropped it): the admin can still remove it.
        status, _, body = self.admin.patch(image_id, [
            {'op': 'remove', 'path': '/x_foo_matcher'}])
        self.assertEqual(200, status, body)
        self.assertEqual(['x_owner_foo'], [
            key for key in self.admin.json('GET', '/images/' + image_id)
            if key.startswith('x_')])
        # As in 2014.1, adding an unreadable property checks "create".
        status, _, body = self.admin.patch(image_id, [
            {'op': 'add', 'path': '/x_none_read', 'value': 'again'}])
        self.assertEqual(200, status, body)
        self.assertNotIn(b'x_none_read', body)
