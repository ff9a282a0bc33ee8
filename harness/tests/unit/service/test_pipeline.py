"""Loading the API pipelines from the harness's paste file."""

import json
import logging
import os

import fixtures
import testtools
import webob

from harness.glance import templates
from harness.errors import StartupError
from harness.service import pipeline
from harness.tests.unit.service import apitest_helpers as helpers


class PasteTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf_file = os.path.join(self.tmp, 'api.conf')
        self.paste_file = os.path.join(self.tmp, 'api-paste.ini')
        self.write(self.paste_file, templates.API_PASTE)
        self.policy_file = os.path.join(self.tmp, 'policy.json')
        helpers.write_policy(self.policy_file, {'default': ''})
        self.calls = []
        factory = helpers.fake_client_factory([], self.calls)
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.api.v1.router._registry_client', factory))

    @staticmethod
    def write(path, text):
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)

    def conf(self, flavor='', paste_sections=None, **options):
        options.setdefault('policy_file', self.policy_file)
        sections = {'paste_deploy': {'flavor': flavor}}
        sections['paste_deploy'].update(paste_sections or {})
        conf = helpers.make_conf(sections=sections,
                                 config_files=[self.conf_file], **options)
        return helpers.use_conf(self, conf)

    def load(self, flavor='', **options):
        return pipeline.load_app(self.conf(flavor, **options), 'harness-api')

    @staticmethod
    def get(app, path, **headers):
        headers.setdefault('Host', '127.0.0.1:9292')
        return webob.Request.blank(path, headers=headers).get_response(app)


class TestPipelines(PasteTestBase):

    def test_default_pipeline(self):
        app = self.load()
        res = self.get(app, '/')
        self.assertEqual(300, res.status_int)
        self.assertTrue(res.body.startswith(b'{"versions": [{"id": "v2.2"'))
        self.assertNotIn('x-openstack-request-id', res.headers)
        res = self.get(app, '/v1/images')
        self.assertEqual(200, res.status_int)
        self.assertEqual(b'{"images": []}', res.body)
        self.assertTrue(res.headers['x-openstack-request-id']
                        .startswith('req-'))

    def test_default_pipeline_is_admin(self):
        contexts = []
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.api.v1.router._registry_client',
            helpers.fake_client_factory(contexts=contexts)))
        self.get(self.load(), '/v1/images/detail')
        self.assertTrue(contexts[0].is_admin)
        self.assertIsNone(contexts[0].owner)

    def test_gzip_in_pipeline(self):
        res = self.get(self.load(), '/v1/images', **{
            'Accept-Encoding': 'gzip'})
        self.assertEqual('gzip', res.headers['Content-Encoding'])
        res.decode_content()
        self.assertEqual(b'{"images": []}', res.body)

    def test_v2_mounted(self):
        app = self.load()
        self.assertEqual(404, self.get(app, '/v2/nothing').status_int)
        res = self.get(app, '/v2/schemas/image')
        self.assertEqual(200, res.status_int)
        self.assertEqual('image', json.loads(res.body)['name'])

    def test_fakeauth_flavor(self):
        app = self.load('fakeauth')
        self.assertEqual(401, self.get(app, '/v1/images').status_int)
        res = self.get(app, '/v1/images', **{'X-Auth-Token': 'u:t:member'})
        self.assertEqual(200, res.status_int)
        self.assertEqual(300, self.get(app, '/').status_int)

    def test_noauth_flavor(self):
        app = self.load('noauth')
        self.assertEqual(401, self.get(app, '/v1/images').status_int)
        res = self.get(app, '/v1/images', **{
            'X-Identity-Status': 'Confirmed', 'X-Roles': 'member'})
        self.assertEqual(200, res.status_int)

    def test_v1_disabled(self):
        app = self.load(enable_v1_api=False)
        res = self.get(app, '/v1/images')
        self.assertEqual(300, res.status_int)
        self.assertNotIn(b'v1.1', res.body)

    def test_root_app_drops_disabled_prefixes(self):
        self.conf(enable_v2_api=False)
        from paste.deploy import loadapp
        root = loadapp('config:' + self.paste_file, name='rootapp')
        self.assertEqual(['/v1', ''], [prefix for prefix, _ in root.apps])

    def test_policy_change_takes_effect(self):
        app = self.load()
        helpers.write_policy(self.policy_file, {'get_images': '!'})
        self.assertEqual(403, self.get(app, '/v1/images').status_int)
        helpers.write_policy(self.policy_file, {'get_images': ''})
        res = self.get(app, '/v1/images')
        self.assertEqual(200, res.status_int)
        self.assertEqual({'images': []}, json.loads(res.body))

    def test_harness_template_loads(self):
        # The file the harness really writes (harness.glance.templates).
        self.write(self.paste_file, templates.API_PASTE)
        for flavor in ('', 'fakeauth', 'noauth'):
            app = self.load(flavor)
            self.assertEqual(300, self.get(app, '/').status_int)


