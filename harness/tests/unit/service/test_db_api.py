"""The image DB API on SQLite, MariaDB and PostgreSQL."""

import datetime
import uuid

import testtools

from harness.service import errors
from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.service.db import schema
from harness.tests.unit.service.dbapi_base import ADMIN
from harness.tests.unit.service.dbapi_base import DBTestMixin
from harness.tests.unit.service.dbapi_base import T0
from harness.tests.unit.service.dbapi_base import user
from harness.tests.unit.service import dbtest_helpers


def ids_of(images):
    return [image['id'] for image in images]


class DBAPITestsMixin(DBTestMixin):

    def add_member(self, image_id, member, status='accepted', deleted=False):
        with self.engine.begin() as connection:
            connection.execute(schema.image_members.insert().values(
                image_id=image_id, member=member, can_share=False,
                status=status, created_at=T0, deleted=deleted))

    def add_tag(self, image_id, value, deleted=False):
        with self.engine.begin() as connection:
            connection.execute(schema.image_tags.insert().values(
                image_id=image_id, value=value, created_at=T0,
                deleted=deleted))

    def soft_delete(self, image_id, status='deleted'):
        with self.engine.begin() as connection:
            connection.execute(
                schema.images.update()
                .where(schema.images.c.id == image_id)
                .values(deleted=True, status=status, deleted_at=T0))

    def list(self, context=ADMIN, **kwargs):
        return ids_of(db_api.image_get_all(self.engine, context, **kwargs))

    # -- create and get ----------------------------------------------------

    def test_create_fills_defaults(self):
        image = db_api.image_create(self.engine, ADMIN, {'status': 'queued'})
        self.assertEqual(str(uuid.UUID(image['id'])), image['id'])
        for key, value in (('is_public', False), ('protected', False),
                           ('min_disk', 0), ('min_ram', 0),
                           ('deleted', False), ('properties', []),
                           ('locations', [])):
            self.assertEqual(value, image[key], key)
        self.assertIsInstance(image['created_at'], datetime.datetime)

    def test_create_requires_a_known_status(self):
        error = self.assertRaises(errors.Invalid, db_api.image_create,
                                  self.engine, ADMIN, {'name': 'x'})
        self.assertEqual('Image status is required.', str(error))
        error = self.assertRaises(errors.Invalid, db_api.image_create,
                                  self.engine, ADMIN, {'status': 'bogus'})
        self.assertEqual("Invalid image status 'bogus' for image.",
                         str(error))

    def test_create_duplicate_id(self):
        image = self.create()
        self.assertRaises(errors.Duplicate, self.create, id=image['id'])

    def test_create_with_properties_and_locations(self):
        image = self.create(properties={'a': '1'},
                            locations=['file:///x', {'url': 'http://y',
                                                     'metadata': {'k': 2}}])
        got = db_api.image_get(self.engine, ADMIN, image['id'])
        self.assertEqual([('a', '1')], [(p['name'], p['value'])
                                        for p in got['properties']])
        self.assertEqual([{'url': 'file:///x', 'metadata': {}},
                          {'url': 'http://y', 'metadata': {'k': 2}}],
                         got['locations'])

    def test_get_missing(self):
        self.assertRaises(errors.NotFound, db_api.image_get, self.engine,
                          ADMIN, str(uuid.uuid4()))

    def test_get_private_image_of_another_owner_is_forbidden(self):
        image = self.create(owner='t1')
        self.assertRaises(errors.Forbidden, db_api.image_get, self.engine,
                          user('t2'), image['id'])
        self.assertEqual(image['id'], db_api.image_get(
            self.engine, user('t1'), image['id'])['id'])

    def test_get_visible_to_members_and_ownerless(self):
        shared = self.create(owner='t1')
        self.add_member(shared['id'], 't2', status='pending')
        ownerless = self.create(owner=None)
        for image in (shared, ownerless):
            db_api.image_get(self.engine, user('t2'), image['id'])

    def test_deleted_image_only_shown_to_admins(self):
        image = self.create(owner='t1', is_public=True)
        self.soft_delete(image['id'])
        self.assertRaises(errors.NotFound, db_api.image_get, self.engine,
                          user('t1'), image['id'])
        self.assertTrue(db_api.image_get(self.engine, ADMIN,
                                         image['id'])['deleted'])
        db_api.image_get(self.engine, user('t1'), image['id'],
                         force_show_deleted=True)

    # -- visibility in listings --------------------------------------------

    def _visibility_fixture(self):
        self.public = self.create(0, owner='t1', is_public=True)['id']
        self.mine = self.create(1, owner='t2')['id']
        self.theirs = self.create(2, owner='t1')['id']
        self.shared = self.create(3, owner='t1')['id']
        self.pending = self.create(4, owner='t1')['id']
        self.ownerless = self.create(5, owner=None)['id']
        self.add_member(self.shared, 't2')
        self.add_member(self.pending, 't2', status='pending')

    def test_admin_sees_everything(self):
        self._visibility_fixture()
        self.assertEqual(6, len(self.list()))

    def test_regular_user_sees_public_own_and_accepted_shares(self):
        self._visibility_fixture()
        self.assertEqual({self.public, self.mine, self.shared},
                         set(self.list(user('t2'))))

    def test_member_status_all(self):
        self._visibility_fixture()
        self.assertEqual({self.public, self.mine, self.shared, self.pending},
                         set(self.list(user('t2'), member_status='all')))

    def test_admin_as_user(self):
        self._visibility_fixture()
        admin_t2 = RequestContext(tenant='t2', is_admin=True)
        self.assertEqual({self.public, self.mine, self.shared},
                         set(self.list(admin_t2, admin_as_user=True)))

    def test_anonymous_user_sees_public_only(self):
        self._visibility_fixture()
        self.assertEqual([self.public], self.list(user(None)))

    def test_visibility_filters(self):
        self._visibility_fixture()
        t2 = user('t2')
        self.assertEqual([self.public],
                         self.list(t2, filters={'visibility': 'public'}))
        self.assertEqual({self.mine, self.shared}, set(
            self.list(t2, filters={'visibility': 'private'})))
        self.assertEqual([self.shared],
                         self.list(t2, filters={'visibility': 'shared'}))

    def test_is_public_argument(self):
        self._visibility_fixture()
        self.assertEqual([self.public], self.list(is_public=True))
        self.assertEqual(5, len(self.list(is_public=False)))

    def test_deleted_member_rows_do_not_share(self):
        image = self.create(owner='t1')['id']
        self.add_member(image, 't2', deleted=True)
        self.assertEqual([], self.list(user('t2')))

    # -- filters -------------------------------------------------------------

    def test_deleted_filter_also_hides_killed(self):
        live = self.create(0)['id']
        killed = self.create(1, status='killed')['id']
        gone = self.create(2)['id']
        self.soft_delete(gone)
        self.assertEqual([live], self.list(filters={'deleted': False}))
        self.assertEqual([gone], self.list(filters={'deleted': True}))
        self.assertEqual({live, killed, gone}, set(self.list()))

    def test_changes_since(self):
        self.create(0)
        later = self.create(10)['id']
        since = '2014-04-17T10:05:00+00:00'
        self.assertEqual([later],
                         self.list(filters={'changes-since': since}))
        aware = datetime.datetime(2014, 4, 17, 12, 5,
                                  tzinfo=datetime.timezone(
                                      datetime.timedelta(hours=2)))
        self.assertEqual([later],
                         self.list(filters={'changes-since': aware}))

    def test_size_range_and_column_equality(self):
        small = self.create(0, size=10, name='a', min_ram=0)['id']
        big = self.create(1, size=100, name='b', min_ram=512)['id']
        self.assertEqual([big], self.list(filters={'size_min': '50'}))
        self.assertEqual([small], self.list(filters={'size_max': 10}))
        self.assertEqual([small], self.list(filters={'name': 'a'}))
        self.assertEqual([big], self.list(filters={'min_ram': '512'}))
        self.assertEqual([], self.list(filters={'min_ram': 'lots'}))

    def test_non_numeric_range(self):
        self.create()
        error = self.assertRaises(errors.InvalidFilterRangeValue, self.list,
                                  filters={'size_min': 'big'})
        self.assertEqual('Unable to filter on a range with a non-numeric '
                         'value.', str(error))

    def test_property_filters(self):
        match = self.create(0, properties={'os': 'linux', 'is_public': 'x'})
        self.create(1, properties={'os': 'bsd'})
        self.assertEqual([match['id']],
                         self.list(filters={'properties': {'os': 'linux'}}))
        # Unknown keys, and is_public inside filters, are properties.
        self.assertEqual([match['id']], self.list(filters={'os': 'linux'}))
        self.assertEqual([match['id']],
                         self.list(filters={'is_public': 'x'}))

    def test_tags_filter_needs_every_tag(self):
        both = self.create(0)['id']
        one = self.create(1)['id']
        self.add_tag(both, 'a')
        self.add_tag(both, 'b')
        self.add_tag(one, 'a')
        self.add_tag(one, 'b', deleted=True)
        self.assertEqual([both], self.list(filters={'tags': ['a', 'b']}))

    # -- ordering and pagination -------------------------------------------

    def test_default_order_is_created_at_desc(self):
        ids = [self.create(minute)['id'] for minute in range(3)]
        self.assertEqual(ids[::-1], self.list())
        self.assertEqual(ids, self.list(sort_dir='asc'))

    def test_sort_key_with_nulls_first_ascending(self):
        named_b = self.create(0, name='b')['id']
        unnamed = self.create(1, name=None)['id']
        named_a = self.create(2, name='a')['id']
        self.assertEqual([unnamed, named_a, named_b],
                         self.list(sort_key='name', sort_dir='asc'))
        self.assertEqual([named_b, named_a, unnamed],
                         self.list(sort_key='name', sort_dir='desc'))

    def test_invalid_sort_key_and_dir(self):
        self.assertRaises(errors.InvalidSortKey, self.list,
                          sort_key='nonsense')
        self.assertRaises(errors.Invalid, self.list, sort_dir='up')

    def test_paging_with_marker_visits_every_image_once(self):
        for minute, (name, size) in enumerate(
                [('x', 5), (None, None), ('x', 5), ('a', 1), (None, 7)]):
            image = self.create(minute % 2, name=name, size=size)
        with self.engine.begin() as connection:
            connection.execute(
                schema.images.update()
                .where(schema.images.c.id == image['id'])
                .values(updated_at=None))
        for sort_key in ('name', 'size', 'created_at', 'updated_at', 'id'):
            for sort_dir in ('asc', 'desc'):
                expected = self.list(sort_key=sort_key, sort_dir=sort_dir)
                pages, marker = [], None
                # Bounded: a marker that does not advance must fail the
                # test, not loop forever.
                for _attempt in range(len(expected) + 1):
                    page = self.list(sort_key=sort_key, sort_dir=sort_dir,
                                     limit=2, marker=marker)
                    if not page:
                        break
                    pages += page
                    marker = page[-1]
                self.assertEqual(expected, pages, (sort_key, sort_dir))

    def test_marker_errors(self):
        private = self.create(owner='t1')['id']
        self.assertRaises(errors.NotFound, self.list,
                          marker=str(uuid.uuid4()))
        self.assertRaises(errors.Forbidden, self.list, user('t2'),
                          marker=private)

    def test_deleted_marker_needs_deleted_rows_shown(self):
        gone = self.create(0, owner='t1', is_public=True)['id']
        self.soft_delete(gone)
        self.assertRaises(errors.NotFound, self.list, user('t1'),
                          marker=gone)
        self.assertEqual([], self.list(user('t1'), marker=gone,
                                       filters={'deleted': True}))

    def test_limit(self):
        for minute in range(3):
            self.create(minute)
        self.assertEqual(2, len(self.list(limit=2)))
        self.assertEqual([], self.list(limit=0))


