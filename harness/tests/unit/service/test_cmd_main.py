"""Start-up of ``harness.cmd.api`` / ``.registry`` up to serving.

Serving itself is replaced by a recorder: these tests start no server.
"""

import io
import logging
import os

import fixtures
import testtools
import webob

from harness.glance import templates
from harness.cmd import api as api_cmd
from harness.cmd import registry as registry_cmd
from harness.service import log
from harness.service import process_conf
from harness.tests.unit.service import test_pipeline


class CmdTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.addCleanup(process_conf.set_conf, None)
        self._protect_logging()
        self.served = []

    def _protect_logging(self):
        root = logging.getLogger()
        saved = (root.level, list(root.handlers),
                 logging.getLogger('harness').level)

        def restore():
            for handler in log._installed:
                root.removeHandler(handler)
                handler.close()
            del log._installed[:]
            root.setLevel(saved[0])
            root.handlers[:] = saved[1]
            logging.getLogger('harness').setLevel(saved[2])
        self.addCleanup(restore)

    def fake_serve(self, module):
        def serve(app, conf):
            self.served.append((app, conf))
            return 0
        self.useFixture(fixtures.MonkeyPatch(module + '.serve', serve))

    def write_conf(self, name, paste_text=templates.API_PASTE, **options):
        options.setdefault('log_file', os.path.join(self.tmp, name + '.log'))
        options.setdefault('use_stderr', 'False')
        flavor = options.pop('flavor', '')
        path = os.path.join(self.tmp, name + '.conf')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('[DEFAULT]\n')
            for key, value in options.items():
                handle.write('%s = %s\n' % (key, value))
            handle.write('[paste_deploy]\nflavor = %s\n' % flavor)
        if paste_text is not None:
            with open(os.path.join(self.tmp, name + '-paste.ini'), 'w',
                      encoding='utf-8') as handle:
                handle.write(paste_text)
        return path


class TestApiMain(CmdTestBase):

    def test_starts_and_serves(self):
        self.fake_serve('harness.cmd.api')
        datadir = os.path.join(self.tmp, 'images')
        conf_file = self.write_conf('api', debug='True',
                                    filesystem_store_datadir=datadir)
        self.assertEqual(0, api_cmd.main(['--config-file', conf_file]))
        app, conf = self.served[0]
        self.assertIs(conf, process_conf.get_conf())
        self.assertTrue(os.path.isdir(datadir))
        res = webob.Request.blank('/').get_response(app)
        self.assertEqual(300, res.status_int)
        with open(os.path.join(self.tmp, 'api.log'), encoding='utf-8') as f:
            text = f.read()
        self.assertIn('DEBUG harness.', text)
        self.assertIn('Determining version of request: GET /', text)

    def test_unknown_store(self):
        conf_file = self.write_conf('api', default_store='swift')
        self.assertEqual(1, api_cmd.main(['--config-file', conf_file]))
        self.assertEqual('ERROR: Store for scheme swift not found\n',
                         self.stderr.getvalue())

    def test_known_stores(self):
        for store in api_cmd.KNOWN_STORES:
            conf = test_pipeline.helpers.make_conf(default_store=store)
            api_cmd.check_stores(conf)

    def test_pipeline_failure(self):
        conf_file = self.write_conf('api', flavor='nosuch')
        self.assertEqual(1, api_cmd.main(['--config-file', conf_file]))
        paste_file = os.path.join(self.tmp, 'api-paste.ini')
        self.assertTrue(self.stderr.getvalue().startswith(
            'ERROR: Unable to load harness-api-nosuch from configuration '
            'file %s. Got: LookupError(' % paste_file))
        self.assertEqual(1, self.stderr.getvalue().count('\n'))

    def test_log_file_created_before_pipeline(self):
        conf_file = self.write_conf('api', flavor='nosuch')
        api_cmd.main(['--config-file', conf_file])
        self.assertTrue(os.path.exists(os.path.join(self.tmp, 'api.log')))

    def test_unknown_option_exits_2(self):
        error = self.assertRaises(SystemExit, api_cmd.main, ['--bogus'])
        self.assertEqual(2, error.code)

    def test_uncreatable_datadir(self):
        blocker = os.path.join(self.tmp, 'file')
        with open(blocker, 'w', encoding='utf-8'):
            pass
        conf_file = self.write_conf(
            'api', filesystem_store_datadir=os.path.join(blocker, 'x'),
            workers='-1')
        # Spec 8.1: logged, and start-up goes on (here to the bad
        # workers value, the next check); uploads would fail.
        self.assertEqual(1, api_cmd.main(['--config-file', conf_file]))
        with open(os.path.join(self.tmp, 'api.log'), encoding='utf-8') as f:
            self.assertIn('BadStoreConfiguration', f.read())
        self.assertIn('ERROR: workers must be >= 0, not -1',
                      self.stderr.getvalue())


class TestRegistryMain(CmdTestBase):

    def test_missing_paste_file(self):
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.config.SEARCH_DIRS', ()))
        conf_file = self.write_conf('registry', paste_text=None)
        self.assertEqual(1, registry_cmd.main(['--config-file', conf_file]))
        self.assertEqual('ERROR: Unable to locate paste config file for '
                         'harness-registry.\n', self.stderr.getvalue())

    def test_starts_and_serves(self):
        self.fake_serve('harness.cmd.registry')
        paste_text = ('[pipeline:harness-registry]\n'
                      'pipeline = unauthenticated-context versions\n'
                      '[app:versions]\n'
                      'paste.app_factory = '
                      'harness.service.api.versions:create_resource\n'
                      '[filter:unauthenticated-context]\n'
                      'paste.filter_factory = harness.service.api.'
                      'middleware.context:'
                      'UnauthenticatedContextMiddleware.factory\n')
        conf_file = self.write_conf('registry', paste_text, debug='True')
        self.assertEqual(0, registry_cmd.main(['--config-file', conf_file]))
        with open(os.path.join(self.tmp, 'registry.log'),
                  encoding='utf-8') as handle:
            self.assertIn('DEBUG harness.', handle.read())
