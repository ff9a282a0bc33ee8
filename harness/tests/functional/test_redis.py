"""A real non-Python server, ``redis-server``, run through ``Server.command``.

Redis binds the port its conf names (``fork_socket = False``): the harness
holds that port reserved until the launch.  It ignores the lifeline, so the
janitor is what takes it down when the test process is SIGKILLed.
"""

import socket
import subprocess
import sys
import textwrap

from harness.glance import functional
from harness.process import child as process
from harness.process import readiness
from harness.process import server
from harness.glance import utils
from harness.tests.functional import runner_support

REDIS_CONF = '''\
bind 127.0.0.1
port %(bind_port)s
dir %(test_dir)s
save ""
appendonly no
daemonize no
%(extra_conf)s
'''


class RedisServer(server.Server):
    """redis-server on the reserved port; ready when it says so.

    Its own words rather than a TCP connect: a program that binds its port
    itself could find another process answering there.
    """

    readiness = readiness.LogMatch('Ready to accept connections',
                                   source='stdout')

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'redis'
        self.fork_socket = False  # it binds the port its conf names
        self.extra_conf = ''
        self.conf_base = REDIS_CONF
        self.command = ['redis-server', '%(conf_file_name)s']


def redis_call(port, *words):
    """Send one command; return the first line of the answer."""
    request = '*%d\r\n' % len(words) + ''.join(
        '$%d\r\n%s\r\n' % (len(w), w) for w in words)
    with socket.create_connection(('127.0.0.1', port), timeout=30) as conn:
        conn.sendall(request.encode())
        reply = conn.makefile('rb')
        line = reply.readline().decode().rstrip('\r\n')
        if line.startswith('$') and line != '$-1':
            line = reply.readline().decode().rstrip('\r\n')
        return line


# The test process of test_sigkill_...: starts redis like a test would,
# prints what the parent needs, then waits to be killed.
RUNNER = textwrap.dedent('''
    import sys, tempfile
    from harness.process import janitor
    from harness.glance import utils
    from harness.tests.functional.test_redis import RedisServer
    test_dir = tempfile.mkdtemp()
    janitor.watch_dir(test_dir)
    port, sock = utils.get_unused_port_and_socket()
    redis = RedisServer(test_dir, port, sock=sock)
    redis.start(expect_exit=False)
    from harness.process import readiness
    readiness.wait([redis.process], 60,
                   probes={redis.process: redis.ready_check()})
    print(redis.process_pid, port, test_dir, flush=True)
    sys.stdin.read()
''')


class TestRedis(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.redis_port, sock = utils.get_unused_port_and_socket()
        self.redis = RedisServer(self.test_dir, self.redis_port, sock=sock)
        self.launched_servers.append(self.redis)  # cleanup() stops it

    @utils.depends_on_exe('redis-server')
    @utils.skip_if_disabled
    def test_serves_on_its_port_over_the_network_then_stops(self):
        self.start_with_retry(self.redis, 'redis_port', 3)
        self.assertEqual('+PONG', redis_call(self.redis_port, 'PING'))
        self.assertEqual('+OK', redis_call(self.redis_port, 'SET', 'k', 'v'))
        self.assertEqual('v', redis_call(self.redis_port, 'GET', 'k'))
        pid = self.redis.process_pid
        rc, _, _ = self.redis.stop()
        self.assertEqual(0, rc)
        self.assertTrue(process.wait_gone(pid, 0))
        self.assertFalse(readiness.connects(self.redis_port))
        out, _ = self.redis.read_output()
        self.assertIn('Ready to accept connections', out)

    @utils.depends_on_exe('redis-server')
    @utils.skip_if_disabled
    def test_port_clash_is_retried_on_a_fresh_port(self):
        taken = self.redis_port
        self.redis.close_socket()
        squatter = socket.socket()
        self.addCleanup(squatter.close)
        squatter.bind(('127.0.0.1', taken))
        squatter.listen()
        self.start_with_retry(self.redis, 'redis_port', 3)
        self.assertNotEqual(taken, self.redis_port)
        self.assertEqual('+PONG', redis_call(self.redis_port, 'PING'))
        out, _ = self.redis.read_output()
        self.assertEqual(1, out.count('Address already in use'))

    @utils.depends_on_exe('redis-server')
    @utils.skip_if_disabled
    def test_config_error_fails_at_once(self):
        self.redis.extra_conf = 'no-such-directive yes'
        exc = self.assertRaises(AssertionError, self.start_with_retry,
                                self.redis, 'redis_port', 3)
        self.assertIn('redis server (pid', str(exc))
        self.assertIn("'no-such-directive yes'", str(exc))
        _, err = self.redis.read_output()
        self.assertEqual(1, err.count('FATAL CONFIG FILE ERROR'))

    @utils.depends_on_exe('redis-server')
    @utils.skip_if_disabled
    def test_sigkill_of_the_test_process_leaves_nothing(self):
        runner = subprocess.Popen(
            [sys.executable, '-c', RUNNER], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(runner.wait)
        self.addCleanup(runner.kill)
        self.addCleanup(runner.stdin.close)
        pid, port, test_dir = runner.stdout.readline().split()
        runner.stdout.close()
        pid, port = int(pid), int(port)
        self.assertEqual('+PONG', redis_call(port, 'PING'))
        janitor = runner_support.janitor_of(self, runner)
        # redis ignores the lifeline: the runner's janitor kills it.
        runner_support.kill_and_check(self, runner, [pid], janitor, test_dir)
        self.assertFalse(readiness.connects(port))
