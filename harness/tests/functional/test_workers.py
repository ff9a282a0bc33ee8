"""The API with pre-forked workers.

Children are found through ``/proc`` (their parent pid) and watched
through pidfds, so a death is an event the test waits on, never a guess
after a sleep.
"""

import json
import os
import select
import signal
import time

from harness.glance import functional
from harness.tests.functional import client

WORKERS = 2
#: How long the worker set must stay unchanged after ``kill -INT``.
QUIET_WINDOW = 1.0
#: Upper bound for anything that should happen promptly.
DEADLINE = 15.0
POLL_INTERVAL = 0.02


def children_of(pid):
    """Pids of the live (non-zombie) processes whose parent is *pid*."""
    found = set()
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as handle:
                stat = handle.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # The command name may hold spaces and parentheses: split after it.
        fields = stat.rpartition(')')[2].split()
        if int(fields[1]) == pid and fields[0] != 'Z':
            found.add(int(name))
    return found


def ignored_signals(pid):
    """The set of signals process *pid* ignores (``SigIgn`` of status)."""
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            if line.startswith('SigIgn:'):
                mask = int(line.split()[1], 16)
                return {signum for signum in range(1, 65)
                        if mask & (1 << (signum - 1))}
    return set()


class TestWorkers(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.workers = WORKERS

    def start(self):
        """Start the servers; return the API pid and its worker pids."""
        self.start_servers(**self.__dict__.copy())
        parent = self.api_server.process_pid
        workers = self.wait_for(lambda: self._workers(parent, WORKERS),
                                'the API never had %d workers' % WORKERS)
        return parent, workers

    @staticmethod
    def _workers(parent, count):
        found = children_of(parent)
        return found if len(found) == count else None

    def wait_for(self, condition, message, timeout=DEADLINE):
        """Poll *condition* until it returns something true; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() >= deadline:
                self.fail('%s within %s s' % (message, timeout))
            time.sleep(POLL_INTERVAL)

    def pidfds(self, pids):
        """Open a pidfd per pid (closed at cleanup); return {fd: pid}."""
        fds = {}
        for pid in pids:
            fd = os.pidfd_open(pid)
            self.addCleanup(os.close, fd)
            fds[fd] = pid
        return fds

    def assert_serving(self, times=10):
        for _ in range(times):
            status, _, body = client.request(self.api_port, 'GET',
                                             '/v1/images')
            self.assertEqual((200, {'images': []}),
                             (status, json.loads(body)))

    def read_log(self):
        with open(self.api_server.log_file) as handle:
            return handle.read()

    def test_two_workers_serve(self):
        parent, workers = self.start()
        self.assert_serving(20)
        self.assertEqual(workers, children_of(parent))
        log = self.read_log()
        self.assertIn('Starting %d workers' % WORKERS, log)
        for pid in workers:
            self.assertIn('Started child %d' % pid, log)

    def test_sigint_to_the_workers_changes_nothing(self):
        parent, workers = self.start()
        for pid in workers:
            # A worker found in /proc may not have run its set-up yet.
            self.wait_for(lambda: signal.SIGINT in ignored_signals(pid),
                          'worker %d never ignored SIGINT' % pid)
        watched = self.pidfds(workers | {parent})
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        # Any death (hence any respawn) would make a pidfd readable; the
        # child list is re-read all along to catch any extra worker.
        deadline = time.monotonic() + QUIET_WINDOW
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            readable, _, _ = select.select(list(watched), [], [],
                                           min(left, 0.1))
            self.assertEqual([], [watched[fd] for fd in readable],
                             'a process died after kill -INT')
            self.assertEqual(workers, children_of(parent))
        self.assert_serving()

    def test_a_killed_worker_is_respawned(self):
        parent, workers = self.start()
        victim = min(workers)
        survivor = workers - {victim}
        fds = self.pidfds([victim])
        os.kill(victim, signal.SIGKILL)
        readable, _, _ = select.select(list(fds), [], [], DEADLINE)
        self.assertEqual(list(fds), readable, 'the worker did not die')

        def replaced():
            found = children_of(parent)
            return (found if len(found) == WORKERS and victim not in found
                    else None)
        now = self.wait_for(replaced, 'no worker replaced %d' % victim)
        self.assertTrue(survivor < now, (survivor, now))
        (newcomer,) = now - survivor
        # The parent logs the fork after it returns: the newcomer can be
        # seen among its children a moment before the line is written.
        line = 'Started child %d' % newcomer
        self.wait_for(lambda: line in self.read_log(),
                      'no %r in the log' % line)
        self.assert_serving()
        self.assertEqual(now, children_of(parent))

    def test_stop_servers_leaves_no_worker(self):
        parent, workers = self.start()
        fds = self.pidfds(workers | {parent})
        self.stop_servers()
        readable, _, _ = select.select(list(fds), [], [], 0)
        self.assertEqual(sorted(fds), sorted(readable),
                         'still running: %s' % sorted(
                             pid for fd, pid in fds.items()
                             if fd not in readable))

    def _stop_parent_with(self, signum):
        parent, workers = self.start()
        fds = self.pidfds(workers)
        parent_fd = list(self.pidfds([parent]))[0]
        os.kill(parent, signum)
        readable, _, _ = select.select([parent_fd], [], [], DEADLINE)
        self.assertEqual([parent_fd], readable, 'the API did not stop')
        # The parent stops its workers before it exits: by the time it is
        # gone, they are too (not merely about to be, by PDEATHSIG).
        readable, _, _ = select.select(list(fds), [], [], 0)
        self.assertEqual(sorted(fds), sorted(readable))
        self.assertEqual(0, self.api_server.stop()[0])

    def test_sigterm_to_the_parent_stops_the_workers_first(self):
        self._stop_parent_with(signal.SIGTERM)

    def test_sigint_to_the_parent_stops_the_workers_first(self):
        self._stop_parent_with(signal.SIGINT)
