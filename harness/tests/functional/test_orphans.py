"""A test runner killed with SIGKILL takes its servers with it."""

import os
import signal
import subprocess
import sys

import testtools

from harness import process



class TestKilledRunner(testtools.TestCase):

    def test_sigkill_of_the_runner_kills_its_servers(self):
        # harness-stack runs one FunctionalTest that starts the servers and
        # waits: a test runner like any other.
        runner = subprocess.Popen(
            [sys.executable, '-m', 'harness.stack'], stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True)
        self.addCleanup(runner.wait)
        self.addCleanup(runner.kill)
        lines = {}
        for line in runner.stdout:
            key, _, value = line.partition(':')
            lines[key] = value.strip()
            if key == 'Logs':
                break
        runner.stdout.close()
        test_dir = lines['Logs']
        pids = []
        for name in ('api', 'registry'):
            with open(os.path.join(test_dir, name + '.pid')) as handle:
                pids.append(int(handle.read()))
        for pid in pids:
            self.assertTrue(os.path.exists('/proc/%d' % pid))
        sweeper = subprocess.run(
            ['pgrep', '-P', str(runner.pid), '-f', 'harness.janitor'],
            capture_output=True, text=True).stdout.split()
        self.assertEqual(1, len(sweeper))
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        for pid in pids:
            self.assertTrue(process.wait_gone(pid, 60),
                            'server %d survived' % pid)
        # The runner's janitor exits after removing the test directory.
        self.assertTrue(process.wait_gone(int(sweeper[0]), 60))
        self.assertFalse(os.path.exists(test_dir))
