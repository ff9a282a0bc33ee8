"""The registry WSGI app, driven in-process with WebOb."""

import uuid

from harness.service.db import api as db_api
from harness.service.registry import api as registry_api
from harness.tests.unit.service import apitest_helpers
from harness.tests.unit.service.registrytest_helpers import ADMIN
from harness.tests.unit.service.registrytest_helpers import RegistryTestBase
from harness.tests.unit.service.registrytest_helpers import T0
from harness.tests.unit.service.registrytest_helpers import user


class TestListing(RegistryTestBase):

    def test_index_returns_brief_entries_of_public_images(self):
        public = self.create(name='pub', is_public=True, size=3,
                             disk_format='raw', container_format='bare',
                             checksum='c' * 32)
        self.create(name='private', owner='t1')
        for path in ('/', '/images'):
            images = self.get_json(path, user('t2'))['images']
            self.assertEqual([{'id': public['id'], 'name': 'pub', 'size': 3,
                               'disk_format': 'raw',
                               'container_format': 'bare',
                               'checksum': 'c' * 32}], images)

    def test_detail_returns_full_entries(self):
        image = self.create(name='pub', is_public=True,
                            properties={'a': 'b'},
                            locations=['file:///tmp/x'])
        full = self.get_json('/images/detail')['images'][0]
        self.assertEqual(image['id'], full['id'])
        self.assertEqual({'a': 'b'}, full['properties'])
        self.assertEqual('file:///tmp/x', full['location'])
        self.assertEqual([{'url': 'file:///tmp/x', 'metadata': {}}],
                         full['location_data'])
        self.assertEqual('2014-04-17T10:01:00', full['created_at'])
        self.assertIs(False, full['deleted'])

    def test_admin_without_is_public_lists_like_a_user(self):
        public = self.create(is_public=True)
        private = self.create(owner='t1')
        self.assertEqual([public['id']], self._ids('/images'))
        self.assertEqual({public['id'], private['id']},
                         set(self._ids('/images?is_public=none')))
        self.assertEqual([private['id']],
                         self._ids('/images?is_public=false'))
        self.assertEqual([public['id']], self._ids('/images?is_public=1'))

    def test_user_cannot_use_is_public_or_deleted(self):
        public = self.create(is_public=True)
        self.create(owner='t1')
        self.assertEqual([public['id']],
                         self._ids('/images?is_public=none&deleted=true',
                                   user('t2')))

    def test_deleted_rows(self):
        live = self.create(is_public=True)
        gone = self.create(is_public=True)
        self._soft_delete(gone['id'])
        self.assertEqual([live['id']], self._ids('/images'))
        self.assertEqual([gone['id']], self._ids('/images?deleted=true'))
        since = '/images?changes-since=2014-04-17T10:00:00Z'
        self.assertEqual({live['id'], gone['id']}, set(self._ids(since)))

    def test_filters_and_sorting(self):
        a = self.create(name='a', is_public=True, size=10,
                        properties={'os': 'linux'}, protected=True)
        b = self.create(name='b', is_public=True, size=20)
        self.assertEqual([a['id'], b['id']],
                         self._ids('/images?sort_key=name&sort_dir=asc'))
        self.assertEqual([b['id']], self._ids('/images?size_min=15'))
        self.assertEqual([a['id']], self._ids('/images?property-os=linux'))
        self.assertEqual([a['id']], self._ids('/images?protected=True'))
        self.assertEqual([b['id']], self._ids('/images?name=b'))

    def test_limit_and_marker(self):
        ids = [self.create(is_public=True)['id'] for _ in range(3)]
        self.assertEqual(ids[::-1][:2], self._ids('/images?limit=2'))
        self.assertEqual([ids[0]],
                         self._ids('/images?marker=%s' % ids[1]))

    def test_limit_defaults_and_cap(self):
        for _ in range(3):
            self.create(is_public=True)
        app = registry_api.API(apitest_helpers.make_conf(
            sql_connection=self.database.url, limit_param_default=1,
            api_limit_max=2), engine=self.engine)
        res = self.request('/images', app=app)
        self.assertEqual(1, len(res.json['images']))
        res = self.request('/images?limit=50', app=app)
        self.assertEqual(2, len(res.json['images']))

    def test_bad_parameters(self):
        unknown = str(uuid.uuid4())
        for query, message in (
                ('limit=x', 'limit param must be an integer'),
                ('limit=-1', 'limit param must be positive'),
                ('marker=nope', 'Invalid marker format'),
                ('marker=' + unknown,
                 'Invalid marker. Image could not be found.'),
                ('sort_key=owner', 'Unsupported sort_key. Acceptable '
                 'values: name, status, container_format, disk_format, '
                 'size, id, created_at, updated_at'),
                ('sort_dir=up',
                 'Unsupported sort_dir. Acceptable values: asc, desc'),
                ('changes-since=yesterday',
                 'Unrecognized changes-since value'),
                ('protected=maybe', 'protected must be True, or False'),
                ('is_public=maybe',
                 'is_public must be None, True, or False'),
                ('size_min=big', 'Unable to filter on a range with a '
                 'non-numeric value.')):
            self.assert_error(400, message, '/images?' + query)

    def test_invisible_marker_is_not_found(self):
        private = self.create(owner='t1')
        self.assert_error(400, 'Invalid marker. Image could not be found.',
                          '/images/detail?marker=%s' % private['id'],
                          user('t2'))

    def _ids(self, path, context=ADMIN):
        return [image['id'] for image in self.get_json(path,
                                                       context)['images']]

    def _soft_delete(self, image_id):
        from harness.service.db import schema
        with self.engine.begin() as connection:
            connection.execute(
                schema.images.update().where(schema.images.c.id == image_id)
                .values(deleted=True, status='deleted', deleted_at=T0))


