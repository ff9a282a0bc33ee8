"""What a failing, erroring or hung test leaves: logs as details, nothing
else.  Each case runs an inner FunctionalTest and inspects its outcome."""

import os
import signal
import sys

import testtools

from harness import errors
from harness.glance import functional
from harness.process import server as servers

CONFIGURE_STORES = 'harness.service.store.configure_stores'


def run_inner(test_method, set_up_hook=None):
    """Run one inner FunctionalTest; return (result, case, seen)."""
    seen = {}

    class Inner(functional.FunctionalTest):
        def setUp(self):
            super().setUp()
            seen['dir'] = self.test_dir
            if set_up_hook:
                set_up_hook(self, seen)

        def test_it(self):
            test_method(self, seen)

    case = Inner('test_it')
    result = testtools.TestResult()
    case.run(result)
    return result, case, seen


def start(case, seen):
    case.start_servers(**case.__dict__.copy())
    seen['pids'] = [case.api_server.process_pid,
                    case.registry_server.process_pid]


class TestFailureHandling(testtools.TestCase):

    def assert_nothing_left(self, seen):
        for pid in seen.get('pids', []):
            self.assertFalse(os.path.exists('/proc/%d' % pid),
                             'server %d left running' % pid)
        self.assertFalse(os.path.exists(seen['dir']))

    def test_failing_test_carries_every_server_log(self):
        def failing(case, seen):
            start(case, seen)
            case.fail('deliberate')

        result, case, seen = run_inner(failing)
        self.assertEqual(1, len(result.failures))
        details = case.getDetails()
        for name in ('api.log', 'registry.log', 'scrubber.log'):
            self.assertIn(name, details)
        self.assertIn('harness-api', details['api.log'].as_text())
        self.assert_nothing_left(seen)

    def test_failing_test_shows_each_log_line_once(self):
        # use_stderr (Glance's default) writes every log record to the log
        # file and to stderr; only what stderr adds is attached.
        def failing(case, seen):
            start(case, seen)
            with open(case.api_server.log_path('stderr'), 'a') as err:
                err.write('Traceback: only on stderr\n')
            seen['stderr'] = case.api_server.read_output()[1]
            case.fail('deliberate')

        result, case, seen = run_inner(failing)
        details = case.getDetails()
        log_text = details['api.log'].as_text()
        line = log_text.splitlines()[0]
        self.assertIn(line, seen['stderr'])  # the file keeps every line
        self.assertEqual('Traceback: only on stderr\n',
                         details['api.stderr.log'].as_text())
        self.assertNotIn('registry.stderr.log', details)
        shown = ''.join(d.as_text() for d in details.values())
        self.assertEqual(1, shown.count(line))

    def test_config_error_is_started_once_and_shown_once(self):
        # Not a port clash: another port would fail the same way, so
        # there is exactly one start and the reason is shown once.
        def bad_store(case, seen):
            kwargs = dict(case.__dict__, default_store='nosuchstore')
            case.start_servers(**kwargs)

        result, case, seen = run_inner(bad_store)
        self.assertEqual(1, len(result.failures))
        error = 'ERROR: Store for scheme nosuchstore not found'
        details = case.getDetails()
        text = details['traceback'].as_text()
        self.assertEqual(1, text.count(error), text)
        self.assertIn('api server (pid', text)
        # The log of the one start, attached once.
        self.assertEqual(error + '\n', details['api.stderr.log'].as_text())
        self.assert_nothing_left(seen)

    def assert_one_launch_error(self, seen, text):
        self.assertIs(errors.LaunchFailedError, type(seen['error']))
        self.assertIn(text, str(seen['error']))  # the log tail
        for word in ('MultipleExceptions', 'SetupError'):
            self.assertNotIn(word, str(seen['error']))

    def test_start_with_retry_raises_the_launch_error(self):
        class Missing(servers.Server):
            def __init__(self, test_dir, port):
                super().__init__(test_dir, port)
                self.server_name = 'missing'
                self.command = [sys.executable, '-m', 'harness_no_such_24']

        def missing(case, seen):
            try:
                case.start_with_retry(Missing(case.test_dir, 0), 'port', 3)
            except BaseException as exc:
                seen['error'] = exc
                raise

        result, case, seen = run_inner(missing)
        self.assertEqual(1, len(result.failures))
        self.assert_one_launch_error(seen, 'No module named '
                                     'harness_no_such_24')
        self.assertIn('harness_no_such_24',
                      case.getDetails()['missing.stderr.log'].as_text())

    def test_start_servers_raises_the_launch_error(self):
        def bad_store(case, seen):
            try:
                case.start_servers(**dict(case.__dict__,
                                          default_store='nosuchstore'))
            except BaseException as exc:
                seen['error'] = exc
                raise

        result, case, seen = run_inner(bad_store)
        self.assertEqual(1, len(result.failures))
        self.assert_one_launch_error(
            seen, 'ERROR: Store for scheme nosuchstore not found')
        self.assert_nothing_left(seen)

    def test_passing_test_carries_no_logs(self):
        result, case, seen = run_inner(start)
        self.assertTrue(result.wasSuccessful())
        self.assertNotIn('api.log', case.getDetails())
        self.assert_nothing_left(seen)

    def test_error_in_set_up_leaves_nothing(self):
        def hook(case, seen):
            start(case, seen)
            raise RuntimeError('setUp broke after starting servers')

        result, case, seen = run_inner(lambda case, seen: None, hook)
        self.assertEqual(1, len(result.errors))
        self.assertIn('setUp broke', result.errors[0][1])
        self.assertIn('api.log', case.getDetails())
        self.assert_nothing_left(seen)

    def test_hung_server_times_out_and_is_still_stopped(self):
        def hung(case, seen):
            server = case.api_server
            # The patch holds the start-up before the server can be ready
            # (a preloaded fork can be ready before a SIGSTOP sent once
            # start() returns lands, on a busy machine); the sleeping
            # call outlives the patch's block.
            with server.patch(CONFIGURE_STORES, delay=60):
                server.start(expect_exit=False, **case.__dict__.copy())
                seen['pids'] = [server.process_pid]
                seen['msg'] = case.wait_for_servers([server], timeout=0.5)
            # And now it cannot even handle the stop's SIGTERM.
            os.kill(server.process_pid, signal.SIGSTOP)

        result, case, seen = run_inner(hung)
        self.assertTrue(result.wasSuccessful(), result.errors)
        self.assertIn('was not ready after 0.5 seconds', seen['msg'])
        self.assert_nothing_left(seen)


class TestKeptTestDir(testtools.TestCase):
    """``HARNESS_KEEP_TEST_DIR`` keeps a failing test's files to read."""

    def test_failing_test_keeps_its_directory_and_says_where(self):
        import fixtures
        import shutil
        keep = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_KEEP_TEST_DIR', keep))

        def failing(case, seen):
            start(case, seen)
            case.fail('deliberate')

        result, case, seen = run_inner(failing)
        self.addCleanup(shutil.rmtree, seen['dir'], True)
        self.assertEqual(1, len(result.failures))
        self.assertEqual(keep, os.path.dirname(seen['dir']))
        # The servers stopped; their logs and conf files stayed.
        for pid in seen['pids']:
            self.assertFalse(os.path.exists('/proc/%d' % pid))
        self.assertIn('harness-api',
                      open(case.api_server.log_file).read())
        self.assertTrue(os.path.isfile(
            os.path.join(seen['dir'], 'etc', 'policy.json')))
        self.assertIn(seen['dir'], case.getDetails()['test_dir'].as_text())
