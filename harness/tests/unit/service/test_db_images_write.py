"""Image writes of the DB API on SQLite, MariaDB and
PostgreSQL: create, update, destroy, properties, storage usage."""

import datetime
import uuid

import testtools

from harness.service import errors
from harness.service.db import api as db_api
from harness.service.db import schema
from harness.tests.unit.service.dbapi_base import ADMIN
from harness.tests.unit.service.dbapi_base import DBTestMixin
from harness.tests.unit.service.dbapi_base import T0
from harness.tests.unit.service.dbapi_base import user

GIB = 1024 ** 3


def props(image, deleted=False):
    return {p['name']: p['value'] for p in image['properties']
            if p['deleted'] == deleted}


class ImageWritesMixin(DBTestMixin):

    # -- create --------------------------------------------------------------

    def test_create_converts_wire_values(self):
        image = db_api.image_create(self.engine, ADMIN, {
            'status': 'queued', 'size': '12', 'min_ram': None,
            'is_public': 'true', 'protected': None, 'owner': '',
            'created_at': '2014-04-17T10:23:45.123456',
            'properties': {'n': 5}, 'unknown_key': 'ignored'})
        self.assertEqual(12, image['size'])
        self.assertEqual(0, image['min_ram'])
        self.assertIs(True, image['is_public'])
        self.assertIs(False, image['protected'])
        self.assertIsNone(image['owner'])
        self.assertEqual(datetime.datetime(2014, 4, 17, 10, 23, 45, 123456),
                         image['created_at'])
        self.assertEqual({'n': '5'}, props(image))

    def test_create_defaults_share_one_timestamp(self):
        image = db_api.image_create(self.engine, ADMIN, {'status': 'queued'})
        self.assertEqual(image['created_at'], image['updated_at'])
        for key in ('name', 'size', 'checksum', 'owner', 'deleted_at'):
            self.assertIsNone(image[key], key)
        self.assertNotIn('tags', image)

    def test_create_rejects_bad_values(self):
        for values, message in (
                ({'size': 'big'}, "Invalid value 'big' for size"),
                ({'is_public': 'maybe'}, "Invalid value 'maybe' for "
                 "is_public"),
                ({'created_at': 'noon'}, "Invalid value 'noon' for "
                 "created_at"),
                ({'id': 'x' * 37}, 'Image id is longer than 36'),
                ({'locations': [{'metadata': {}}]}, 'Invalid location')):
            values['status'] = 'active'
            error = self.assertRaises(errors.Invalid, db_api.image_create,
                                      self.engine, ADMIN, values)
            self.assertIn(message, str(error))
        self.assertEqual([], self.rows(schema.images))

    def test_big_sizes_and_microseconds_round_trip(self):
        when = datetime.datetime(2014, 4, 17, 10, 23, 45, 987654)
        for size in (5 * GIB + 1, 2 ** 40 + 3):
            image = self.create(size=size, virtual_size=size * 2,
                                created_at=when)
            got = db_api.image_get(self.engine, ADMIN, image['id'])
            self.assertEqual((size, size * 2, when),
                             (got['size'], got['virtual_size'],
                              got['created_at']))

    # -- update --------------------------------------------------------------

    def test_update_changes_columns_and_stamps_updated_at(self):
        image = self.create(name='old')
        updated = db_api.image_update(self.engine, ADMIN, image['id'], {
            'name': 'new', 'id': 'other', 'created_at': T0.replace(year=2000),
            'deleted': True, 'deleted_at': T0})
        self.assertEqual('new', updated['name'])
        self.assertEqual(image['id'], updated['id'])
        self.assertEqual(T0, updated['created_at'])
        self.assertIs(False, updated['deleted'])
        self.assertIsNone(updated['deleted_at'])
        self.assertGreater(updated['updated_at'], image['updated_at'])

    def test_update_merges_properties(self):
        image = self.create(properties={'a': '1', 'b': '2'})
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'properties': {'b': '3', 'c': '4'}})
        self.assertEqual({'a': '1', 'b': '3', 'c': '4'}, props(updated))

    def test_purge_soft_deletes_absent_properties(self):
        image = self.create(properties={'a': '1', 'b': '2'})
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'properties': {'b': '3'}},
                                      purge_props=True)
        self.assertEqual({'b': '3'}, props(updated))
        self.assertEqual({'a': '1'}, props(updated, deleted=True))
        gone = [p for p in updated['properties'] if p['deleted']][0]
        self.assertIsNotNone(gone['deleted_at'])
        # Purging with no properties at all removes every one.
        updated = db_api.image_update(self.engine, ADMIN, image['id'], {},
                                      purge_props=True)
        self.assertEqual({}, props(updated))

    def test_deleted_property_comes_back(self):
        image = self.create(properties={'a': '1'})
        db_api.image_update(self.engine, ADMIN, image['id'], {},
                            purge_props=True)
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'properties': {'a': '2'}})
        self.assertEqual({'a': '2'}, props(updated))
        self.assertEqual(1, len(updated['properties']))
        self.assertIsNone(updated['properties'][0]['deleted_at'])

    def test_locations_replaced_only_when_given(self):
        image = self.create(locations=['file:///a'])
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'name': 'x'})
        self.assertEqual([{'url': 'file:///a', 'metadata': {}}],
                         updated['locations'])
        new = [{'url': 'http://b', 'metadata': {'k': 'v'}},
               {'url': 'file:///c', 'metadata': {}}]
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'locations': new})
        self.assertEqual(new, updated['locations'])
        rows = self.rows(schema.image_locations, image_id=image['id'])
        self.assertEqual([True, False, False], [r['deleted'] for r in rows])

    def test_from_state(self):
        image = self.create(status='queued')
        error = self.assertRaises(
            errors.Conflict, db_api.image_update, self.engine, ADMIN,
            image['id'], {'status': 'active'}, from_state='saving')
        self.assertEqual('cannot transition from queued to active in update '
                         '(wanted from_state=saving)', str(error))
        self.assertEqual('queued', self.image_row(image['id'])['status'])
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'status': 'saving'},
                                      from_state='queued')
        self.assertEqual('saving', updated['status'])

    def test_from_updated_at(self):
        image = self.create(status='queued', name='a')
        read = db_api.image_get(self.engine, ADMIN, image['id'])
        first = db_api.image_update(
            self.engine, ADMIN, image['id'], {'name': 'b'},
            from_updated_at=read['updated_at'], tags=['x', 'y', 'x'])
        self.assertGreater(first['updated_at'], read['updated_at'])
        self.assertEqual(['x', 'y'], db_api.image_tag_get_all(
            self.engine, ADMIN, image['id']))
        # A second writer that read the same version loses, unchanged.
        error = self.assertRaises(
            errors.Conflict, db_api.image_update, self.engine, ADMIN,
            image['id'], {'name': 'c'}, from_updated_at=read['updated_at'],
            tags=['z'])
        self.assertIn('changed since', str(error))
        self.assertEqual('b', self.image_row(image['id'])['name'])
        self.assertEqual(['x', 'y'], db_api.image_tag_get_all(
            self.engine, ADMIN, image['id']))
        self.assertRaises(errors.Invalid, db_api.image_update, self.engine,
                          ADMIN, image['id'], {'name': 'd'},
                          from_updated_at='not a time')

    def test_update_rejects_bad_status(self):
        image = self.create()
        for status, message in ((None, 'Image status is required.'),
                                ('gone', "Invalid image status 'gone' for "
                                 "image.")):
            error = self.assertRaises(errors.Invalid, db_api.image_update,
                                      self.engine, ADMIN, image['id'],
                                      {'status': status})
            self.assertEqual(message, str(error))

    def test_update_permissions(self):
        public = self.create(owner='t1', is_public=True)['id']
        private = self.create(owner='t1')['id']
        ownerless = self.create(owner=None)['id']
        for image_id, context, error in (
                (public, user('t2'), errors.ForbiddenPublicImage),
                (private, user('t2'), errors.Forbidden),
                (ownerless, user('t2'), errors.Forbidden),
                (str(uuid.uuid4()), ADMIN, errors.NotFound)):
            self.assertRaises(error, db_api.image_update, self.engine,
                              context, image_id, {'name': 'x'})
        self.assertNotIsInstance(
            self.assertRaises(errors.Forbidden, db_api.image_update,
                              self.engine, user('t2'), private, {}),
            errors.ForbiddenPublicImage)
        db_api.image_update(self.engine, user('t1'), private, {'name': 'y'})
        self.assertEqual('y', self.image_row(private)['name'])

    def test_member_may_see_but_not_change(self):
        image = self.create(owner='t1')
        db_api.image_member_create(self.engine, ADMIN,
                                   {'image_id': image['id'], 'member': 't2'})
        db_api.image_get(self.engine, user('t2'), image['id'])
        self.assertRaises(errors.Forbidden, db_api.image_update, self.engine,
                          user('t2'), image['id'], {'name': 'x'})

    def test_admin_may_give_an_image_away(self):
        image = self.create(owner='t1')
        updated = db_api.image_update(self.engine, ADMIN, image['id'],
                                      {'owner': 't2'})
        self.assertEqual('t2', updated['owner'])

    # -- destroy -------------------------------------------------------------

    def test_destroy_soft_deletes_image_and_children(self):
        image = self.create(owner='t1', properties={'a': '1'},
                            locations=['file:///a', 'file:///b'])
        image_id = image['id']
        db_api.image_member_create(self.engine, ADMIN,
                                   {'image_id': image_id, 'member': 't2'})
        db_api.image_tag_set_all(self.engine, ADMIN, image_id, ['x', 'y'])
        gone = db_api.image_destroy(self.engine, user('t1'), image_id)
        self.assertIs(True, gone['deleted'])
        self.assertEqual([], gone['locations'])
        self.assertEqual({'a': '1'}, props(gone, deleted=True))
        when = self.image_row(image_id)['deleted_at']
        self.assertIsNotNone(when)
        for table in (schema.image_properties, schema.image_locations,
                      schema.image_members, schema.image_tags):
            rows = self.rows(table, image_id=image_id)
            self.assertNotEqual([], rows)
            self.assertEqual({(True, when)},
                             {(r['deleted'], r['deleted_at']) for r in rows},
                             table.name)
        self.assertRaises(errors.NotFound, db_api.image_get, self.engine,
                          user('t1'), image_id)
        self.assertEqual([], db_api.image_tag_get_all(self.engine, ADMIN,
                                                      image_id))
        self.assertEqual([], db_api.image_member_find(self.engine, ADMIN,
                                                      image_id=image_id))

    def test_destroy_keeps_earlier_deletions(self):
        image = self.create(properties={'a': '1', 'b': '2'})
        db_api.image_property_delete(self.engine, ADMIN, 'a', image['id'])
        first = self.rows(schema.image_properties, name='a')[0]['deleted_at']
        db_api.image_destroy(self.engine, ADMIN, image['id'])
        self.assertEqual(first, self.rows(schema.image_properties,
                                          name='a')[0]['deleted_at'])

    def test_destroy_permissions(self):
        public = self.create(owner='t1', is_public=True)['id']
        private = self.create(owner='t1')['id']
        self.assertRaises(errors.ForbiddenPublicImage, db_api.image_destroy,
                          self.engine, user('t2'), public)
        self.assertRaises(errors.Forbidden, db_api.image_destroy,
                          self.engine, user('t2'), private)
        self.assertRaises(errors.NotFound, db_api.image_destroy, self.engine,
                          ADMIN, str(uuid.uuid4()))
        self.assertIs(False, self.image_row(public)['deleted'])

    # -- properties ----------------------------------------------------------

    def test_property_create_and_delete(self):
        image_id = self.create()['id']
        prop = db_api.image_property_create(
            self.engine, ADMIN,
            {'image_id': image_id, 'name': 'ping', 'value': 'pong'})
        self.assertEqual(('ping', 'pong', image_id, False),
                         (prop['name'], prop['value'], prop['image_id'],
                          prop['deleted']))
        self.assertRaises(errors.Duplicate, db_api.image_property_create,
                          self.engine, ADMIN,
                          {'image_id': image_id, 'name': 'ping'})
        prop = db_api.image_property_delete(self.engine, ADMIN, 'ping',
                                            image_id)
        self.assertIs(True, prop['deleted'])
        self.assertIsNotNone(prop['deleted_at'])
        self.assertRaises(errors.NotFound, db_api.image_property_delete,
                          self.engine, ADMIN, 'ping', image_id)
        prop = db_api.image_property_create(
            self.engine, ADMIN,
            {'image_id': image_id, 'name': 'ping', 'value': 'again'})
        self.assertEqual(('again', False), (prop['value'], prop['deleted']))

    def test_property_of_missing_image(self):
        self.assertRaises(errors.NotFound, db_api.image_property_create,
                          self.engine, ADMIN, {'image_id': str(uuid.uuid4()),
                                               'name': 'a', 'value': 'b'})

    # -- storage usage -------------------------------------------------------

    def test_storage_usage(self):
        two = ['file:///1', 'file:///2']
        counted = [self.create(owner='o', size=5 * GIB, locations=two),
                   self.create(owner='o', size=7, locations=['file:///3'])]
        for status in ('killed', 'pending_delete', 'deleted'):
            self.create(owner='o', size=100, status=status,
                        locations=['file:///x'])
        self.create(owner='o', size=0, locations=['file:///y'])
        self.create(owner='o', size=None, locations=['file:///z'])
        self.create(owner='other', size=1000, locations=['file:///o'])
        self.create(owner='o', size=50)
        usage = db_api.user_get_storage_usage(self.engine, ADMIN, 'o')
        self.assertEqual(2 * 5 * GIB + 7, usage)
        self.assertEqual(7, db_api.user_get_storage_usage(
            self.engine, ADMIN, 'o', image_id=counted[0]['id']))
        db_api.image_update(self.engine, ADMIN, counted[0]['id'],
                            {'locations': ['file:///1']})
        self.assertEqual(5 * GIB + 7, db_api.user_get_storage_usage(
            self.engine, ADMIN, 'o'))
        self.assertEqual(0, db_api.user_get_storage_usage(
            self.engine, ADMIN, 'nobody'))

    # -- visibility and mutability helpers ------------------------------------

    def test_visible_and_mutable(self):
        image = self.create(owner='t1')
        db_api.image_member_create(self.engine, ADMIN, {
            'image_id': image['id'], 'member': 't2', 'status': 'pending'})
        for context, status, expected in (
                (user('t2'), None, True), (user('t2'), 'accepted', False),
                (user('t3'), None, False), (user(None), None, False),
                (ADMIN, 'accepted', True)):
            self.assertEqual(expected, db_api.is_image_visible(
                self.engine, context, image, status=status))
        for context, expected in ((user('t1'), True), (user('t2'), False),
                                  (user(None), False), (ADMIN, True)):
            self.assertEqual(expected, db_api.is_image_mutable(
                self.engine, context, image))
        self.assertFalse(db_api.is_image_mutable(
            self.engine, user('t1'), dict(image, owner=None)))


