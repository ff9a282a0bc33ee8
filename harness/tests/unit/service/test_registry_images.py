"""The registry's image writes: POST, PUT and DELETE of
``/images``, in-process."""

import uuid

from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.tests.unit.service.registrytest_helpers import ADMIN
from harness.tests.unit.service.registrytest_helpers import RegistryTestBase
from harness.tests.unit.service.registrytest_helpers import user

FULL_KEYS = {'id', 'name', 'status', 'size', 'virtual_size', 'disk_format',
             'container_format', 'min_disk', 'min_ram', 'is_public',
             'checksum', 'owner', 'protected', 'created_at', 'updated_at',
             'deleted_at', 'deleted', 'properties', 'location',
             'location_data'}
PURGE = {'X-Glance-Registry-Purge-Props': 'true'}


class TestCreate(RegistryTestBase):

    def post(self, image, context=ADMIN):
        return self.request('/images', context, method='POST',
                            body={'image': image})

    def test_create_answers_200_with_the_full_dict(self):
        res = self.post({'name': 'x', 'properties': {'a': 'b'}})
        self.assertEqual(200, res.status_int, res.text)
        image = res.json['image']
        self.assertEqual(FULL_KEYS, set(image))
        self.assertEqual(('x', 'active', {'a': 'b'}, None, []),
                         (image['name'], image['status'],
                          image['properties'], image['location'],
                          image['location_data']))
        self.assertEqual(str(uuid.UUID(image['id'])), image['id'])
        stored = db_api.image_get(self.engine, ADMIN, image['id'])
        self.assertEqual('x', stored['name'])

    def test_owner_rules(self):
        cases = ((user('t1'), {'owner': 'evil'}, 't1'),
                 (user('t1'), {}, 't1'),
                 (ADMIN, {'owner': 'given'}, 'given'),
                 (RequestContext(tenant='adm', is_admin=True), {}, 'adm'))
        for context, values, owner in cases:
            res = self.post(dict(values, status='queued'), context)
            self.assertEqual(owner, res.json['image']['owner'], values)

    def test_location_becomes_the_first_location(self):
        res = self.post({'location': 'file:///a', 'location_data': [
            {'url': 'http://b', 'metadata': {'k': 1}},
            {'url': 'file:///a', 'metadata': {'m': 2}}]})
        image = res.json['image']
        self.assertEqual('file:///a', image['location'])
        self.assertEqual([{'url': 'file:///a', 'metadata': {'m': 2}},
                          {'url': 'http://b', 'metadata': {'k': 1}}],
                         image['location_data'])

    def test_id_must_be_uuid_like(self):
        for bad in ('1', str(uuid.uuid4()).upper()):
            self.assert_error(400, 'Invalid image id format', '/images',
                              method='POST', body={'image': {'id': bad}})
        given = str(uuid.uuid4())
        self.assertEqual(given, self.post({'id': given}).json['image']['id'])

    def test_duplicate_id(self):
        image_id = self.create()['id']
        res = self.post({'id': image_id})
        self.assertEqual(409, res.status_int)
        self.assertIn('Image with identifier %s already exists!' % image_id,
                      res.text)

    def test_invalid_values(self):
        self.assert_error(400, "Failed to add image metadata. Got error: "
                          "Invalid image status 'bogus' for image.",
                          '/images', method='POST',
                          body={'image': {'status': 'bogus'}})
        for body in (b'{', b'', {'nope': 1}, {'image': 'x'}, []):
            res = self.request('/images', method='POST', body=body)
            self.assertEqual(400, res.status_int, body)

    def test_read_only_context(self):
        anonymous = RequestContext(read_only=True)
        self.assert_error(403, 'Read-only access', '/images', anonymous,
                          method='POST', body={'image': {}})


