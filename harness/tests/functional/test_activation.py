"""Socket conventions (issue 24, item 1): ``%(socket_fd)s``,
``socket_activation`` and ``env``, on both launch paths.

Each server is a real process: ``programs/activated.py`` checks what it was
given as a real server would (``LISTEN_PID`` against its own pid), and
real gunicorn takes the socket by ``--bind fd://N`` and by systemd's
protocol.  The preloaded path is a fork of the fork-server (the program's
parent); ``HARNESS_PRELOAD=0`` is the exec'd one (the test's own child).
"""

import importlib.util
import json
import os
import sys
import urllib.request

import fixtures
import testtools

from harness import errors
from harness import readiness
from harness import server
from harness.forkserver import client as forkserver
from harness.process import fixture as server_fixtures

PROGRAM = 'harness.tests.functional.programs.activated'
HAS_GUNICORN = importlib.util.find_spec('gunicorn') is not None


def get(port, path='/'):
    url = 'http://127.0.0.1:%d%s' % (port, path)
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


class Activated(server.Server):
    """``programs/activated.py`` in ``systemd`` mode, preloaded if the
    harness may."""

    preload = True
    socket_activation = True
    readiness = readiness.HttpGet('/', 200)
    mode = ['systemd']

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'activated'
        self.command = [sys.executable, '-m', PROGRAM] + self.mode


class ByFd(Activated):
    socket_activation = False
    mode = ['fd', '%(socket_fd)s']


class ByConf(ByFd):
    mode = ['conf', '%(conf_file_name)s']

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.conf_base = '[DEFAULT]\nsocket_fd = %(socket_fd)s\n'


class WithEnv(ByFd):
    env = {'MYSVC_DB': '%(test_dir)s/my.db', 'MYSVC_PORT': '%(bind_port)s'}

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.exec_env = {'GLANCE_ERA': 'exec_env'}


class Gunicorn(server.Server):
    """Real gunicorn, 2 sync workers, on the harness's socket."""

    readiness = readiness.HttpGet('/', 200)
    bind = ['--bind', 'fd://%(socket_fd)s']

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'gunicorn'
        self.command = [sys.executable, '-m', 'gunicorn'] + self.bind + [
            '--workers', '2', '--chdir', os.getcwd(),
            'harness.tests.functional.programs.wsgi_pid:app']


class GunicornActivated(Gunicorn):
    socket_activation = True
    bind = []


class TestSocketConventions(testtools.TestCase):

    def start(self, server_class, preload=True):
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_PRELOAD', None if preload else '0'))
        started = self.useFixture(server_fixtures.NewServerFixture(
            server_class))
        state = json.loads(get(started.port))
        self.assertEqual(started.server.process_pid, state['pid'])
        self.assertEqual(started.port, state['port'])
        # The path taken: a fork of the fork-server, or our own child.
        fork_server = forkserver.current()
        if preload:
            self.assertNotIn(PROGRAM, forkserver.refused())
            self.assertEqual(fork_server.proc.pid, state['ppid'])
        else:
            self.assertEqual(os.getpid(), state['ppid'])
        return started, state

    def check_activated(self, preload):
        # The test process's own LISTEN_* never reach a program...
        self.useFixture(fixtures.EnvironmentVariable('LISTEN_PID', '1'))
        self.useFixture(fixtures.EnvironmentVariable('LISTEN_FDS', '7'))
        started, state = self.start(Activated, preload)
        # ... but its own, with its own pid (the program checked it too).
        self.assertEqual({'LISTEN_FDS': '1', 'LISTEN_PID': str(state['pid']),
                          'LISTEN_FDNAMES': 'activated',
                          'HARNESS_TEST_SOCKET_FD': '3'},
                         {k: v for k, v in state['env'].items()
                          if k.startswith(('LISTEN', 'HARNESS'))})
        self.assertEqual(3, state['fd'])
        self.assertEqual(3, started.server.socket_fd)

    def test_socket_activation_preloaded(self):
        self.check_activated(preload=True)

    def test_socket_activation_exec(self):
        self.check_activated(preload=False)

    def check_socket_fd(self, server_class, preload):
        self.useFixture(fixtures.EnvironmentVariable('LISTEN_FDS', '1'))
        started, state = self.start(server_class, preload)
        self.assertEqual(started.server.socket_fd, state['fd'])
        self.assertEqual(str(state['fd']),
                         state['env']['HARNESS_TEST_SOCKET_FD'])
        self.assertIsNone(state['env']['LISTEN_FDS'])

    def test_socket_fd_in_command_preloaded(self):
        self.check_socket_fd(ByFd, preload=True)

    def test_socket_fd_in_command_exec(self):
        self.check_socket_fd(ByFd, preload=False)

    def test_socket_fd_in_conf_preloaded(self):
        self.check_socket_fd(ByConf, preload=True)

    def test_socket_fd_in_conf_exec(self):
        self.check_socket_fd(ByConf, preload=False)

    def test_env_templates_and_exec_env(self):
        for preload in (True, False):
            started, state = self.start(WithEnv, preload)
            self.assertEqual(started.test_dir + '/my.db',
                             state['env']['MYSVC_DB'])
            self.assertEqual(str(started.port), state['env']['MYSVC_PORT'])
            self.assertEqual('exec_env', state['env']['GLANCE_ERA'])

    def test_env_needs_string_templates(self):
        class BadEnv(ByFd):
            env = {'MYSVC_PORT': 8080}

        error = self.assertRaises(errors.HarnessError, self.start, BadEnv)
        self.assertIn('env value of MYSVC_PORT must be a string', str(error))

    def test_socket_fd_without_a_socket_is_a_clear_error(self):
        class OwnPort(ByFd):
            def __init__(self, test_dir, port, sock=None):
                super().__init__(test_dir, port, sock=sock)
                self.fork_socket = False

        error = self.assertRaises(errors.HarnessError, self.start, OwnPort)
        self.assertIn("needs 'socket_fd'", str(error))

    def test_activation_without_a_socket_is_a_clear_error(self):
        class OwnPort(Activated):
            def __init__(self, test_dir, port, sock=None):
                super().__init__(test_dir, port, sock=sock)
                self.fork_socket = False

        error = self.assertRaises(errors.HarnessError, self.start, OwnPort)
        self.assertIn('socket_activation', str(error))

    def test_activation_of_a_missing_program_is_a_launch_error(self):
        class Missing(Activated):
            def __init__(self, test_dir, port, sock=None):
                super().__init__(test_dir, port, sock=sock)
                self.command = ['/nonexistent/harness-program']

        error = self.assertRaises(errors.LaunchError, self.start, Missing,
                                  preload=False)
        self.assertIn('No such file', str(error))

    def check_gunicorn(self, server_class):
        started = self.useFixture(server_fixtures.NewServerFixture(
            server_class))
        pids = {int(get(started.port)) for _ in range(20)}
        self.assertNotIn(started.server.process_pid, pids)  # the workers
        self.assertTrue(pids)

    @testtools.skipUnless(HAS_GUNICORN, 'gunicorn is not installed')
    def test_gunicorn_bind_fd(self):
        self.check_gunicorn(Gunicorn)

    @testtools.skipUnless(HAS_GUNICORN, 'gunicorn is not installed')
    def test_gunicorn_socket_activation(self):
        self.check_gunicorn(GunicornActivated)
