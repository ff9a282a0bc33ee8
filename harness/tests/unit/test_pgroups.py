"""The one kill helper and liveness check (harness.process.pgroups), on real
processes."""

import os
import signal
import subprocess
import sys

import testtools

from harness.process import pgroups


class PgroupsTest(testtools.TestCase):

    def _child(self):
        proc = subprocess.Popen(
            [sys.executable, '-c', 'import sys; sys.stdin.read()'],
            stdin=subprocess.PIPE, start_new_session=True)
        self.addCleanup(proc.wait)
        self.addCleanup(pgroups.kill_group, proc.pid, signal.SIGKILL)
        self.addCleanup(proc.stdin.close)
        return proc

    def test_a_live_group_and_pid_answer(self):
        proc = self._child()
        self.assertTrue(pgroups.group_alive(proc.pid))
        self.assertTrue(pgroups.pid_alive(proc.pid))

    def test_a_killed_and_reaped_group_is_gone(self):
        proc = self._child()
        self.assertTrue(pgroups.kill_group(proc.pid, signal.SIGKILL))
        self.assertEqual(-signal.SIGKILL, proc.wait(60))
        self.assertFalse(pgroups.group_alive(proc.pid))
        self.assertFalse(pgroups.pid_alive(proc.pid))
        self.assertFalse(pgroups.kill_group(proc.pid, signal.SIGTERM))

    def test_a_process_we_may_not_signal_is_alive(self):
        if os.getuid() == 0:
            self.skipTest('root may signal every process')
        self.assertTrue(pgroups.pid_alive(1))
