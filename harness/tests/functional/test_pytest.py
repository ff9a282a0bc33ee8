"""pytest runs FunctionalTests too, and its report carries the server logs.

testtools puts a failing test's details (the logs of its servers) into the
failure text; pytest prints that text.  No plugin is involved.
"""

import os
import subprocess
import sys
import textwrap

import fixtures
import testtools

import harness

INNER = textwrap.dedent('''
    from harness.glance import functional


    class TestInner(functional.FunctionalTest):

        def test_fails_after_start(self):
            self.start_servers(**self.__dict__.copy())
            self.fail('deliberate failure')
''')


class TestUnderPytest(testtools.TestCase):

    def test_failure_report_carries_server_logs(self):
        work = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(work, 'test_inner.py'), 'w') as handle:
            handle.write(INNER)
        root = os.path.dirname(os.path.dirname(harness.__file__))
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            [root] + [p for p in [env.get('PYTHONPATH')] if p])
        run = subprocess.run(
            [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider',
             '-q', 'test_inner.py'], cwd=work, env=env,
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=300)
        report = run.stdout + run.stderr
        self.assertEqual(1, run.returncode, report)
        self.assertIn('1 failed', report)
        self.assertIn('deliberate failure', report)
        # testtools details, as pytest prints them: each log by name, and
        # a line the API logged.
        self.assertIn('api.log: {{{', report)
        self.assertIn('registry.log: {{{', report)
        self.assertIn('harness-api stopped (TERM)', report)
