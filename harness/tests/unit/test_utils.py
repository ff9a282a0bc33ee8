"""Tests for the glance.tests.utils helpers ported to harness.glance.utils."""

import errno
import os
import socket
import sys

import fixtures
import testtools

from harness import errors
from harness.glance import utils


class PortTest(testtools.TestCase):

    def test_socket_is_bound_not_listening(self):
        port, sock = utils.get_unused_port_and_socket()
        self.addCleanup(sock.close)
        self.assertEqual(('127.0.0.1', port), sock.getsockname())
        self.assertEqual(0, sock.getsockopt(socket.SOL_SOCKET,
                                            socket.SO_ACCEPTCONN))
        probe = socket.socket()
        self.addCleanup(probe.close)
        self.assertEqual(errno.ECONNREFUSED,
                         probe.connect_ex(('127.0.0.1', port)))

    def test_bound_port_is_reserved(self):
        port, sock = utils.get_unused_port_and_socket()
        self.addCleanup(sock.close)
        other = socket.socket()
        self.addCleanup(other.close)
        self.assertRaises(OSError, other.bind, ('127.0.0.1', port))

    def test_unused_port_is_released(self):
        port = utils.get_unused_port()
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', port))


class ExecuteTest(testtools.TestCase):

    def test_string_is_split_not_shelled(self):
        rc, out, err = utils.execute(
            '%s -c "import sys; print(sys.argv[1:])" "a b" ;ls'
            % sys.executable)
        self.assertEqual(0, rc)
        self.assertEqual("['a b', ';ls']\n", out)

    def test_bad_exit_code_raises_with_output_and_context(self):
        exc = self.assertRaises(
            RuntimeError, utils.execute,
            [sys.executable, '-c', 'import sys; print("o"); sys.exit(4)'],
            context='ctx')
        self.assertIn('exit code of 4', str(exc))
        self.assertIn('STDOUT: o', str(exc))
        self.assertIn('CONTEXT: ctx', str(exc))

    def test_no_raise_returns_code(self):
        rc, _, err = utils.execute(
            [sys.executable, '-c', 'import sys; sys.stderr.write("e");'
             'sys.exit(2)'], raise_error=False)
        self.assertEqual((2, 'e'), (rc, err))

    def test_exec_env_values_and_callables(self):
        env = {'HARNESS_A': 'x', 'PATH': lambda old: '/nowhere:' + old}
        rc, out, _ = utils.execute(
            [sys.executable, '-c', 'import os; print(os.environ["HARNESS_A"],'
             ' os.environ["PATH"].split(":")[0])'], exec_env=env)
        self.assertEqual('x /nowhere\n', out)

    def test_fork_exec_and_wait_for_fork(self):
        log = os.path.join(self.useFixture(fixtures.TempDir()).path, 'log')
        pid = utils.fork_exec([sys.executable, '-c', 'print("hello")'],
                              logfile=log)
        self.assertEqual(0, utils.wait_for_fork(pid, timeout=30))
        with open(log) as handle:
            self.assertEqual('hello\n', handle.read())

    def test_wait_for_fork_checks_code_and_timeout(self):
        pid = utils.fork_exec([sys.executable, '-c', 'raise SystemExit(5)'])
        self.assertRaises(RuntimeError, utils.wait_for_fork, pid, timeout=30)
        slow = utils.fork_exec([sys.executable, '-c',
                                'import signal; signal.pause()'])
        self.addCleanup(utils.wait_for_fork, slow, raise_error=False)
        self.addCleanup(os.kill, slow, 9)
        self.assertRaises(RuntimeError, utils.wait_for_fork, slow,
                          timeout=0.1)


