"""harness.service.runtime.Runtime, in process (handlers restored after).
"""

import os
import select
import signal
import threading

import fixtures
import testtools

from harness import contract
from harness.service import runtime


class TestRuntime(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger())
        # prepare_exec names the wake-up pipe for the next image.
        self.useFixture(fixtures.EnvironmentVariable(contract.SIGNALS_FD))
        self.open_fds = set()
        self.addCleanup(self.close_all)

    def close_all(self):
        for fd in list(self.open_fds):
            self.close(fd)

    def close(self, fd):
        self.open_fds.discard(fd)
        os.close(fd)

    def pipe(self):
        rfd, wfd = os.pipe()
        self.open_fds.update((rfd, wfd))
        return rfd, wfd

    def runtime(self, **env):
        for name in (contract.READY_FD, contract.LIFELINE_FD):
            self.useFixture(fixtures.EnvironmentVariable(name,
                                                         env.get(name)))
        rt = runtime.Runtime('harness-test', lifeline_grace=0.0)
        self.open_fds.update((rt._rfd, rt._wfd))
        return rt

    def test_wait_times_out_empty(self):
        self.assertEqual([], self.runtime().wait(0.01))

    def test_queue_wakes_and_drains(self):
        rt = self.runtime()
        rt.queue('X')
        rt.queue('Y')
        self.assertEqual([rt.wakeup_fd],
                         select.select([rt.wakeup_fd], [], [], 5)[0])
        self.assertEqual(['X', 'Y'], rt.wait(5))
        self.assertEqual([], rt.drain())

    def test_signals_become_events(self):
        rt = self.runtime()
        rt.install_signal_handlers()
        self.addCleanup(rt.uninstall_signal_handlers)
        rt.install_signal_handlers()  # idempotent
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGTERM)
        events = rt.wait(5)
        while len(events) < 2:
            events += rt.wait(5)
        self.assertEqual(['HUP', 'TERM'], events)

    def test_uninstall_restores_handlers(self):
        before = signal.getsignal(signal.SIGTERM)
        rt = self.runtime()
        rt.install_signal_handlers()
        rt.uninstall_signal_handlers()
        self.assertEqual(before, signal.getsignal(signal.SIGTERM))

    def test_notify_ready_writes_one_byte_each_time(self):
        rfd, wfd = self.pipe()
        rt = self.runtime(**{contract.READY_FD: str(wfd)})
        rt.notify_ready()
        rt.notify_ready()
        self.assertEqual(b'11', os.read(rfd, 10))
        self.assertFalse(os.get_inheritable(wfd))
        self.assertEqual([wfd, rt.wakeup_fd], rt.prepare_exec())
        self.assertTrue(os.get_inheritable(wfd))
        self.assertEqual(str(rt.wakeup_fd), os.environ[contract.SIGNALS_FD])

    def test_notify_ready_without_env_is_a_no_op(self):
        self.runtime().notify_ready()

    def test_bad_fd_env_is_ignored(self):
        rt = self.runtime(**{contract.READY_FD: 'nope'})
        self.assertEqual([rt.wakeup_fd], rt.prepare_exec())
        self.assertIn("Ignoring HARNESS_READY_FD='nope'", self.logger.output)

    def test_lifeline_eof_queues_event_then_kills(self):
        rfd, wfd = self.pipe()
        rt = self.runtime(**{contract.LIFELINE_FD: str(rfd)})
        killed = threading.Event()
        rt._kill_self = killed.set
        rt.start_lifeline()
        rt.start_lifeline()  # idempotent
        os.write(wfd, b'still here')
        self.close(wfd)
        self.assertEqual(['LIFELINE'], rt.wait(5))
        self.assertTrue(killed.wait(5))
        self.assertIn('Lifeline closed', self.logger.output)


class TestReexecCarriesSignals(testtools.TestCase):

    def test_a_signal_after_the_last_drain_reaches_the_new_image(self):
        import subprocess
        import sys
        env = {k: v for k, v in os.environ.items()
               if k != contract.SIGNALS_FD}
        proc = subprocess.run(
            [sys.executable, '-m', 'harness.tests.unit.service.reexec_probe'],
            capture_output=True, text=True, timeout=60, env=env,
            stdin=subprocess.DEVNULL)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual("drained []\nnew image events ['TERM']\n",
                         proc.stdout)
