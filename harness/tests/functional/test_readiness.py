"""Each readiness check, on a program run through ``Server.command``.

The program (``toy_server.py``) adopts the pre-bound socket and ignores
the ready byte and lifeline unless its mode says otherwise.
"""

import os
import socket
import sys

from harness import errors
from harness.glance import functional
from harness.process import readiness
from harness.process import server

TOY = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   'toy_server.py')


class ToyServer(server.Server):
    """A foreign program; ``mode`` is a template key like any other."""

    def __init__(self, test_dir, port, sock=None, mode='tcp'):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'toy'
        self.mode = mode
        self.log_file = os.path.join(test_dir, 'toy.log')
        self.command = [sys.executable, TOY, '%(mode)s', '%(bind_port)s',
                        '%(log_file)s']


class ByteToy(ToyServer):
    readiness = readiness.ReadyByte()


class TcpToy(ToyServer):
    readiness = readiness.TcpPort()


class HttpToy(ToyServer):
    readiness = readiness.HttpGet('/health', 200)


class LogToy(ToyServer):
    readiness = readiness.LogMatch(r'^serving on port \d+$')


class StdoutToy(ToyServer):
    readiness = readiness.LogMatch('serving on port', source='stdout')


CHECKS = [ByteToy, TcpToy, HttpToy, LogToy, StdoutToy]


def hello(port):
    with socket.create_connection(('127.0.0.1', port), timeout=30) as conn:
        return conn.makefile('rb').readline().decode()


class TestReadinessChecks(functional.FunctionalTest):

    def toy(self, cls, mode):
        port, sock = self.api_port, self.api_server.sock
        self.api_server.sock = None  # the toy takes the reserved port
        toy = cls(self.test_dir, port, sock=sock, mode=mode)
        self.launched_servers.append(toy)  # cleanup() stops it
        return toy

    def start_toy(self, cls, mode):
        toy = self.toy(cls, mode)
        self.start_with_retry(toy, 'api_port', 3)
        return toy

    def test_ready_byte(self):
        toy = self.start_toy(ByteToy, 'ready-byte')
        self.assertTrue(toy.process.ready)
        self.assertEqual('toy ready-byte\n', hello(self.api_port))

    def test_tcp_port(self):
        self.start_toy(TcpToy, 'tcp')
        self.assertEqual('toy tcp\n', hello(self.api_port))

    def test_http_get_waits_for_its_status(self):
        self.start_toy(HttpToy, 'http')
        import http.client
        conn = http.client.HTTPConnection('127.0.0.1', self.api_port,
                                          timeout=30)
        self.addCleanup(conn.close)
        conn.request('GET', '/hits')
        # Two 503 answers did not count as ready; the third (200) did.
        self.assertEqual(b'3', conn.getresponse().read())

    def test_log_match_in_the_log_file(self):
        self.start_toy(LogToy, 'log')
        self.assertEqual('toy log\n', hello(self.api_port))

    def test_log_match_on_stdout(self):
        self.start_toy(StdoutToy, 'log')
        self.assertEqual('toy log\n', hello(self.api_port))

    def test_log_match_ignores_what_earlier_launches_wrote(self):
        toy = self.start_toy(LogToy, 'log')
        toy.stop()
        toy.start(expect_exit=False, mode='never')
        msg = self.wait_for_servers([toy], timeout=0.5)
        self.assertIn('was not ready after 0.5 seconds', msg)
        with open(toy.log_file) as log:
            self.assertIn('serving on port', log.read())

    def test_never_ready_times_out_with_its_log_tail(self):
        for cls in CHECKS:
            toy = self.toy(cls, 'never')
            toy.start(expect_exit=False)
            # Its complaint is on stderr before the short wait begins.
            said = readiness.LogMatch('still warming up', source='stderr')
            readiness.wait([toy.process], 60,
                           probes={toy.process: said.bind(toy)})
            msg = self.wait_for_servers([toy], timeout=0.5)
            self.assertIn('toy server (pid %d) was not ready after 0.5 '
                          'seconds' % toy.process_pid, msg)
            self.assertIn('still warming up', msg)
            toy.stop()

    def test_death_while_waiting_fails_fast(self):
        for cls in CHECKS:
            toy = self.toy(cls, 'die')
            toy.start(expect_exit=False)
            # A generous timeout: the answer must come from the death.
            msg = self.wait_for_servers([toy], timeout=600)
            self.assertIn('exited with status 3 before it was ready', msg)
            self.assertIn('fatal: cannot start', msg)
            toy.stop()

    def test_death_is_not_retried(self):
        toy = self.toy(TcpToy, 'die')
        self.assertRaises(AssertionError, self.start_with_retry, toy,
                          'api_port', 3)
        _, err = toy.read_output()
        self.assertEqual(1, err.count('fatal: cannot start'))

    def test_missing_program_is_a_clear_error(self):
        toy = self.toy(TcpToy, 'tcp')
        toy.command = ['/nonexistent/toy-program']
        exc = self.assertRaises(errors.LaunchError, toy.start,
                                expect_exit=False)
        self.assertEqual('cannot run /nonexistent/toy-program for the toy '
                         'server: No such file or directory', str(exc))
        self.assertIsNone(toy.process)
