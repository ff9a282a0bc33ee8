"""Service logging: levels, line format, rotation."""

import io
import logging
import os
import re

import fixtures
import testtools

from harness.errors import ConfigError
from harness.errors import StartupError
from harness.service import context as context_mod
from harness.service import log
from harness.tests.unit.service import apitest_helpers as helpers

STAMP = r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}'


class LogTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.log_file = os.path.join(self.tmp, 'api.log')
        self._protect_logging()

    def _protect_logging(self):
        root = logging.getLogger()
        saved = (root.level, list(root.handlers))
        names = ('harness', 'harness.test', 'eventlet.wsgi.server',
                 'harness.quiet')
        levels = {name: logging.getLogger(name).level for name in names}

        def restore():
            for handler in log._installed:
                root.removeHandler(handler)
                handler.close()
            del log._installed[:]
            root.setLevel(saved[0])
            root.handlers[:] = saved[1]
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
        self.addCleanup(restore)

    def setup_log(self, **options):
        options.setdefault('log_file', self.log_file)
        options.setdefault('use_stderr', False)
        return log.setup(helpers.make_conf(**options), 'harness-api')

    def read_log(self, path=None):
        for handler in log._installed:
            handler.flush()
        with open(path or self.log_file, encoding='utf-8') as handle:
            return handle.read()


class TestLevels(LogTestBase):

    def test_file_created_at_startup(self):
        self.setup_log()
        self.assertTrue(os.path.exists(self.log_file))
        self.assertEqual('', self.read_log())

    def test_debug(self):
        project = self.setup_log(debug=True)
        self.assertEqual('harness', project.name)
        logging.getLogger('harness.test').debug('dbg')
        logging.getLogger('harness.test').info('inf')
        text = self.read_log()
        self.assertIn('DEBUG harness.test [-] dbg', text)
        self.assertIn('INFO harness.test [-] inf', text)

    def test_verbose(self):
        self.setup_log(verbose=True)
        logging.getLogger('harness.test').debug('dbg')
        logging.getLogger('harness.test').info('inf')
        text = self.read_log()
        self.assertNotIn('dbg', text)
        self.assertIn('INFO harness.test [-] inf', text)

    def test_neither(self):
        self.setup_log(debug=False, verbose=False)
        logging.getLogger('harness.test').debug('dbg')
        logging.getLogger('harness.test').info('inf')
        logging.getLogger('harness.test').warning('wrn')
        text = self.read_log()
        self.assertNotIn('DEBUG harness', text)
        self.assertNotIn('inf', text)
        self.assertIn('WARNING harness.test [-] wrn', text)

    def test_default_log_levels(self):
        self.setup_log(default_log_levels='eventlet.wsgi.server=DEBUG, '
                                          'harness.quiet=ERROR')
        logging.getLogger('eventlet.wsgi.server').debug('access')
        logging.getLogger('harness.quiet').warning('hidden')
        text = self.read_log()
        self.assertIn('DEBUG eventlet.wsgi.server [-] access', text)
        self.assertNotIn('hidden', text)

    def test_third_party_debug_stays_quiet(self):
        self.setup_log(debug=True)
        logging.getLogger('sqlalchemy.engine.test').info('SELECT 1')
        self.assertNotIn('SELECT', self.read_log())

    def test_bad_default_log_levels(self):
        for value in ('nolevel', 'x=LOUD', '=DEBUG'):
            self.assertRaises(ConfigError, self.setup_log,
                              default_log_levels=value)

    def test_setup_twice_replaces_handlers(self):
        self.setup_log(debug=True)
        self.setup_log(debug=True)
        logging.getLogger('harness.test').debug('once')
        self.assertEqual(1, self.read_log().count('once'))

    def test_teardown_removes_and_closes_the_handlers(self):
        before = list(logging.getLogger().handlers)
        self.setup_log(debug=True)
        installed = list(log._installed)
        self.assertEqual(1, len(installed))
        log.teardown()
        self.assertEqual(before, logging.getLogger().handlers)
        self.assertEqual([], log._installed)
        self.assertIsNone(installed[0].stream)  # the file is closed
        logging.getLogger('harness.test').warning('after teardown')
        self.assertNotIn('after teardown', self.read_log())

    def test_stderr(self):
        stream = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', stream))
        self.setup_log(use_stderr=True, log_file='')
        logging.getLogger('harness.test').warning('to stderr')
        self.assertIn('WARNING harness.test [-] to stderr',
                      stream.getvalue())

    def test_log_dir(self):
        self.setup_log(log_file='', log_dir=self.tmp, verbose=True)
        logging.getLogger('harness.test').info('in dir')
        path = os.path.join(self.tmp, 'harness-api.log')
        self.assertIn('in dir', self.read_log(path))

    def test_unopenable_file(self):
        path = os.path.join(self.tmp, 'missing-dir', 'api.log')
        error = self.assertRaises(StartupError, self.setup_log,
                                  log_file=path)
        self.assertIn(path, str(error))


