"""A pre-fork API is ready only once its workers serve.

``start_servers()`` returns when the API said it is ready; with
``workers = 2`` that must mean both workers are forked and inside their
accept loop, so a test can signal them at once (Glance's
``test_interrupt_avoids_respawn_storm`` sends them SIGINT right away).
Each class runs preloaded and with fork/exec.
"""

import signal

import fixtures

from harness import errors
from harness import functional
from harness.process import launch
from harness import readiness
from harness.tests.functional import test_preload
from harness.tests.functional import test_workers

WORKERS = 2
#: Starts per launch path: the window of the old early "ready" was a few
#: milliseconds, so one start proves little.
STARTS = 50
RELOADS = 10
#: Patched in the workers only: a worker that fails before it accepts.
WORKER_SETUP = 'harness.service.runtime.Runtime.after_fork_in_child'


class TestWorkersReady(functional.FunctionalTest):
    """Preloaded (forked from the fork-server)."""

    preload = True

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_PRELOAD', '1' if self.preload else '0'))
        self.api_server.workers = WORKERS

    def serving_workers(self, parent):
        """The children of *parent* that have set up as workers (they
        ignore SIGINT once they did) and the other ones."""
        children = test_workers.children_of(parent)
        serving = {pid for pid in children
                   if signal.SIGINT in test_workers.ignored_signals(pid)}
        return serving, children - serving

    def test_workers_serve_when_start_servers_returns(self):
        kwargs = self.__dict__.copy()
        for attempt in range(STARTS):
            self.start_servers(**kwargs)
            parent = self.api_server.process_pid
            serving, others = self.serving_workers(parent)
            preloaded = test_preload.is_preloaded(parent)
            self.stop_servers()
            self.assertEqual(self.preload, preloaded)
            self.assertEqual((WORKERS, set()), (len(serving), others),
                             'start %d of %d: workers %s, not set up %s'
                             % (attempt + 1, STARTS, sorted(serving),
                                sorted(others)))

    def test_workers_serve_when_a_reload_returns(self):
        # SIGHUP: the parent stops its workers, re-executes itself and
        # forks new ones; the harness's reload() waits for its ready byte.
        self.start_servers(**self.__dict__.copy())
        parent = self.api_server.process_pid
        before, _ = self.serving_workers(parent)
        for attempt in range(RELOADS):
            self.api_server.reload()
            serving, others = self.serving_workers(parent)
            self.assertEqual(
                (parent, WORKERS, set(), set()),
                (self.api_server.process_pid, len(serving), others,
                 serving & before),
                'reload %d of %d: workers %s (before %s), not set up %s'
                % (attempt + 1, RELOADS, sorted(serving), sorted(before),
                   sorted(others)))
            before = serving

    def test_a_worker_dying_during_the_start_fails_it(self):
        boom = errors.StartupError('this worker cannot set up')
        with self.api_server.patch(WORKER_SETUP, raises=boom):
            proc = self.api_server.launch(**self.__dict__.copy())
            error = self.assertRaises(
                errors.ServerDiedError, readiness.wait, [proc],
                launch.READY_TIMEOUT,
                probes={proc: self.api_server.ready_check()})
        self.assertEqual(('api', self.api_server.process_pid, 1),
                         (error.name, error.pid, error.returncode))
        self.assertIn('exited with status 1 before it was ready',
                      str(error))
        # The reason, not just the status: what the worker died of.
        self.assertIn('this worker cannot set up', error.log_tail)
        self.assertIn('before it was ready', error.log_tail)


class TestWorkersReadyExec(TestWorkersReady):
    """Fork/exec (``HARNESS_PRELOAD=0``)."""

    preload = False
