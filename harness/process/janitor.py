"""A watchdog process that cleans up after a test process that was killed.

Cleanups and ``finally`` blocks do not run when a test runner is killed
with SIGKILL.  Each test process therefore starts, on first need, one small
janitor (``python -m harness.process.janitor``) in its own session, and tells
it over a pipe which process groups and temporary directories it holds.  The
test process keeps the only write end of that pipe, so the kernel closes
it when the process dies, however it dies.  On EOF the janitor terminates
the groups still alive (SIGTERM, then SIGKILL) and removes the directories
still present, then exits.

Servers also watch their own lifeline (see :mod:`harness.process.child`); the
janitor is the second line, and the only one for directories.

Protocol, one command per line: ``dir <path>``, ``pgid <n>``,
``unpgid <n>``.
"""

import os
import select
import shutil
import signal
import subprocess
import sys
import time

from harness.process import pgroups

GRACE = 5.0

_janitor = None  # this process's janitor: one per test process


def pid():
    """The pid of this process's janitor, or None before its first use."""
    return None if _janitor is None else _janitor.pid


def _get():
    global _janitor
    if _janitor is None or _janitor.poll() is not None:
        _janitor = subprocess.Popen(
            [sys.executable, '-m', 'harness.process.janitor'],
            stdin=subprocess.PIPE, start_new_session=True)
    return _janitor


def _tell(line):
    proc = _get()
    proc.stdin.write(line.encode('utf-8', 'surrogateescape') + b'\n')
    proc.stdin.flush()


def watch_dir(path):
    """Remove *path* if this process dies before removing it."""
    _tell('dir %s' % path)


def watch_group(pgid):
    """Kill process group *pgid* if this process dies first."""
    _tell('pgid %d' % pgid)


def forget_group(pgid):
    """*pgid* was stopped normally; stop watching it."""
    _tell('unpgid %d' % pgid)


# -- the janitor process itself ---------------------------------------------
def _signal_all(pgids, signum):
    for pgid in pgids:
        pgroups.kill_group(pgid, signum)


def _wait_gone(pgids, timeout):
    deadline = time.monotonic() + timeout
    pidfds = []
    for pgid in pgids:
        try:
            pidfds.append(os.pidfd_open(pgid))  # the group leader
        except OSError:
            continue
    try:
        while pidfds and time.monotonic() < deadline:
            ready, _, _ = select.select(pidfds, [], [],
                                        deadline - time.monotonic())
            for fd in ready:
                os.close(fd)
            pidfds = [fd for fd in pidfds if fd not in ready]
    finally:
        for fd in pidfds:
            os.close(fd)


def sweep(pgids, dirs):
    """Terminate *pgids*, then remove *dirs*."""
    alive = [pgid for pgid in pgids if pgroups.group_alive(pgid)]
    _signal_all(alive, signal.SIGTERM)
    _wait_gone(alive, GRACE)
    _signal_all([pgid for pgid in alive if pgroups.group_alive(pgid)],
                signal.SIGKILL)
    for path in dirs:
        if os.path.isdir(path):
            shutil.rmtree(path, onerror=_report)


def _report(func, path, exc_info):
    sys.stderr.write('harness janitor: cannot remove %s: %s\n'
                     % (path, exc_info[1]))


def main():
    """Read commands until EOF, then sweep."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is not for us
    pgids, dirs = set(), []
    for raw in sys.stdin.buffer:
        verb, _, arg = raw.decode('utf-8', 'surrogateescape').rstrip(
            '\n').partition(' ')
        if verb == 'dir':
            dirs.append(arg)
        elif verb == 'pgid':
            pgids.add(int(arg))
        elif verb == 'unpgid':
            pgids.discard(int(arg))
    sweep(sorted(pgids), dirs)
    return 0


if __name__ == '__main__':
    sys.exit(main())