class TestLoadFailures(PasteTestBase):

    def test_missing_section(self):
        error = self.assertRaises(StartupError, self.load, 'nosuchflavor')
        message = str(error)
        self.assertTrue(message.startswith(
            'Unable to load harness-api-nosuchflavor from configuration '
            'file %s.\nGot: LookupError(' % self.paste_file), message)
        self.assertEqual(1, error.exit_code)

    def test_unimportable_factory(self):
        self.write(self.paste_file, '[app:harness-api]\n'
                   'paste.app_factory = harness.no_such_module:factory\n')
        error = self.assertRaises(StartupError, self.load)
        self.assertIn('Unable to load harness-api from configuration file '
                      '%s.\nGot: ModuleNotFoundError(' % self.paste_file,
                      str(error))

    def test_missing_attribute(self):
        self.write(self.paste_file, '[app:harness-api]\n'
                   'paste.app_factory = harness.service.api:nothing\n')
        error = self.assertRaises(StartupError, self.load)
        self.assertIn('\nGot: AttributeError(', str(error))

    def test_missing_paste_file(self):
        os.unlink(self.paste_file)
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.config.SEARCH_DIRS', ()))
        error = self.assertRaises(StartupError, self.load)
        self.assertEqual('Unable to locate paste config file for '
                         'harness-api.', str(error))

    def test_configured_paste_file(self):
        other = os.path.join(self.tmp, 'other.ini')
        os.rename(self.paste_file, other)
        conf = self.conf(paste_sections={'config_file': other})
        self.assertEqual(other,
                         pipeline.paste_config_path(conf, 'harness-api'))
        app = pipeline.load_app(conf, 'harness-api')
        self.assertEqual(300, self.get(app, '/').status_int)

    def test_configured_paste_file_missing(self):
        absent = os.path.join(self.tmp, 'absent.ini')
        conf = self.conf(paste_sections={'config_file': absent})
        error = self.assertRaises(StartupError, pipeline.load_app, conf,
                                  'harness-api')
        self.assertIn('from configuration file %s.\nGot: ' % absent,
                      str(error))


class TestHelpers(PasteTestBase):

    def test_app_name(self):
        self.assertEqual('harness-api', pipeline.app_name_for(
            self.conf(), 'harness-api'))
        self.assertEqual('harness-registry-fakeauth', pipeline.app_name_for(
            self.conf('fakeauth'), 'harness-registry'))

    def test_paste_path_from_conf_name(self):
        self.assertEqual(
            self.paste_file,
            pipeline.paste_config_path(self.conf(), 'harness-api'))

    def test_paste_path_without_config_files(self):
        conf = helpers.make_conf()
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.config.SEARCH_DIRS', (self.tmp,)))
        self.write(os.path.join(self.tmp, 'harness-api-paste.ini'), '')
        self.assertEqual(os.path.join(self.tmp, 'harness-api-paste.ini'),
                         pipeline.paste_config_path(conf, 'harness-api'))

    def test_option_values_logged_with_debug(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='harness.service.pipeline', level=logging.DEBUG))
        self.load(debug=True)
        self.assertIn('Configuration options gathered from:', logger.output)
        self.assertRegex(logger.output, r'enable_v2_api +\= True')


class TestUtf8Guard(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger())
        self.calls = []

    def app(self, environ, start_response):
        req = webob.Request(environ)
        self.calls.append((req.path_info, dict(req.GET)))
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']

    def get(self, url):
        return webob.Request.blank(url).get_response(
            pipeline.utf8_guard(self.app))

    def test_utf8_passes(self):
        response = self.get('/v1/images/caf%C3%A9?n=%C3%A9')
        self.assertEqual(200, response.status_int)
        self.assertEqual([('/v1/images/caf\u00e9', {'n': '\u00e9'})],
                         self.calls)

    def test_path_not_utf8_is_404(self):
        for url in ('/v1/images/%FF%FE', '/v1/images/%C3/members', '/%80'):
            response = self.get(url)
            self.assertEqual(404, response.status_int, url)
            self.assertIn(b'The path of the request is not UTF-8.',
                          response.body)
        self.assertEqual([], self.calls)

    def test_query_not_utf8_is_400(self):
        for url in ('/v1/images?name=%FF', '/v1/images?%FF=1',
                    '/v1/images?a=1&b=%E9t%E9'):
            response = self.get(url)
            self.assertEqual(400, response.status_int, url)
            self.assertIn(b'The query string of the request is not UTF-8.',
                          response.body)
        self.assertEqual([], self.calls)
