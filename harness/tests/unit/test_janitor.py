"""The janitor cleans up after a process killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap

import testtools

from harness.process import janitor
from harness.process import child as process

# A doomed process: registers a temp dir and a sleeping process group with
# its janitor, reports both, then waits to be killed.
DOOMED = textwrap.dedent('''
    import subprocess, sys, tempfile, signal
    from harness.process import janitor
    d = tempfile.mkdtemp(prefix='harness-janitor-test-')
    child = subprocess.Popen([sys.executable, '-c',
                              'import signal; signal.pause()'],
                             start_new_session=True)
    janitor.watch_dir(d)
    janitor.watch_group(child.pid)
    print(d, child.pid, flush=True)
    signal.pause()
''')


class JanitorTest(testtools.TestCase):

    def test_sigkill_leaves_nothing_behind(self):
        doomed = subprocess.Popen([sys.executable, '-c', DOOMED],
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(doomed.wait)
        self.addCleanup(doomed.kill)
        path, pid = doomed.stdout.readline().split()
        doomed.stdout.close()
        pid = int(pid)
        self.assertTrue(os.path.isdir(path))
        sweeper = subprocess.run(
            ['pgrep', '-P', str(doomed.pid), '-f', 'harness.process.janitor'],
            capture_output=True, text=True).stdout.split()
        self.assertEqual(1, len(sweeper))
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        self.assertTrue(process.wait_gone(pid, 30), 'group %d survived' % pid)
        # The janitor exits once it has removed the directory.
        self.assertTrue(process.wait_gone(int(sweeper[0]), 30))
        self.assertFalse(os.path.exists(path))

    def test_sweep_spares_forgotten_groups(self):
        child = subprocess.Popen([sys.executable, '-c',
                                  'import signal; signal.pause()'],
                                 start_new_session=True)
        self.addCleanup(child.wait)
        self.addCleanup(child.kill)
        path = tempfile.mkdtemp(prefix='harness-janitor-test-')
        janitor.sweep([], [path])
        self.assertIsNone(child.poll())
        self.assertFalse(os.path.exists(path))
