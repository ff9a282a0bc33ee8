"""``Server.patch``, ``Server.spy`` and ``Server.clock`` themselves.

What a test sees: patches applied before the block runs and undone when
it ends, nested and side by side; spies whose calls are current when
read; one-line errors for a bad target, a dead server, a program that
is not Python; patches that reach every worker, a respawned one too, and
a server started inside the block; nothing leaked after many cycles.
"""

import os
import shutil
import signal
import threading

from harness import errors
from harness.process import server as server_mod
from harness.tests.functional import inject_support
from harness.tests.functional import test_workers
from harness.tests.functional import v1_support as v1

LIST = 'harness.service.db.api.image_get_all'
CREATE = 'harness.service.db.api.image_create'
CONFIGURE_STORES = 'harness.service.store.configure_stores'
CYCLES = 100


class Boom(Exception):
    """Raised inside the server by a patch."""


class TestPatch(inject_support.InjectTest):

    def test_returns_then_undone(self):
        image_id = self.v2_image()['id']
        with self.api_server.patch(LIST, returns=[]):
            self.assertEqual([], self.v2.ids())
        self.assertEqual([image_id], self.v2.ids())

    def test_raises_a_class_or_an_instance(self):
        for raises in (RuntimeError, RuntimeError('no')):
            with self.api_server.patch(CREATE, raises=raises):
                status = self.v2.request('POST', '/images', {'name': 'x'})[0]
            self.assertEqual(500, status)
        self.assertEqual([], self.v2.ids())

    def test_nested_and_side_by_side(self):
        image_id = self.v2_image()['id']
        with self.api_server.patch(LIST, returns=[]):
            with self.api_server.patch(LIST, raises=RuntimeError):
                with self.api_server.patch(CREATE, raises=RuntimeError):
                    self.assertEqual(500, self.v2.request('GET',
                                                          '/images')[0])
                    self.assertEqual(500, self.v2.request(
                        'POST', '/images', {'name': 'x'})[0])
                self.assertEqual(500, self.v2.request('GET', '/images')[0])
            self.assertEqual([], self.v2.ids())
            self.v2_image(name='made')
        self.assertEqual(2, len(self.v2.ids()))
        self.assertIn(image_id, self.v2.ids())

    def test_spy_calls_are_current(self):
        with self.api_server.spy(CREATE) as calls:
            self.assertEqual(0, len(calls))
            image = self.v2_image(name='spied')
            self.assertEqual(1, len(calls))
            with self.api_server.patch(CREATE, raises=Boom('refused')):
                self.assertEqual(500, self.v2.request(
                    'POST', '/images', {'name': 'x'})[0])
            self.assertEqual(2, len(calls))
        first, second = calls
        self.assertIn("'name': 'spied'", first.kwargs['values'])
        self.assertIn(image['id'], first.result)
        self.assertIsNone(first.exception)
        self.assertEqual("Boom('refused')", second.exception)
        self.assertIsNone(second.result)
        # After the block: what it saw, no longer read from the server.
        self.v2_image(name='unseen')
        self.assertEqual(2, len(calls))

    def test_bad_targets_name_the_target(self):
        for target, reason in (
                ('harness.service.nosuch.f', "has no attribute 'nosuch'"),
                ('harness.service.db.api.nosuch', "no attribute 'nosuch'"),
                ('nosuchmodule.f', "no module named 'nosuchmodule'"),
                ('justone', 'not a dotted path'),
                ('harness.service.db.api.IMAGE_ATTRS', 'not callable')):
            error = self.assertRaises(
                errors.TargetError, self.api_server.patch(
                    target, returns=1).__enter__)
            self.assertEqual(target, error.target)
            self.assertIn(target, str(error))
            self.assertIn(reason, str(error))
            self.assertEqual(1, len(str(error).splitlines()))
        self.assertEqual([], self.v2.ids())  # the server is fine

    def test_dead_server_is_named_with_its_log_tail(self):
        self.api_server.process.signal(signal.SIGKILL)
        self.api_server.process.wait_exit(30)
        error = self.assertRaises(errors.ServerGoneError,
                                  self.api_server.patch(LIST).__enter__)
        self.assertEqual('api', error.name)
        self.assertIn('api server (pid %d) exited with status -9'
                      % self.api_server.process_pid, str(error))
        self.assertIn('--- last lines of its log ---', str(error))

    def test_patch_set_before_start_applies_at_start_up(self):
        self.stop_servers()
        kwargs = self.server_kwargs()
        boom = errors.StartupError('the image store vanished')
        with self.api_server.patch(CONFIGURE_STORES, raises=boom):
            rc, out, err = self.api_server.start(expected_exitcode=1,
                                                 **kwargs)
        self.assertIn('ERROR: the image store vanished', err)
        with self.api_server.patch('harness.service.nosuch.f'):
            self.assertRaises(errors.TargetError, self.api_server.start,
                              expect_exit=False, **kwargs)
        self.assertIsNone(self.api_server.process)
        self.start_servers(**kwargs)
        self.v2_image()

    def test_spy_set_before_start_sees_start_up_once(self):
        self.stop_servers()
        with self.api_server.spy(CONFIGURE_STORES) as calls:
            self.start_servers(**self.server_kwargs())
            self.assertEqual(1, len(calls))
            self.assertEqual(self.api_server.process_pid, calls[0].pid)
        self.v2_image()

    def test_patch_outlives_a_restart_inside_its_block(self):
        self.v2_image()
        with self.api_server.patch(LIST, returns=[]):
            self.stop_server(self.api_server, 'API server')
            self.start_server(self.api_server, True, expect_exit=False,
                              **self.server_kwargs())
            self.assertEqual([], self.v2.ids())
        self.assertEqual(1, len(self.v2.ids()))

    def test_patch_and_clock_survive_a_reload(self):
        self.v2_image()
        self.api_server.clock.freeze(1000000000)
        with self.api_server.patch(LIST, returns=[]):
            pid = self.api_server.process_pid
            self.reload_server(self.api_server, True, expect_exit=False,
                               **self.server_kwargs())
            self.assertEqual(pid, self.api_server.process.pid)
            self.assertEqual([], self.v2.ids())
        self.assertEqual(1, len(self.v2.ids()))
        self.assertEqual('2001-09-09T01:46:40Z',
                         self.v2_image()['created_at'])

    def test_not_python_says_so(self):
        sleeper = server_mod.Server(self.test_dir, None)
        sleeper.server_name = 'sleeper'
        sleeper.command = [shutil.which('sleep'), '60']
        self.launched_servers.append(sleeper)
        error = self.assertRaises(errors.NotPythonError,
                                  sleeper.patch(LIST).__enter__)
        self.assertIn('the sleeper server runs %s, not a Python program'
                      % sleeper.command[0], str(error))
        self.assertEqual(1, len(str(error).splitlines()))
        sleeper.start(expect_exit=False)
        self.assertRaises(errors.NotPythonError, sleeper.clock.advance, 5)
        self.assertRaises(errors.NotPythonError, sleeper.spy(LIST).__enter__)
        self.clock.advance(5)  # the test's clock skips it
        self.assertEqual([], self.v2.ids())


