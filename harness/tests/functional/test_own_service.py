"""Testing your own service costs nothing of the reference service.

Each test runs a fresh test process
(:mod:`harness.tests.functional.own_service_probe`) that starts a user's
program through a generic ``Server``, and reads what that process and
its fork-server imported: the test process from its own
``sys.modules``, the fork-server from a fork of it (the user's program
reports the ``sys.modules`` it started with, which a fork inherits).
"""

import json
import os
import subprocess
import sys

import testtools
from testtools import content

from harness.forkserver import server as fork_server

PROBE = 'harness.tests.functional.own_service_probe'


class OwnServiceTest(testtools.TestCase):

    def probe(self, preload, *args):
        """Run the probe with ``HARNESS_PRELOAD=<preload>``; its report."""
        env = dict(os.environ, HARNESS_PRELOAD=preload)
        done = subprocess.run([sys.executable, '-m', PROBE] + list(args),
                              env=env, capture_output=True, text=True,
                              timeout=600)
        self.addDetail('probe stderr', content.text_content(
            done.stderr))
        self.assertEqual(0, done.returncode, done.stderr[-2000:])
        return json.loads(done.stdout)

    def test_a_user_test_process_imports_no_reference_service(self):
        for preload in ('0', '1'):
            report = self.probe(preload)
            self.assertEqual([], report['test'], 'HARNESS_PRELOAD=%s'
                             % preload)
            self.assertEqual(preload == '1', report['forked'])

    def test_a_fork_server_that_only_forked_a_user_program(self):
        report = self.probe('1')
        self.assertTrue(report['forked'])
        self.assertEqual([], report['child'])

    def test_the_first_reference_launch_loads_the_reference_service(self):
        report = self.probe('1', 'reference')
        self.assertEqual([], report['child'])
        # The same fork-server, which now holds the reference programs.
        self.assertTrue(report['after']['forked'])
        self.assertTrue(report['same_fork_server'])
        for module in fork_server.MODULES + ('harness.service.config',
                                             'sqlalchemy'):
            self.assertIn(module, report['after']['child'])
