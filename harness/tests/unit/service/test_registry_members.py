"""The registry's member routes, in-process."""

import uuid

from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.tests.unit.service.registrytest_helpers import ADMIN
from harness.tests.unit.service.registrytest_helpers import RegistryTestBase
from harness.tests.unit.service.registrytest_helpers import user


class TestMembers(RegistryTestBase):

    def setUp(self):
        super().setUp()
        self.image_id = self.create(owner='owner')['id']
        self.path = '/images/%s/members' % self.image_id

    def members(self, context=ADMIN):
        return self.get_json(self.path, context)['members']

    def put(self, path, body=None, context=None, status=204):
        res = self.request(path, context or user('owner'), method='PUT',
                           body=body)
        self.assertEqual(status, res.status_int, res.text)
        return res

    def test_add_update_and_list_in_insertion_order(self):
        self.put(self.path + '/b')
        self.put(self.path + '/a', {'member': {'can_share': True}})
        self.put(self.path + '/b', {'member': {'can_share': True}})
        self.put(self.path + '/a')  # no body: can_share unchanged
        self.assertEqual([{'member_id': 'b', 'can_share': True},
                          {'member_id': 'a', 'can_share': True}],
                         self.members())
        self.assertEqual([{'member_id': 'a', 'can_share': True}],
                         self.members(user('a')))

    def test_replace(self):
        self.put(self.path + '/keep', {'member': {'can_share': True}})
        self.put(self.path + '/drop')
        self.put(self.path, {'memberships': [
            {'member_id': 'new', 'can_share': True}, {'member_id': 'keep'}]})
        self.assertEqual([{'member_id': 'keep', 'can_share': True},
                          {'member_id': 'new', 'can_share': True}],
                         self.members())
        self.put(self.path, {'memberships': [
            {'member_id': 'keep', 'can_share': False}]})
        self.assertEqual([{'member_id': 'keep', 'can_share': False}],
                         self.members())

    def test_malformed_bodies_change_nothing(self):
        self.put(self.path + '/a')
        for body, message in (
                ({'nope': []}, "Invalid membership association: "
                 "'memberships'"),
                ({'memberships': [{'member_id': 'b'}, {'x': 1}]},
                 "Invalid membership association: 'member_id'"),
                ({'memberships': 'x'}, 'Invalid membership association'),
                (b'{bad', 'Malformed JSON in request body.')):
            res = self.put(self.path, body, status=400)
            self.assertIn(message, res.text)
        res = self.put(self.path + '/b', {'member': {}}, status=400)
        self.assertIn("Invalid membership association: 'can_share'",
                      res.text)
        self.assertEqual([{'member_id': 'a', 'can_share': False}],
                         self.members())

    def test_delete(self):
        self.put(self.path + '/a')
        res = self.request(self.path + '/a', user('owner'), method='DELETE')
        self.assertEqual(204, res.status_int)
        self.assertEqual([], self.members())
        self.assert_error(404, 'Membership could not be found.',
                          self.path + '/a', user('owner'), method='DELETE')

    def test_who_may_share(self):
        self.put(self.path + '/sharer', {'member': {'can_share': True}})
        self.put(self.path + '/plain')
        self.put(self.path + '/x', context=user('sharer'))
        self.put(self.path + '/x', context=ADMIN)
        for context, status, message in (
                (user('plain'), 403, 'No permission to share that image'),
                (user('stranger'), 404, ''),
                (user(None), 401, 'No authenticated user'),
                (RequestContext(read_only=True), 403, 'Read-only access')):
            for method, path in (('PUT', self.path + '/y'),
                                 ('PUT', self.path),
                                 ('DELETE', self.path + '/x')):
                self.assert_error(status, message, path, context,
                                  method=method,
                                  body={'memberships': []})
        self.assertEqual(['sharer', 'plain', 'x'],
                         [m['member_id'] for m in self.members()])

    def test_missing_or_hidden_image(self):
        missing = '/images/%s/members' % uuid.uuid4()
        self.assertEqual(404, self.request(missing).status_int)
        self.assertEqual(404, self.request(missing + '/a', method='PUT')
                         .status_int)
        self.assertEqual(404, self.request(self.path, user('other'))
                         .status_int)

    def test_shared_images(self):
        other = self.create(owner='someone')['id']
        self.put(self.path + '/m', {'member': {'can_share': True}})
        db_api.image_member_create(self.engine, ADMIN,
                                   {'image_id': other, 'member': 'm'})
        expected = [{'image_id': self.image_id, 'can_share': True},
                    {'image_id': other, 'can_share': False}]
        self.assertEqual(expected,
                         self.get_json('/shared-images/m')['shared_images'])
        self.assertEqual(expected, self.get_json('/shared-images/m',
                                                 user('m'))['shared_images'])
        self.assertEqual(expected[:1], self.get_json(
            '/shared-images/m', user('owner'))['shared_images'])
        self.assertEqual([], self.get_json('/shared-images/nobody')
                         ['shared_images'])

    def test_quirk_routes_are_405(self):
        for method, path, allow in (('POST', self.path, 'GET, PUT'),
                                    ('GET', self.path + '/a',
                                     'PUT, DELETE')):
            res = self.request(path, method=method)
            self.assertEqual(405, res.status_int)
            self.assertEqual(allow, res.headers['Allow'])
