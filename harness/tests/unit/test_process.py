"""Tests for harness.process.child: real child processes, no fakes."""

import gc
import os
import signal
import sys
import textwrap

import fixtures
import testtools

from harness import errors
from harness.process import logs
from harness.process import child as process
from harness.process import readiness

# A child that speaks the ready-byte protocol after an optional delay
# given as argv[1] ('never' = stays unready), then waits for SIGTERM.
READY_CHILD = textwrap.dedent('''
    import os, signal, sys
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if sys.argv[1] != 'never':
        os.write(int(os.environ['HARNESS_READY_FD']), b'1')
    print('child up', flush=True)
    signal.pause()
''')


def open_fds():
    return set(os.listdir('/proc/self/fd'))


class ProcessTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def make(self, code, *args, name='child'):
        proc = process.ServerProcess(
            name, [sys.executable, '-c', code] + list(args),
            os.path.join(self.dir, name + '.out'),
            os.path.join(self.dir, name + '.err'))
        self.addCleanup(proc.stop)
        return proc

    def test_ready_byte_is_an_event(self):
        proc = self.make(READY_CHILD, 'now')
        proc.launch()
        readiness.wait([proc], timeout=30)
        self.assertTrue(proc.ready)
        self.assertEqual(0, proc.stop())

    def test_death_fails_fast_with_status_and_log(self):
        proc = self.make('import sys; sys.stderr.write("boom here\\n");'
                         'sys.exit(3)')
        proc.launch()
        exc = self.assertRaises(errors.ServerDiedError,
                                readiness.wait, [proc], 60)
        self.assertEqual(3, exc.returncode)
        self.assertIn('boom here', str(exc))

    def test_timeout_names_the_server(self):
        proc = self.make(READY_CHILD, 'never', name='slowpoke')
        proc.launch()
        exc = self.assertRaises(errors.ServerTimeoutError,
                                readiness.wait, [proc], 0.2)
        self.assertEqual('slowpoke', exc.name)

    def test_stop_escalates_to_sigkill(self):
        code = ('import os, signal; '
                'signal.signal(signal.SIGTERM, signal.SIG_IGN); '
                'os.write(int(os.environ["HARNESS_READY_FD"]), b"1"); '
                'signal.pause()')
        proc = self.make(code)
        proc.launch()
        readiness.wait([proc], 30)
        self.assertEqual(-signal.SIGKILL, proc.stop(timeout=0.5))

    def test_stop_is_idempotent_and_fine_before_launch(self):
        proc = self.make(READY_CHILD, 'now')
        self.assertIsNone(proc.stop())
        proc.launch()
        readiness.wait([proc], 30)
        first = proc.stop()
        self.assertEqual(first, proc.stop())

    def test_no_descriptor_leaks(self):
        # A first launch starts this process's janitor (one pipe for the
        # life of the process); the second must leave fds as it found them.
        warm = self.make(READY_CHILD, 'now')
        warm.launch()
        warm.stop()
        # Garbage of earlier tests in this worker (an unclosed socket...)
        # must not be collected, closing its fds, between the snapshots.
        gc.collect()
        before = open_fds()
        proc = self.make(READY_CHILD, 'now')
        proc.launch()
        readiness.wait([proc], 30)
        proc.stop()
        self.assertEqual(before, open_fds())

    def test_socket_is_handed_over_and_released(self):
        code = ('import os, socket; '
                's = socket.socket(fileno=int(os.environ'
                '["HARNESS_TEST_SOCKET_FD"])); s.listen(); '
                'os.write(int(os.environ["HARNESS_READY_FD"]), b"1"); '
                'c, _ = s.accept(); c.sendall(b"hi"); c.close(); '
                'import signal; signal.pause()')
        from harness.glance import utils
        port, sock = utils.get_unused_port_and_socket()
        proc = process.ServerProcess(
            'sock', [sys.executable, '-c', code],
            os.path.join(self.dir, 'o'), os.path.join(self.dir, 'e'),
            sock=sock)
        self.addCleanup(proc.stop)
        proc.launch()
        self.assertEqual(-1, sock.fileno())  # the harness copy is closed
        readiness.wait([proc], 30)
        import socket
        with socket.create_connection(('127.0.0.1', port)) as conn:
            self.assertEqual(b'hi', conn.recv(2))

    def test_lifeline_eof_is_visible_to_the_child(self):
        code = ('import os; fd = int(os.environ["HARNESS_LIFELINE_FD"]); '
                'os.write(int(os.environ["HARNESS_READY_FD"]), b"1"); '
                'os.read(fd, 1); print("lifeline closed", flush=True)')
        proc = self.make(code)
        proc.launch()
        readiness.wait([proc], 30)
        os.close(proc._lifeline_fd)  # what the kernel does if we die
        proc._lifeline_fd = None
        self.assertEqual(0, proc.wait_exit(30))
        with open(proc.stdout_log) as out:
            self.assertIn('lifeline closed', out.read())

    def test_ping_readiness_for_programs_without_ready_byte(self):
        from harness.glance import utils
        code = ('import os, socket, signal; s = socket.socket(fileno=int('
                'os.environ["HARNESS_TEST_SOCKET_FD"])); s.listen(); '
                'signal.pause()')
        port, sock = utils.get_unused_port_and_socket()
        proc = process.ServerProcess(
            'pinged', [sys.executable, '-c', code],
            os.path.join(self.dir, 'o'), os.path.join(self.dir, 'e'),
            sock=sock)
        self.addCleanup(proc.stop)
        proc.launch()
        readiness.wait([proc], 30,
                       probes={proc: readiness.TcpPort(port)})
        self.assertFalse(proc.ready)  # it was the ping that answered

    def test_tail_reads_last_lines(self):
        path = os.path.join(self.dir, 'log')
        with open(path, 'w') as handle:
            handle.write(''.join('line %d\n' % i for i in range(100)))
        self.assertEqual('line 98\nline 99', logs.tail(path, 2))
        self.assertEqual('', logs.tail(os.path.join(self.dir, 'none')))
