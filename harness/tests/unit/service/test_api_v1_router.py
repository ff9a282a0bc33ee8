"""The skeleton v1/v2 routers, the route table and the URL map."""

import json
import os
import re

import fixtures
import testtools
import webob

from harness.errors import StartupError
from harness.service import api
from harness.service import property_protections
from harness.service import webapp
from harness.service.api.v1 import router as v1_router
from harness.service.api.v2 import router as v2_router
from harness.service.context import ENVIRON_KEY
from harness.service.context import RequestContext
from harness.tests.unit.service import apitest_helpers as helpers

IMAGE = {'id': 'abc', 'name': 'Image1', 'status': 'active', 'size': 5,
         'disk_format': 'raw', 'container_format': 'ovf',
         'checksum': 'c2e5', 'location': 'file:///secret',
         'location_data': [{'url': 'file:///secret'}],
         'properties': {'distro': 'Ubuntu'}}
OPERATIONS = ('create', 'read', 'update', 'delete')


class TestV1Router(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(tmp, 'policy.json')
        helpers.write_policy(self.policy_file, {'default': ''})
        self.calls = []
        self.contexts = []
        conf = helpers.make_conf(policy_file=self.policy_file)
        self.app = v1_router.API(conf, helpers.fake_client_factory(
            [IMAGE], self.calls, self.contexts))
        self.ctx = RequestContext(user='u', tenant='t', roles=['member'])

    def request(self, path, method='GET', with_context=True):
        req = webob.Request.blank(path, method=method)
        req.script_name = '/v1'
        if with_context:
            req.environ[ENVIRON_KEY] = self.ctx
        return req.get_response(self.app)

    def test_index(self):
        for path in ('', '/', '/images'):
            res = self.request(path)
            self.assertEqual(200, res.status_int, path)
            self.assertEqual('application/json', res.content_type)
            self.assertEqual({'images': [
                {'id': 'abc', 'name': 'Image1', 'size': 5,
                 'disk_format': 'raw', 'container_format': 'ovf',
                 'checksum': 'c2e5'}]}, json.loads(res.body))
        self.assertEqual('get_images', self.calls[0][0])
        self.assertIs(self.ctx, self.contexts[0])

    def test_detail_drops_locations(self):
        res = self.request('/images/detail')
        self.assertEqual(200, res.status_int)
        image = json.loads(res.body)['images'][0]
        self.assertNotIn('location', image)
        self.assertNotIn('location_data', image)
        self.assertEqual({'distro': 'Ubuntu'}, image['properties'])
        self.assertEqual('get_images_detailed', self.calls[0][0])

    def test_empty_list_exact_body(self):
        conf = helpers.make_conf(policy_file=self.policy_file)
        app = v1_router.API(conf, helpers.fake_client_factory([]))
        req = webob.Request.blank('/images')
        req.environ[ENVIRON_KEY] = self.ctx
        self.assertEqual(b'{"images": []}', req.get_response(app).body)

    def test_policy_denied_then_allowed(self):
        helpers.write_policy(self.policy_file, {'get_images': '!'})
        for path in ('/', '/images', '/images/detail'):
            res = self.request(path)
            self.assertEqual(403, res.status_int)
        self.assertEqual([], self.calls)
        helpers.write_policy(self.policy_file, {'get_images': ''})
        self.assertEqual(200, self.request('/images').status_int)

    def test_query_params_forwarded(self):
        self.request('/images/detail?name=x&limit=2&marker=m&sort_key=name'
                     '&sort_dir=asc&property-distro=Ubuntu&is_public=None'
                     '&size_min=0&ignored=1')
        self.assertEqual(
            {'filters': {'name': 'x', 'property-distro': 'Ubuntu',
                         'is_public': 'None', 'size_min': '0'},
             'limit': '2', 'marker': 'm', 'sort_key': 'name',
             'sort_dir': 'asc'},
            self.calls[0][1])

    def test_no_params(self):
        self.request('/images')
        self.assertEqual({'filters': {}}, self.calls[0][1])

    def test_bad_filter_values(self):
        for query, name, value in (('size_min=-1', 'size_min', '-1'),
                                   ('size_max=a', 'size_max', 'a'),
                                   ('min_ram=1.5', 'min_ram', '1.5'),
                                   ('is_public=maybe', 'is_public', 'maybe'),
                                   ('protected=yes', 'protected', 'yes')):
            res = self.request('/images?' + query)
            self.assertEqual(400, res.status_int, query)
            self.assertIn('Bad value passed to filter %s got %s'
                          % (name, value), res.text)
        self.assertEqual([], self.calls)

    def test_good_boolean_values(self):
        for value in ('none', 'TRUE', 'False', '1', '0'):
            self.assertEqual(200, self.request(
                '/images?is_public=' + value).status_int)

    def test_everything_else_404(self):
        for method, path in (('POST', '/images/abc'), ('PATCH', '/images'),
                             ('HEAD', '/images'), ('GET', '/versions'),
                             ('GET', '/images/detail/x'),
                             ('POST', '/images/abc/members'),
                             ('GET', '/images/abc/members/m/x'),
                             ('GET', '/shared-images'),
                             ('PUT', '/images/a/b')):
            self.assertEqual(404, self.request(path, method).status_int,
                             path)
        self.assertEqual([], self.calls)

    def test_get_member_405(self):
        res = self.request('/images/abc/members/pattieblack')
        self.assertEqual(405, res.status_int)
        self.assertEqual([], self.calls)

    def test_routes_reach_handlers(self):
        app = self.app
        for method, path, handler, kwargs in (
                ('POST', '/images', app.images.create, {}),
                ('HEAD', '/images/abc', app.download.meta,
                 {'image_id': 'abc'}),
                ('GET', '/images/abc', app.download.show,
                 {'image_id': 'abc'}),
                ('PUT', '/images/abc', app.images.update,
                 {'image_id': 'abc'}),
                ('DELETE', '/images/abc', app.deletion.delete,
                 {'image_id': 'abc'}),
                ('GET', '/images/abc/members', app.members.index,
                 {'image_id': 'abc'}),
                ('PUT', '/images/abc/members', app.members.replace,
                 {'image_id': 'abc'}),
                ('PUT', '/images/abc/members/m', app.members.update,
                 {'image_id': 'abc', 'member_id': 'm'}),
                ('DELETE', '/images/abc/members/m', app.members.delete,
                 {'image_id': 'abc', 'member_id': 'm'}),
                ('GET', '/shared-images/m', app.members.shared_images,
                 {'member_id': 'm'})):
            found, found_kwargs = app.find(method, path)
            self.assertEqual((handler, kwargs), (found, found_kwargs), path)

    def test_detail_hides_unreadable_properties(self):
        conf = helpers.make_conf(policy_file=self.policy_file)
        rules = property_protections.PropertyRules([
            property_protections.Rule('^x_open', re.compile('^x_open'),
                                      {op: ['@'] for op in OPERATIONS})])
        app = v1_router.API(conf, helpers.fake_client_factory(
            [dict(IMAGE, properties={'x_open': '1', 'secret': '2'})]),
            property_rules=rules)
        req = webob.Request.blank('/images/detail')
        req.environ[ENVIRON_KEY] = self.ctx
        image = json.loads(req.get_response(app).body)['images'][0]
        self.assertEqual({'x_open': '1'}, image['properties'])

    def test_invalid_protections_fail_construction(self):
        conf = helpers.make_conf(policy_file=self.policy_file,
                                 property_protection_file='/nonexistent',
                                 property_protection_rule_format='roles')
        self.assertRaises(StartupError, v1_router.API, conf,
                          helpers.fake_client_factory([]))

    def test_missing_context_500(self):
        res = self.request('/images', with_context=False)
        self.assertEqual(500, res.status_int)

    def test_factory_uses_process_conf(self):
        helpers.use_conf(self, helpers.make_conf(
            policy_file=self.policy_file))
        app = v1_router.API.factory({})
        self.assertIsInstance(app, v1_router.API)


class TestV2Routes(testtools.TestCase):

    def test_unknown_paths_404_and_schemas_answer(self):
        app = v2_router.API(helpers.make_conf())
        for path in ('', '/', '/nothing', '/schemas/bogus'):
            res = webob.Request.blank(path).get_response(app)
            self.assertEqual(404, res.status_int, path)
        res = webob.Request.blank('/schemas/member').get_response(app)
        self.assertEqual(200, res.status_int)
        self.assertEqual('member', json.loads(res.body)['name'])


class TestRouterAndMap(testtools.TestCase):

    def test_route_kwargs(self):
        class Items(webapp.Router):
            routes = (('GET', r'/items/(?P<item_id>[^/]+)', 'show'),)

            def show(self, req, item_id):
                return webapp.json_response({'id': item_id}, status=202)
        res = webob.Request.blank('/items/7').get_response(Items())
        self.assertEqual(202, res.status_int)
        self.assertEqual({'id': '7'}, json.loads(res.body))

    def test_routes_are_compiled_when_the_class_is_made(self):
        routes = (('GET', r'/compiled-at-class-creation/(?P<n>\d+)', 'x'),)
        before = webapp.compile_routes.cache_info()
        Sub = type('Sub', (webapp.Router,), {'routes': routes})
        self.assertEqual(before.misses + 1,
                         webapp.compile_routes.cache_info().misses)
        # An instance uses the table compiled then.
        self.assertIs(webapp.compile_routes(routes), Sub()._table)

    def test_prefix_map(self):
        root = helpers.EchoApp()
        v1 = helpers.EchoApp()
        mapping = webapp.PrefixMap({'/': root, '/v1': v1})
        for path, app, expected in (('/v1/images', v1, '/v1|/images'),
                                    ('/v1', v1, '/v1|'),
                                    ('/v10', root, '|/v10'),
                                    ('/', root, '|/')):
            res = webob.Request.blank(path).get_response(mapping)
            self.assertEqual(expected, res.text, path)

    def test_prefix_map_no_match(self):
        mapping = webapp.PrefixMap({'/v1': helpers.EchoApp()})
        res = webob.Request.blank('/v2').get_response(mapping)
        self.assertEqual(404, res.status_int)

    def test_enabled_prefixes(self):
        conf = helpers.make_conf(enable_v1_api=False)
        self.assertEqual(['/', '/v2'], api.enabled_prefixes(
            conf, ['/', '/v1', '/v2']))