class BadValuesMixin(DBTestMixin):
    """Values no column holds are Invalid on every back end, before any
    SQL runs; nothing is written (issue 7 C)."""

    def names(self):
        return sorted(image['name'] or '' for image in
                      db_api.image_get_all(self.engine, ADMIN,
                                           filters={'deleted': False}))

    def test_integers_outside_their_columns(self):
        for values in ({'size': 1 << 63}, {'size': -(1 << 63) - 1},
                       {'min_ram': 1 << 31}, {'min_disk': -(1 << 31) - 1},
                       {'virtual_size': 1 << 63}, {'size': float('inf')}):
            self.assertRaises(errors.Invalid, self.create, name='bad',
                              **values)
        self.create(name='edge', size=(1 << 63) - 1, min_ram=(1 << 31) - 1)
        self.assertEqual(['edge'], self.names())
        image_id = self.create(name='kept')['id']
        self.assertRaises(errors.Invalid, db_api.image_update, self.engine,
                          ADMIN, image_id, {'name': 'x', 'min_disk': 1 << 31})
        self.assertEqual(['edge', 'kept'], self.names())

    def test_dates_out_of_range(self):
        for text in ('0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00',
                     '0999-12-31T23:59:59'):
            self.assertRaises(errors.Invalid, self.create, name='bad',
                              created_at=text)
            exc = self.assertRaises(errors.Invalid, db_api.image_get_all,
                                    self.engine, ADMIN,
                                    filters={'changes-since': text})
            self.assertEqual('Unrecognized changes-since value', str(exc))
        self.assertEqual([], self.names())

    def test_properties_must_be_an_object_of_scalars(self):
        for properties in ([1], 'x', 5, {'a': {'b': 1}}, {'a': [1]}):
            self.assertRaises(errors.Invalid, self.create, name='bad',
                              properties=properties)
        image = self.create(name='kept', properties={'a': 'b'})
        self.assertRaises(errors.Invalid, db_api.image_update, self.engine,
                          ADMIN, image['id'], {'name': 'x',
                                               'properties': ['a']})
        self.assertEqual(['kept'], self.names())

    def test_range_filters_out_of_range(self):
        for filters in ({'size_min': str(1 << 63)}, {'size_max': 1 << 63},
                        {'min_ram': str(1 << 31)},
                        {'min_disk': str(-(1 << 31) - 1)}):
            self.assertRaises(errors.Invalid, db_api.image_get_all,
                              self.engine, ADMIN, filters=filters)

    def test_lookups_no_row_can_match(self):
        image = self.create(name='kept', properties={'p': 'v'})
        for image_id in ({'a': 1}, 5, image['id'] + '\0', 'a\0'):
            self.assertRaises(errors.NotFound, db_api.image_get,
                              self.engine, ADMIN, image_id)
        for filters in ({'name': 'kept\0'}, {'properties': {'p': 'v\0'}},
                        {'properties': {'p\0': 'v'}}, {'checksum': '\0'},
                        {'tags': ['\0']}):
            self.assertEqual([], db_api.image_get_all(
                self.engine, ADMIN, filters=filters), filters)
        self.assertEqual([], db_api.image_member_find(
            self.engine, ADMIN, member='m\0'))

    def test_text_values(self):
        for values in ({'name': 'a\0b'}, {'name': ['x']}, {'owner': {}},
                       {'properties': {'a\0': 'b'}},
                       {'properties': {'a': 'b\0'}},
                       {'locations': [{'url': 'http://a/\0'}]},
                       {'locations': [{'url': 'http://a/', 'metadata': 5}]},
                       {'size': 1.5}):
            self.assertRaises(errors.Invalid, self.create, **values)
        self.assertEqual([], self.names())
        self.assertEqual('5', self.create(name=5)['name'])

    def test_from_state_must_be_a_status(self):
        image_id = self.create(name='kept', status='queued')['id']
        for from_state in ('bogus', ['queued']):
            self.assertRaises(errors.Invalid, db_api.image_update,
                              self.engine, ADMIN, image_id,
                              {'status': 'saving'}, from_state=from_state)
        self.assertEqual('queued', db_api.image_get(
            self.engine, ADMIN, image_id)['status'])


class TestBadValuesSQLite(BadValuesMixin, testtools.TestCase):
    backend = 'sqlite'


class TestBadValuesMySQL(BadValuesMixin, testtools.TestCase):
    backend = 'mysql'


class TestBadValuesPostgreSQL(BadValuesMixin, testtools.TestCase):
    backend = 'postgresql'


class TestImageWritesSQLite(ImageWritesMixin, testtools.TestCase):
    backend = 'sqlite'


class TestImageWritesMySQL(ImageWritesMixin, testtools.TestCase):
    backend = 'mysql'


class TestImageWritesPostgreSQL(ImageWritesMixin, testtools.TestCase):
    backend = 'postgresql'