class DecoratorTest(testtools.TestCase):

    def test_skip_if_disabled(self):
        calls = []

        class Case(testtools.TestCase):
            disabled = True
            disabled_message = 'off for now'

            @utils.skip_if_disabled
            def test_it(self):
                calls.append(1)

        result = testtools.TestResult()
        Case('test_it').run(result)
        self.assertEqual([], calls)
        self.assertEqual(['off for now'], list(result.skip_reasons))

    def test_depends_on_exe_disables(self):
        class Case(object):
            disabled = False

            @utils.depends_on_exe('surely-no-such-exe-here')
            def run(self):
                return self.disabled

        case = Case()
        self.assertTrue(case.run())
        self.assertIn('surely-no-such-exe-here', case.disabled_message)

    def test_requires_runs_setup_and_teardown(self):
        order = []

        class Case(object):
            @utils.requires(setup=lambda s: order.append('setup'),
                            teardown=lambda s: order.append('teardown'))
            def run(self):
                order.append('run')

        Case().run()
        self.assertEqual(['setup', 'run', 'teardown'], order)


class MiscTest(testtools.TestCase):

    def test_minimal_headers(self):
        headers = utils.minimal_headers('Image1')
        self.assertEqual('True', headers['X-Image-Meta-Is-Public'])
        self.assertEqual('raw', headers['X-Image-Meta-disk_format'])
        private = utils.minimal_headers('Image1', public=False)
        self.assertNotIn('X-Image-Meta-Is-Public', private)

    def test_minimal_add_command(self):
        cmd = utils.minimal_add_command(9292, 'MyImage', public=False)
        self.assertIn('--port=9292 add', cmd)
        self.assertIn('name=MyImage', cmd)
        self.assertNotIn('is_public', cmd)

    def test_find_executable(self):
        self.assertEqual('/abs/thing', utils.find_executable('/abs/thing'))
        self.assertTrue(utils.find_executable('sh').endswith('/sh'))
        self.assertIsNone(utils.find_executable('surely-no-such-exe-here'))

    def test_safe_mkdirs_is_idempotent(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'a', 'b')
        utils.safe_mkdirs(path)
        utils.safe_mkdirs(path)
        self.assertTrue(os.path.isdir(path))

    def test_xattr_probe_leaves_nothing(self):
        path = self.useFixture(fixtures.TempDir()).path
        self.assertIsInstance(utils.xattr_writes_supported(path), bool)
        self.assertEqual([], os.listdir(path))

    def test_fake_auth_middleware_is_the_service_one(self):
        from harness.service.api.middleware import fakeauth
        self.assertIs(fakeauth.FakeAuthMiddleware, utils.FakeAuthMiddleware)

    def test_timeout_from_environment(self):
        self.useFixture(fixtures.EnvironmentVariable('OS_TEST_TIMEOUT', '7'))
        self.assertEqual(7, utils.test_timeout())
        self.useFixture(fixtures.EnvironmentVariable('OS_TEST_TIMEOUT', '2.5'))
        self.assertEqual(3, utils.test_timeout())
        self.useFixture(fixtures.EnvironmentVariable('OS_TEST_TIMEOUT', ''))
        self.assertEqual(0, utils.test_timeout())

    def test_a_bad_timeout_is_a_clear_error(self):
        for bad in ('x', '-1', 'nan', 'inf'):
            self.useFixture(fixtures.EnvironmentVariable('OS_TEST_TIMEOUT',
                                                         bad))
            exc = self.assertRaises(errors.ConfigError, utils.test_timeout)
            self.assertIn('OS_TEST_TIMEOUT=%s: not a number of seconds' % bad,
                          str(exc))

    def test_timeout_fails_a_hung_test(self):
        self.useFixture(fixtures.EnvironmentVariable('OS_TEST_TIMEOUT', '1'))

        class Hung(utils.BaseTestCase):
            def test_hang(self):
                import signal
                signal.pause()

        result = testtools.TestResult()
        Hung('test_hang').run(result)
        self.assertEqual(1, len(result.errors))
        self.assertIn('TimeoutException', result.errors[0][1])