class TestDBAPISqlite(DBAPITestsMixin, testtools.TestCase):
    backend = 'sqlite'


class TestDBAPIMySQL(DBAPITestsMixin, testtools.TestCase):
    backend = 'mysql'


class TestDBAPIPostgreSQL(DBAPITestsMixin, testtools.TestCase):
    backend = 'postgresql'


class TestFullDict(testtools.TestCase):

    def _row(self, **values):
        row = {key: None for key in db_api.IMAGE_ATTRS}
        row.update(values)
        return row

    def test_datetimes_and_children(self):
        row = self._row(id='i', created_at=T0,
                        updated_at=T0.replace(microsecond=120),
                        deleted=False)
        props = [{'name': 'a', 'value': '1', 'deleted': False},
                 {'name': 'b', 'value': '2', 'deleted': True}]
        locs = [{'url': 'file:///1', 'metadata': {}},
                {'url': 'file:///2', 'metadata': {'x': 1}}]
        full = db_api.to_full_dict(row, props, locs)
        self.assertEqual('2014-04-17T10:00:00', full['created_at'])
        self.assertEqual('2014-04-17T10:00:00.000120', full['updated_at'])
        self.assertIsNone(full['deleted_at'])
        self.assertEqual({'a': '1'}, full['properties'])
        self.assertEqual('file:///1', full['location'])
        self.assertEqual(locs, full['location_data'])
        self.assertEqual(set(db_api.IMAGE_ATTRS) |
                         {'properties', 'location', 'location_data'},
                         set(full))

    def test_no_location(self):
        full = db_api.to_full_dict(self._row(), [], [])
        self.assertIsNone(full['location'])
        self.assertEqual([], full['location_data'])


class TestEngineCache(testtools.TestCase):

    def test_one_engine_per_url(self):
        url = dbtest_helpers.sqlite_url(self)
        self.addCleanup(db_api.dispose_engines)
        engine = db_api.get_engine(url)
        self.assertIs(engine, db_api.get_engine(url))
        self.assertEqual(3600, engine.pool._recycle)
