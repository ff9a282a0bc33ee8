"""Version negotiation and the root URL map."""

import json
import logging

import fixtures
import testtools
import webob

from harness.service import webapp
from harness.service.api import versions
from harness.service.api.middleware import version_negotiation as vn
from harness.service.api.v1 import router as v1_router
from harness.service.api.v2 import router as v2_router
from harness.service.context import ENVIRON_KEY
from harness.service.context import RequestContext
from harness.tests.unit.service import apitest_helpers as helpers


class NegotiationTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.v1 = helpers.EchoApp()
        self.v2 = helpers.EchoApp()

    def make_app(self, **conf_options):
        conf = helpers.make_conf(**conf_options)
        root = webapp.PrefixMap({'/': versions.app_for(conf),
                                 '/v1': self.v1, '/v2': self.v2})
        return vn.VersionNegotiationFilter(root, conf=conf)

    def request(self, path, accept=None, **conf_options):
        headers = {'Accept': accept} if accept else {}
        req = webob.Request.blank(path, headers=headers)
        return req.get_response(self.make_app(**conf_options))

    def assertVersions(self, res):
        self.assertEqual(300, res.status_int)
        self.assertIn(b'"versions"', res.body)

    def assertRouted(self, expected, res):
        self.assertEqual(200, res.status_int)
        self.assertEqual(expected, res.text)


class TestNegotiation(NegotiationTestBase):

    def test_root(self):
        self.assertVersions(self.request('/'))

    def test_images_without_version(self):
        self.assertVersions(self.request('/images'))

    def test_versions_segment(self):
        self.assertVersions(self.request('/versions'))
        self.assertVersions(self.request('/versions/'))
        self.assertVersions(self.request('/versions/anything'))

    def test_versions_must_be_the_exact_first_segment(self):
        self.assertVersions(self.request('/versionsx'))

    def test_v1_tokens(self):
        for token in ('v1', 'v1.0', 'v1.1'):
            self.assertRouted('/v1|/images',
                              self.request('/%s/images' % token))

    def test_v2_tokens(self):
        for token in ('v2', 'v2.0', 'v2.1', 'v2.2'):
            self.assertRouted('/v2|/images',
                              self.request('/%s/images' % token))

    def test_unknown_tokens(self):
        for token in ('v1.2', 'v1.a', 'va.1', 'v3', 'v10', 'V1', 'images',
                      'v2.3', '1'):
            self.assertVersions(self.request('/%s/images' % token))

    def test_bare_version(self):
        self.assertRouted('/v1|', self.request('/v1'))
        self.assertRouted('/v1|/', self.request('/v1/'))

    def test_versions_under_a_version_reaches_the_router(self):
        self.assertRouted('/v1|/versions', self.request('/v1/versions'))
        self.assertRouted('/v2|/versions', self.request('/v2/versions'))

    def test_v3_versions(self):
        self.assertVersions(self.request('/v3/versions'))

    def test_disabled_versions(self):
        self.assertVersions(self.request('/v2/images', enable_v2_api=False))
        self.assertVersions(self.request('/v1/images', enable_v1_api=False))
        self.assertRouted('/v1|/images',
                          self.request('/v1/images', enable_v2_api=False))

    def test_media_type_versioning(self):
        accept = 'application/vnd.openstack.images-v1'
        self.assertRouted('/v1|/images', self.request('/images', accept))
        accept = 'application/vnd.openstack.images-v2.1'
        self.assertRouted('/v2|/images', self.request('/images', accept))

    def test_media_type_leaves_path_alone(self):
        accept = 'application/vnd.openstack.images-v2'
        self.assertRouted('/v2|/v2/images',
                          self.request('/v2/images', accept))

    def test_unknown_media_type_version(self):
        accept = 'application/vnd.openstack.images-v3'
        self.assertVersions(self.request('/v1/images', accept))
        accept = 'application/vnd.openstack.images-v2'
        self.assertVersions(self.request('/images', accept,
                                         enable_v2_api=False))

    def test_other_accept_uses_the_url(self):
        self.assertRouted('/v1|/images',
                          self.request('/v1/images', 'application/json'))

    def test_api_version_in_environ(self):
        self.request('/v2.0/images')
        self.assertEqual(2, self.v2.environs[0]['api.version'])

    def test_query_string_kept(self):
        req = webob.Request.blank('/v1/images?limit=3')
        req.get_response(self.make_app())
        self.assertEqual('limit=3', self.v1.environs[0]['QUERY_STRING'])

    def test_debug_line(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='harness.api.middleware.version_negotiation',
            level=logging.DEBUG))
        self.request('/v1/images', accept='*/*')
        self.assertIn('Determining version of request: GET /v1/images '
                      'Accept: */*', logger.output)


class TestRealRouters(NegotiationTestBase):
    """Spec 5.2 examples through the real v1/v2 routers."""

    def make_app(self, **conf_options):
        conf = helpers.make_conf(**conf_options)
        self.calls = []
        v1 = v1_router.API(conf, helpers.fake_client_factory(
            [{'id': 'abc', 'name': 'Image1'}], self.calls))
        root = webapp.PrefixMap({'/': versions.app_for(conf),
                                 '/v1': v1, '/v2': v2_router.API(conf)})
        app = vn.VersionNegotiationFilter(root, conf=conf)

        def with_context(environ, start_response):
            environ[ENVIRON_KEY] = RequestContext(is_admin=True)
            return app(environ, start_response)
        return with_context

    def test_images_with_media_type(self):
        res = self.request('/images',
                           'application/vnd.openstack.images-v1')
        self.assertEqual(200, res.status_int)
        self.assertEqual('Image1', json.loads(res.body)['images'][0]['name'])

    def test_v1_versions_404(self):
        self.assertEqual(404, self.request('/v1/versions').status_int)

    def test_v2_versions_404(self):
        self.assertEqual(404, self.request('/v2/versions').status_int)