def descriptors(pid):
    """Descriptors of process *pid*, TCP sockets aside (HTTP connections
    the server closes in its own time)."""
    tcp = set()
    for name in ('tcp', 'tcp6'):
        with open('/proc/%d/net/%s' % (pid, name)) as handle:
            tcp.update(line.split()[9] for line in list(handle)[1:])
    links = []
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            links.append(os.readlink('/proc/%d/fd/%s' % (pid, fd)))
        except FileNotFoundError:
            continue
    return len([link for link in links
                if link.strip('socket:[]') not in tcp])


class TestLeaks(inject_support.InjectTest):

    def test_patch_cycles_leak_nothing(self):
        def snapshot():
            pids = [self.api_server.process_pid] + sorted(
                test_workers.children_of(self.api_server.process_pid))
            return ({pid: (descriptors(pid),
                           len(os.listdir('/proc/%d/task' % pid)))
                     for pid in pids},
                    len(os.listdir('/proc/self/fd')),
                    threading.active_count(),
                    sorted(test_workers.children_of(os.getpid())))
        self.v2_image()
        before = snapshot()
        for n in range(CYCLES):
            with self.api_server.patch(LIST, returns=[]):
                with self.api_server.spy(CREATE):
                    pass
        self.assertEqual(before, snapshot())
        self.assertEqual(1, len(self.v2.ids()))


class TestWorkers(inject_support.InjectTest):
    """Every worker is patched: those running and a respawned one."""

    workers = 2
    preload = True

    def workers_seen(self, calls, wanted):
        """Ask until *calls* came from every pid in *wanted*."""
        def seen():
            self.assertEqual([], self.v2.ids())  # patched, whoever serves
            return wanted <= {call.pid for call in calls}
        v1.wait_for(seen)

    def test_patch_reaches_every_worker_and_respawned_ones(self):
        parent = self.api_server.process_pid
        self.v2_image()
        workers = test_workers.children_of(parent)
        self.assertEqual(2, len(workers))
        with self.api_server.patch(LIST, returns=[]), \
                self.api_server.spy(LIST) as calls:
            self.workers_seen(calls, workers)
            victim = sorted(workers)[0]
            os.kill(victim, signal.SIGTERM)  # exit 0: respawned

            def respawned():
                now = test_workers.children_of(parent)
                return now if len(now) == 2 and victim not in now else None
            fresh = v1.wait_for(respawned) - workers
            self.workers_seen(calls, fresh)
        self.assertEqual(1, len(self.v2.ids()))


class TestWorkersExec(TestWorkers):
    """The same, the API started with fork/exec."""

    preload = False


for _base in (TestPatch, TestLeaks):
    inject_support.variants(_base, globals())
del _base
