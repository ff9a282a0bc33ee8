"""Pre-forked workers as real processes.
"""

import os
import signal

import testtools

from harness.tests.unit.service import support

_SIGINT_BIT = 1 << (signal.SIGINT - 1)


def _ignores_sigint(pid):
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            if line.startswith('SigIgn:'):
                return bool(int(line.split()[1], 16) & _SIGINT_BIT)
    return False


class TestWorkers(testtools.TestCase):

    def start(self, count=2):
        service = support.ServiceProcess(self, workers=count).start()
        service.wait_ready()
        support.wait_until(
            lambda: len(support.child_pids(service.proc.pid)) == count,
            message='%d workers' % count)
        return service

    def children(self, service):
        return support.child_pids(service.proc.pid)

    def test_workers_serve_and_sigterm_leaves_no_child(self):
        service = self.start()
        children = self.children(service)
        served_by = set()
        for _ in range(6):
            response, body = service.request('GET', '/pid')
            served_by.add(int(body))
        self.assertTrue(served_by <= set(children), (served_by, children))
        response, body = service.request('GET', '/env')
        self.assertIn(b'"wsgi.multiprocess": true', body)
        service.signal(signal.SIGTERM)
        self.assertEqual(0, service.wait_exit())
        for pid in children:
            self.assertFalse(support.is_alive(pid), pid)
        log = service.stderr()
        self.assertIn('Starting 2 workers', log)
        for pid in children:
            self.assertIn('Started child %d' % pid, log)
            self.assertIn('Child %d exiting normally' % pid, log)

    def test_sigint_to_children_changes_nothing(self):
        service = self.start()
        children = self.children(service)
        for pid in children:
            # A child counts once forked, a moment before it sets SIG_IGN.
            support.wait_until(lambda: _ignores_sigint(pid),
                               message='worker %d to ignore SIGINT' % pid)
            os.kill(pid, signal.SIGINT)
        # An ignored signal is discarded when sent: nothing can change.
        for _ in range(4):
            self.assertEqual(300, service.request('GET', '/')[0].status)
        self.assertEqual(children, self.children(service))
        self.assertIsNone(service.proc.poll())

    def test_killed_parent_takes_its_workers_along(self):
        service = self.start()
        children = self.children(service)
        service.signal(signal.SIGKILL)
        service.wait_exit()
        for pid in children:
            support.wait_until(lambda: not support.is_alive(pid),
                               message='worker %d to die' % pid)

    def test_worker_killed_by_signal_is_respawned(self):
        service = self.start()
        victim = self.children(service)[0]
        os.kill(victim, signal.SIGKILL)
        support.wait_until(
            lambda: (victim not in self.children(service)
                     and len(self.children(service)) == 2),
            message='a respawned worker')
        self.assertEqual(300, service.request('GET', '/')[0].status)

    def test_worker_exiting_non_zero_is_not_respawned(self):
        service = self.start()
        children = self.children(service)
        # Each request kills the worker that serves it, with status 3.
        for remaining in (1, 0):
            support.raw_exchange(service.port, b'GET /exit?code=3 HTTP/1.1'
                                 b'\r\nHost: x\r\n\r\n')
            support.wait_until(
                lambda: len(self.children(service)) == remaining,
                message='%d workers left' % remaining)
        self.assertEqual(0, service.wait_exit())
        log = service.stderr()
        for pid in children:
            self.assertIn('Not respawning child %d, cannot recover from '
                          'termination' % pid, log)
        self.assertIn('All workers have terminated. Exiting', log)

    def test_sighup_replaces_workers_and_keeps_serving(self):
        service = self.start()
        old = self.children(service)
        service.signal(signal.SIGHUP)
        service.wait_ready()
        support.wait_until(
            lambda: (len(self.children(service)) == 2
                     and not set(old) & set(self.children(service))),
            message='two new workers')
        for pid in old:
            self.assertFalse(support.is_alive(pid), pid)
        self.assertIn('Restarting harness-test with', service.stdout())
        self.assertEqual(300, service.request('GET', '/')[0].status)
