"""Image members and tags of the DB API on SQLite, MariaDB and
PostgreSQL."""

import uuid

import testtools

from harness.service import errors
from harness.service.db import api as db_api
from harness.service.db import schema
from harness.tests.unit.service.dbapi_base import ADMIN
from harness.tests.unit.service.dbapi_base import DBTestMixin
from harness.tests.unit.service.dbapi_base import user


class MembersTagsMixin(DBTestMixin):

    def member(self, image_id, member, **values):
        values.update(image_id=image_id, member=member)
        return db_api.image_member_create(self.engine, ADMIN, values)

    def find(self, context=ADMIN, **criteria):
        return [(row['image_id'], row['member']) for row in
                db_api.image_member_find(self.engine, context, **criteria)]

    # -- members -------------------------------------------------------------

    def test_member_create_defaults(self):
        image_id = self.create()['id']
        row = self.member(image_id, 't1')
        self.assertEqual({'id', 'image_id', 'member', 'can_share', 'status',
                          'created_at', 'updated_at'}, set(row))
        self.assertEqual((image_id, 't1', False, 'pending'),
                         (row['image_id'], row['member'], row['can_share'],
                          row['status']))
        self.assertEqual(row['created_at'], row['updated_at'])
        self.assertIsNotNone(row['created_at'])

    def test_member_create_errors(self):
        image_id = self.create()['id']
        self.member(image_id, 't1')
        self.assertRaises(errors.Duplicate, self.member, image_id, 't1')
        self.assertRaises(errors.NotFound, self.member, str(uuid.uuid4()),
                          't1')
        self.assertRaises(errors.Invalid, db_api.image_member_create,
                          self.engine, ADMIN, {'image_id': image_id})

    def test_member_update(self):
        image_id = self.create()['id']
        row = self.member(image_id, 't1', can_share=True)
        updated = db_api.image_member_update(
            self.engine, ADMIN, row['id'], {'status': 'accepted',
                                            'image_id': 'ignored'})
        self.assertEqual(('accepted', True, image_id),
                         (updated['status'], updated['can_share'],
                          updated['image_id']))
        self.assertGreater(updated['updated_at'], updated['created_at'])
        updated = db_api.image_member_update(self.engine, ADMIN, row['id'],
                                             {'can_share': False})
        self.assertEqual(('accepted', False),
                         (updated['status'], updated['can_share']))
        self.assertRaises(errors.NotFound, db_api.image_member_update,
                          self.engine, ADMIN, row['id'] + 1000, {})

    def test_members_replace(self):
        image_id = self.create()['id']
        self.member(image_id, 'gone')
        self.member(image_id, 'kept', can_share=True)
        db_api.image_members_replace(self.engine, ADMIN, image_id, [
            ('kept', None), ('new', True), ('new', True)])
        self.assertEqual([('kept', True), ('new', True)],
                         [(row['member'], row['can_share']) for row in
                          db_api.image_member_find(self.engine, ADMIN,
                                                   image_id=image_id)])

    def test_members_replace_checks_every_id_first(self):
        image_id = self.create()['id']
        self.member(image_id, 'kept')
        for bad in ('', None, {'a': 1}, [], 5, 'm' * 256):
            self.assertRaises(errors.Invalid, db_api.image_members_replace,
                              self.engine, ADMIN, image_id,
                              [('other', False), (bad, False)])
            self.assertRaises(errors.Invalid, db_api.image_member_create,
                              self.engine, ADMIN,
                              {'image_id': image_id, 'member': bad})
        self.assertEqual([(image_id, 'kept')], self.find(image_id=image_id))
        self.assertRaises(errors.NotFound, db_api.image_members_replace,
                          self.engine, ADMIN, str(uuid.uuid4()), [])

    def test_member_delete_and_add_again(self):
        image_id = self.create()['id']
        row = self.member(image_id, 't1')
        db_api.image_member_delete(self.engine, ADMIN, row['id'])
        self.assertEqual([], self.find(member='t1'))
        self.assertRaises(errors.NotFound, db_api.image_member_delete,
                          self.engine, ADMIN, row['id'])
        again = self.member(image_id, 't1')
        db_api.image_member_delete(self.engine, ADMIN, again['id'])
        rows = self.rows(schema.image_members, image_id=image_id)
        self.assertEqual([True, True], [r['deleted'] for r in rows])

    def test_member_find_criteria_and_order(self):
        first = self.create(owner='o1')['id']
        second = self.create(owner='o2')['id']
        self.member(second, 'b')
        self.member(first, 'a', status='accepted')
        self.member(first, 'b')
        self.assertEqual([(second, 'b'), (first, 'a'), (first, 'b')],
                         self.find())
        self.assertEqual([(first, 'a'), (first, 'b')],
                         self.find(image_id=first))
        self.assertEqual([(second, 'b'), (first, 'b')], self.find(member='b'))
        self.assertEqual([(first, 'a')], self.find(status='accepted'))
        self.assertEqual([], self.find(image_id=first, member='c'))

    def test_member_find_for_non_admins(self):
        first = self.create(owner='o1')['id']
        second = self.create(owner='o2')['id']
        self.member(first, 'a')
        self.member(first, 'b')
        self.member(second, 'a')
        self.assertEqual([(first, 'a'), (first, 'b')], self.find(user('o1')))
        self.assertEqual([(first, 'a'), (second, 'a')], self.find(user('a')))
        self.assertEqual([(first, 'b')], self.find(user('b')))
        self.assertEqual([], self.find(user(None)))

    def test_member_count(self):
        image_id = self.create()['id']
        self.assertEqual(0, db_api.image_member_count(self.engine, ADMIN,
                                                      image_id))
        rows = [self.member(image_id, m) for m in ('a', 'b', 'c')]
        db_api.image_member_delete(self.engine, ADMIN, rows[0]['id'])
        self.assertEqual(2, db_api.image_member_count(self.engine, ADMIN,
                                                      image_id))
        for empty in (None, ''):
            error = self.assertRaises(errors.Invalid,
                                      db_api.image_member_count,
                                      self.engine, ADMIN, empty)
            self.assertEqual('Image id is required.', str(error))

    # -- tags ----------------------------------------------------------------

    def tags(self, image_id):
        return db_api.image_tag_get_all(self.engine, ADMIN, image_id)

    def test_tag_create_is_idempotent(self):
        image_id = self.create()['id']
        self.assertEqual('snap', db_api.image_tag_create(
            self.engine, ADMIN, image_id, 'snap'))
        db_api.image_tag_create(self.engine, ADMIN, image_id, 'snap')
        self.assertEqual(['snap'], self.tags(image_id))
        self.assertEqual(1, len(self.rows(schema.image_tags)))

    def test_tag_set_all_keeps_order_and_soft_deletes(self):
        image_id = self.create()['id']
        self.assertEqual([], self.tags(image_id))
        db_api.image_tag_set_all(self.engine, ADMIN, image_id,
                                 ['ping', 'pong', 'a', 'ping'])
        self.assertEqual(['ping', 'pong', 'a'], self.tags(image_id))
        db_api.image_tag_set_all(self.engine, ADMIN, image_id,
                                 ['z', 'pong'])
        self.assertEqual(['pong', 'z'], self.tags(image_id))
        rows = self.rows(schema.image_tags, image_id=image_id)
        self.assertEqual({'ping', 'a'},
                         {r['value'] for r in rows if r['deleted']})

    def test_tag_delete(self):
        image_id = self.create()['id']
        db_api.image_tag_create(self.engine, ADMIN, image_id, 'snap')
        db_api.image_tag_delete(self.engine, ADMIN, image_id, 'snap')
        self.assertEqual([], self.tags(image_id))
        self.assertRaises(errors.NotFound, db_api.image_tag_delete,
                          self.engine, ADMIN, image_id, 'snap')

    def test_tags_of_many_images_at_once(self):
        first, second, bare = (self.create()['id'] for _ in range(3))
        db_api.image_tag_set_all(self.engine, ADMIN, first, ['b', 'a'])
        db_api.image_tag_set_all(self.engine, ADMIN, second, ['c'])
        db_api.image_tag_delete(self.engine, ADMIN, second, 'c')
        unknown = str(uuid.uuid4())
        self.assertEqual(
            {first: ['b', 'a'], second: [], bare: [], unknown: []},
            db_api.image_tags_get_many(self.engine, ADMIN,
                                       [first, second, bare, unknown,
                                        'x' * 37]))
        self.assertEqual({}, db_api.image_tags_get_many(self.engine, ADMIN,
                                                        []))
        self.assertRaises(errors.Invalid, db_api.image_tags_get_many,
                          self.engine, ADMIN, first)

    def test_tags_of_unknown_images(self):
        self.assertEqual([], self.tags(str(uuid.uuid4())))
        self.assertRaises(errors.NotFound, self.tags, 'x' * 37)
        for function, args in ((db_api.image_tag_create, ('t',)),
                               (db_api.image_tag_set_all, (['t'],))):
            self.assertRaises(errors.NotFound, function, self.engine, ADMIN,
                              str(uuid.uuid4()), *args)


class TestMembersTagsSQLite(MembersTagsMixin, testtools.TestCase):
    backend = 'sqlite'


class TestMembersTagsMySQL(MembersTagsMixin, testtools.TestCase):
    backend = 'mysql'


class TestMembersTagsPostgreSQL(MembersTagsMixin, testtools.TestCase):
    backend = 'postgresql'
