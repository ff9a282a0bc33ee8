"""A test runner killed with SIGKILL takes its servers with it."""

import os

import testtools

from harness.tests.functional import runner_support


class TestKilledRunner(testtools.TestCase):

    def test_sigkill_of_the_runner_kills_its_servers(self):
        runner, test_dir, pids = runner_support.start_stack(self)
        for pid in pids:
            self.assertTrue(os.path.exists('/proc/%d' % pid))
        janitor = runner_support.janitor_of(self, runner)
        runner_support.kill_and_check(self, runner, pids, janitor, test_dir)