class TestUpdate(RegistryTestBase):

    def put(self, image_id, image, context=ADMIN, from_state=None,
            headers=None):
        body = {'image': image}
        if from_state is not None:
            body['from_state'] = from_state
        return self.request('/images/%s' % image_id, context, method='PUT',
                            body=body, headers=headers)

    def test_update_and_purge(self):
        image = self.create(properties={'a': '1', 'b': '2'})
        res = self.put(image['id'], {'name': 'n', 'properties': {'b': '3'}})
        self.assertEqual(200, res.status_int, res.text)
        self.assertEqual(('n', {'a': '1', 'b': '3'}),
                         (res.json['image']['name'],
                          res.json['image']['properties']))
        res = self.put(image['id'], {'properties': {'c': '4'}},
                       headers=PURGE)
        self.assertEqual({'c': '4'}, res.json['image']['properties'])
        res = self.put(image['id'], {}, headers={
            'X-Glance-Registry-Purge-Props': 'false'})
        self.assertEqual({'c': '4'}, res.json['image']['properties'])

    def test_locations_kept_unless_given(self):
        image = self.create(locations=['file:///a'])
        res = self.put(image['id'], {'name': 'x'})
        self.assertEqual('file:///a', res.json['image']['location'])
        res = self.put(image['id'], {'location': 'file:///b'})
        self.assertEqual([{'url': 'file:///b', 'metadata': {}}],
                         res.json['image']['location_data'])

    def test_non_admin_cannot_change_owner(self):
        image = self.create(owner='t1')
        res = self.put(image['id'], {'owner': 't2', 'name': 'x'}, user('t1'))
        self.assertEqual(('t1', 'x'), (res.json['image']['owner'],
                                       res.json['image']['name']))
        res = self.put(image['id'], {'owner': 't2'})
        self.assertEqual('t2', res.json['image']['owner'])

    def test_not_found_bodies(self):
        private = self.create(owner='t1')['id']
        for image_id, context in ((str(uuid.uuid4()), ADMIN),
                                  (private, user('t2'))):
            res = self.put(image_id, {'name': 'x'}, context)
            self.assertEqual((404, b'Image not found'),
                             (res.status_int, res.body))

    def test_forbidden_public_image(self):
        public = self.create(owner='t1', is_public=True)['id']
        res = self.put(public, {'name': 'x'}, user('t2'))
        self.assertEqual(403, res.status_int)

    def test_from_state_conflict(self):
        image = self.create(status='queued')
        res = self.put(image['id'], {'status': 'active'}, from_state='saving')
        self.assertEqual((409, b'Image operation conflicts'),
                         (res.status_int, res.body))
        res = self.put(image['id'], {'status': 'saving'}, from_state='queued')
        self.assertEqual('saving', res.json['image']['status'])

    def test_invalid_update(self):
        image = self.create()
        self.assert_error(400, "Failed to update image metadata. Got error: "
                          "Invalid image status 'x' for image.",
                          '/images/%s' % image['id'], method='PUT',
                          body={'image': {'status': 'x'}})


class TestDelete(RegistryTestBase):

    def test_delete_answers_the_deleted_image(self):
        image = self.create(owner='t1', locations=['file:///a'],
                            properties={'a': 'b'})
        res = self.request('/images/%s' % image['id'], user('t1'),
                           method='DELETE')
        self.assertEqual(200, res.status_int, res.text)
        gone = res.json['image']
        self.assertEqual((True, None, [], {}),
                         (gone['deleted'], gone['location'],
                          gone['location_data'], gone['properties']))
        self.assertIsNotNone(gone['deleted_at'])
        self.assertEqual(404, self.request('/images/%s' % image['id'],
                                           user('t1')).status_int)
        self.assertTrue(self.get_json('/images/%s' % image['id'])
                        ['image']['deleted'])

    def test_delete_permissions(self):
        public = self.create(owner='t1', is_public=True)['id']
        private = self.create(owner='t1')['id']
        for image_id, status in ((public, 403), (private, 404),
                                 (str(uuid.uuid4()), 404)):
            res = self.request('/images/%s' % image_id, user('t2'),
                               method='DELETE')
            self.assertEqual(status, res.status_int, image_id)
        self.assertIs(False, db_api.image_get(self.engine, ADMIN,
                                              public)['deleted'])