class TestShow(RegistryTestBase):

    def test_show(self):
        image = self.create(owner='t1', properties={'k': 'v'})
        body = self.get_json('/images/%s' % image['id'], user('t1'))
        self.assertEqual(image['id'], body['image']['id'])
        self.assertEqual({'k': 'v'}, body['image']['properties'])

    def test_invisible_and_missing_are_404(self):
        image = self.create(owner='t1')
        self.assertEqual(404, self.request('/images/%s' % image['id'],
                                           user('t2')).status_int)
        self.assertEqual(404, self.request('/images/%s' % uuid.uuid4(),
                                           ADMIN).status_int)


class TestRoutingAndRPC(RegistryTestBase):

    def test_unknown_routes_are_404(self):
        for method, path in (('GET', '/nope'), ('POST', '/images/x'),
                             ('GET', '/images/x/y'), ('GET', '/rpc'),
                             ('PATCH', '/images/x'), ('DELETE', '/images'),
                             ('POST', '/images/x/members/y'),
                             ('GET', '/images/x/members/'),
                             ('PUT', '/shared-images/m')):
            self.assertEqual(404, self.request(path, method=method)
                             .status_int, (method, path))

    def test_missing_context_is_500(self):
        res = self.request('/images', context=None)
        self.assertEqual(500, res.status_int)
        self.assertNotIn('Traceback', res.text)

    def test_rpc_validation(self):
        for body, status, message in (
                ({'command': 'image_get'}, 400,
                 'Request must be a list of commands'),
                (b'{not json', 400, 'Malformed JSON in request body.'),
                (['x'], 400, 'Bad Command: x'),
                ([{'kwargs': {}}], 400, 'Wrong command structure'),
                ([{'command': 'image_get', 'kwargs': []}], 400,
                 'Wrong command structure'),
                ([{'command': '_private'}], 404, 'Command not found'),
                ([{'command': 'no_such_command'}], 404,
                 'Command not found')):
            self.assert_error(status, message, '/rpc', method='POST',
                              body=body)

    def test_rpc_empty_list(self):
        res = self.request('/rpc', method='POST', body=[])
        self.assertEqual(200, res.status_int)
        self.assertEqual([], res.json)

    def test_rpc_disabled(self):
        conf = apitest_helpers.make_conf(sql_connection=self.database.url,
                                         enable_v2_registry=False)
        app = registry_api.API(conf, engine=self.engine)
        self.assertEqual(404, self.request('/rpc', method='POST', body=[],
                                           app=app).status_int)
        self.assertEqual(200, self.request('/images', app=app).status_int)

    def test_v1_disabled(self):
        conf = apitest_helpers.make_conf(sql_connection=self.database.url,
                                         enable_v1_registry=False)
        app = registry_api.API(conf, engine=self.engine)
        self.assertEqual(404, self.request('/images', app=app).status_int)
        self.assertEqual(200, self.request('/rpc', method='POST', body=[],
                                           app=app).status_int)

    def test_paste_factory_reads_the_process_conf(self):
        apitest_helpers.use_conf(self, self.conf)
        self.addCleanup(db_api.dispose_engines)
        app = registry_api.API.factory({})
        self.create(is_public=True)
        res = self.request('/images', app=app)
        self.assertEqual(1, len(res.json['images']))

    def test_factory_without_database_fails_to_start(self):
        from harness.errors import StartupError
        apitest_helpers.use_conf(self, apitest_helpers.make_conf())
        error = self.assertRaises(StartupError, registry_api.API.factory, {})
        self.assertIn('No database configured', str(error))
