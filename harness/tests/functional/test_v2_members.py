"""Members and tags of v2 images, and the end-to-end lifecycle of the
issue, between tenants with fakeauth."""

import hashlib
import os

from harness.glance import functional
from harness.tests.functional import v2_support as v2


class TestV2Sharing(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.start_servers(**self.__dict__.copy())
        self.owner = v2.V2(self.api_port, v2.TENANT1)
        self.member = v2.V2(self.api_port, v2.TENANT2)
        self.stranger = v2.V2(self.api_port, v2.TENANT3)
        self.admin = v2.V2(self.api_port, v2.ADMIN)

    def assertAnswer(self, status, message, response):
        got, _, body = response
        self.assertEqual(status, got, body)
        self.assertIn(message.encode('utf-8'), body)

    def test_lifecycle(self):
        image = self.owner.create(name='life', disk_format='raw',
                                  container_format='bare')
        image_id = image['id']
        status, _, body = self.owner.patch(image_id, [
            {'op': 'add', 'path': '/distro', 'value': 'Ubuntu'},
            {'op': 'replace', 'path': '/tags', 'value': ['one']}])
        self.assertEqual(200, status, body)
        self.assertEqual(204, self.owner.request(
            'PUT', '/images/%s/tags/two' % image_id)[0])
        data = os.urandom(200 * 1024 + 7)
        status, _, body = self.owner.request(
            'PUT', '/images/%s/file' % image_id, data,
            {'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, status, body)
        image = self.owner.json('GET', '/images/' + image_id)
        checksum = hashlib.md5(data).hexdigest()
        self.assertEqual(('active', len(data), checksum, 'Ubuntu',
                          ['one', 'two']),
                         (image['status'], image['size'], image['checksum'],
                          image['distro'], image['tags']))
        status, headers, body = self.owner.request(
            'GET', '/images/%s/file' % image_id)
        self.assertEqual((200, data, checksum),
                         (status, body, headers['content-md5']))
        # Shared but not yet accepted: the member sees it only on request.
        members = '/images/%s/members' % image_id
        member = self.owner.json('POST', members, {'member': 'tenant2'})
        self.assertEqual(('tenant2', image_id, 'pending',
                          '/v2/schemas/member'),
                         (member['member_id'], member['image_id'],
                          member['status'], member['schema']))
        self.assertEqual([], self.member.ids())
        self.assertEqual([image_id], self.member.ids('?member_status=pending'))
        self.assertAnswer(403, 'You cannot update image member tenant2',
                          self.owner.request('PUT', members + '/tenant2',
                                             {'status': 'accepted'}))
        accepted = self.member.json('PUT', members + '/tenant2',
                                    {'status': 'accepted'})
        self.assertEqual('accepted', accepted['status'])
        self.assertEqual([image_id], self.owner.ids())
        self.assertEqual([image_id], self.member.ids())
        self.assertEqual([image_id], self.member.ids('?visibility=shared'))
        # Spec 7.1: "private" only adds is_public = false; shared with
        # the member still counts.
        self.assertEqual([image_id], self.member.ids('?visibility=private'))
        self.assertEqual([], self.member.ids('?visibility=public'))
        self.assertEqual([], self.stranger.ids())
        self.assertEqual(404, self.stranger.request(
            'GET', '/images/' + image_id)[0])
        status, _, body = self.member.request(
            'GET', '/images/%s/file' % image_id)
        self.assertEqual((200, data), (status, body))
        status, _, body = self.owner.request('DELETE', '/images/' + image_id)
        self.assertEqual(204, status, body)
        for user in (self.owner, self.member, self.stranger, self.admin):
            self.assertEqual([], user.ids())
        self.assertFalse(os.path.exists(
            os.path.join(self.api_server.image_dir, image_id)))

    def test_member_rules(self):
        image = self.owner.create(name='shared')
        members = '/images/%s/members' % image['id']
        self.assertAnswer(400, 'Member to be added not specified',
                          self.owner.request('POST', members, {'x': 1}))
        self.assertAnswer(400, "Member can't be empty",
                          self.owner.request('POST', members,
                                             {'member': ''}))
        self.owner.json('POST', members, {'member': 'tenant2'})
        self.assertAnswer(409, 'The target member tenant2 is already '
                          'associated with image %s.' % image['id'],
                          self.owner.request('POST', members,
                                             {'member': 'tenant2'}))
        # The member sees the image (pending) and only its own row.
        self.owner.json('POST', members, {'member': 'tenant4'})
        self.assertEqual(['tenant2', 'tenant4'], [
            row['member_id'] for row in
            self.owner.json('GET', members)['members']])
        listed = self.member.json('GET', members)
        self.assertEqual((['tenant2'], '/v2/schemas/members'),
                         ([row['member_id'] for row in listed['members']],
                          listed['schema']))
        self.assertAnswer(403, 'You are not permitted to create image '
                          'members for the image.', self.member.request(
                              'POST', members, {'member': 'tenant3'}))
        self.assertEqual('tenant2', self.member.json(
            'GET', members + '/tenant2')['member_id'])
        self.assertEqual(404, self.member.request(
            'GET', members + '/tenant4')[0])
        self.assertAnswer(400, 'Status not specified', self.member.request(
            'PUT', members + '/tenant2', {'state': 'accepted'}))
        self.assertAnswer(400, 'Status must be "pending", "accepted" or '
                          '"rejected".', self.member.request(
                              'PUT', members + '/tenant2',
                              {'status': 'maybe'}))
        self.assertEqual('rejected', self.member.json(
            'PUT', members + '/tenant2', {'status': 'rejected'})['status'])
        self.assertAnswer(403, 'You cannot delete image member for %s'
                          % image['id'], self.member.request(
                              'DELETE', members + '/tenant2'))
        self.assertEqual(204, self.owner.request(
            'DELETE', members + '/tenant2')[0])
        self.assertEqual(404, self.owner.request(
            'DELETE', members + '/tenant2')[0])
        self.assertEqual(404, self.member.request(
            'GET', '/images/' + image['id'])[0])
        # Public images have no members.
        public = self.owner.create(name='pub', visibility='public')
        public_members = '/images/%s/members' % public['id']
        self.assertAnswer(403, 'Public images do not have members.',
                          self.owner.request('GET', public_members))
        self.assertAnswer(403, 'Public images do not have members.',
                          self.owner.request('POST', public_members,
                                             {'member': 'tenant2'}))
        self.assertEqual(404, self.owner.request(
            'GET', public_members + '/tenant2')[0])
        for method, body in (('PUT', {'status': 'accepted'}),
                             ('DELETE', None)):
            self.assertAnswer(403, 'Public images do not have members.',
                              self.owner.request(method,
                                                 public_members + '/tenant2',
                                                 body))

    def test_tags(self):
        image = self.owner.create(name='tagged')
        tags = '/images/%s/tags/' % image['id']
        for tag in ('gabe%40example.com', 'x', 'x'):
            self.assertEqual(204, self.owner.request('PUT', tags + tag)[0])
        shown = self.owner.json('GET', '/images/' + image['id'])
        self.assertEqual(['gabe@example.com', 'x'], shown['tags'])
        self.assertEqual([image['id']], self.owner.ids('?tag=x'))
        self.assertEqual(204, self.owner.request('DELETE', tags + 'x')[0])
        self.assertEqual(404, self.owner.request('DELETE', tags + 'x')[0])
        self.assertEqual([], self.owner.ids('?tag=x'))
        self.assertEqual(404, self.member.request('PUT', tags + 'y')[0])
        status, _, body = self.owner.request('PUT', tags + 'z' * 256)
        self.assertEqual(400, status, body)
        self.assertIn(b'is too long', body)
        # Over-long names and members: 400 on every database.
        status, _, body = self.owner.patch(image['id'], [
            {'op': 'add', 'path': '/' + 'p' * 300, 'value': 'v'}])
        self.assertEqual(400, status, body)
        self.assertIn(b'Property name is longer than 255 characters', body)
        status, _, body = self.owner.request(
            'POST', '/images/%s/members' % image['id'], {'member': 'm' * 300})
        self.assertEqual(400, status, body)
        self.assertIn(b'Member is longer than 255 characters', body)
        self.assertEqual([], self.owner.json(
            'GET', '/images/%s/members' % image['id'])['members'])
        shown = self.owner.json('GET', '/images/' + image['id'])
        self.assertEqual((['gabe@example.com'], []),
                         (shown['tags'], [key for key in shown
                                          if key.startswith('ppp')]))

    def test_anonymous_create_forbidden(self):
        # fakeauth with tenant "none": a user without a tenant.
        nobody = v2.V2(self.api_port, 'user9:none:member')
        status, _, body = nobody.request('POST', '/images', {'name': 'x'})
        self.assertEqual(403, status, body)
        self.assertIn(b"You are not permitted to create images owned by "
                      b"'None'.", body)
        self.assertEqual([], self.admin.ids())