class TestFormat(LogTestBase):

    def test_debug_line(self):
        self.setup_log(debug=True)
        logging.getLogger('harness.test').debug('hello %s', 'there')
        line = self.read_log().splitlines()[0]
        pattern = (r'^%s %d DEBUG harness\.test \[-\] hello there '
                   r'test_debug_line %s:\d+$'
                   % (STAMP, os.getpid(), re.escape(__file__)))
        self.assertRegex(line, pattern)

    def test_info_line_has_no_suffix(self):
        self.setup_log(verbose=True)
        logging.getLogger('harness.test').info('plain')
        line = self.read_log().splitlines()[0]
        self.assertRegex(line, r'^%s %d INFO harness\.test \[-\] plain$'
                         % (STAMP, os.getpid()))

    def test_request_context(self):
        self.setup_log(verbose=True)
        ctx = context_mod.RequestContext(user='u1', tenant='t1',
                                         request_id='req-abc')
        token = context_mod.current.set(ctx)
        try:
            logging.getLogger('harness.test').info('in request')
        finally:
            context_mod.current.reset(token)
        logging.getLogger('harness.test').info('after')
        lines = self.read_log().splitlines()
        self.assertIn('INFO harness.test [req-abc u1 t1 - - -] in request',
                      lines[0])
        self.assertIn('[-] after', lines[1])

    def test_context_missing_values(self):
        ctx = context_mod.RequestContext(request_id='req-x')
        self.assertEqual('req-x - - - - -', log.context_text(ctx))
        self.assertEqual('-', log.context_text(None))

    def test_traceback_lines(self):
        self.setup_log()
        try:
            raise ValueError('boom')
        except ValueError:
            logging.getLogger('harness.test').exception('failed')
        lines = self.read_log().splitlines()
        self.assertRegex(lines[0], r'ERROR harness\.test \[-\] failed$')
        trace = r'^%s %d TRACE harness\.test ' % (STAMP, os.getpid())
        self.assertGreater(len(lines), 2)
        for line in lines[1:]:
            self.assertRegex(line, trace)
        self.assertIn('ValueError: boom', lines[-1])


class TestRotation(LogTestBase):

    def test_reopens_after_rename(self):
        self.setup_log(debug=True)
        logger = logging.getLogger('harness.test')
        logger.debug('before rotation')
        os.rename(self.log_file, self.log_file + '.1')
        logger.debug('after rotation')
        self.assertIn('after rotation', self.read_log())
        self.assertNotIn('before rotation', self.read_log())
        self.assertIn('before rotation', self.read_log(self.log_file + '.1'))


class TestOptionValues(LogTestBase):

    def test_logged_with_secrets_masked(self):
        self.setup_log(debug=True)
        conf = helpers.make_conf(
            debug=True, metadata_encryption_key='012345678901234567890123',
            sql_connection='sqlite:///secret.db', custom_key='kept',
            sections={'paste_deploy': {'flavor': 'fakeauth'}},
            config_files=['/x/api.conf'])
        log.log_option_values(conf, logging.getLogger('harness.test'))
        text = self.read_log()
        self.assertRegex(text, r'DEBUG harness\.test \[-\] debug +'
                               r'= True')
        self.assertIn("config files: ['/x/api.conf']", text)
        self.assertRegex(text, r'custom_key +\= kept')
        self.assertRegex(text, r'paste_deploy\.flavor +\= fakeauth')
        self.assertRegex(text, r'metadata_encryption_key +\= \*\*\*\*')
        self.assertNotIn('0123456789', text)
        self.assertNotIn('secret.db', text)

    def test_silent_without_debug(self):
        self.setup_log(verbose=True)
        log.log_option_values(helpers.make_conf(),
                              logging.getLogger('harness.test'))
        self.assertEqual('', self.read_log())
