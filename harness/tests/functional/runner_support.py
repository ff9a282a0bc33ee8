"""A real test runner to SIGKILL: ``harness-stack`` in a child process.

``harness.stack.cli`` runs one FunctionalTest that starts the servers, prints
where they are and waits, like any test runner in the middle of a test.
The orphan tests kill it and check that nothing it started survives.
"""

import os
import signal
import subprocess
import sys

from harness.process import child as process


def start_stack(test):
    """Start ``harness.stack.cli``; return ``(runner, test_dir, pids)``.

    *pids* are the API's and the registry's, read from their pid files
    once the runner printed its test directory.
    """
    runner = subprocess.Popen(
        [sys.executable, '-m', 'harness.stack.cli'], stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL, text=True)
    test.addCleanup(runner.wait)
    test.addCleanup(runner.kill)
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
    return runner, test_dir, pids


def janitor_of(test, runner):
    """The pid of *runner*'s janitor (exactly one must exist)."""
    sweeper = subprocess.run(
        ['pgrep', '-P', str(runner.pid), '-f', 'harness.process.janitor'],
        capture_output=True, text=True).stdout.split()
    test.assertEqual(1, len(sweeper))
    return int(sweeper[0])


def kill_and_check(test, runner, pids, janitor, test_dir):
    """SIGKILL *runner*; every pid and its janitor go, and *test_dir*."""
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    for pid in pids:
        test.assertTrue(process.wait_gone(pid, 60),
                        'process %d survived' % pid)
    # The janitor exits once it removed the test directory.
    test.assertTrue(process.wait_gone(janitor, 60))
    test.assertFalse(os.path.exists(test_dir))
