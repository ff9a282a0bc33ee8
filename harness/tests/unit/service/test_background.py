"""Unit tests of the service's background jobs (real threads, in process)
and of the agent's idle wait over several kinds of work."""

import io
import os
import threading
import time

import fixtures
import testtools

from harness.agent import hooks
from harness.service import background

TIMEOUT = 30


class HeldReader(object):
    """A source whose first read waits for *release*."""

    def __init__(self, release):
        self.release = release
        self.inner = io.BytesIO(b'data')

    def read(self, size=-1):
        self.release.wait(TIMEOUT)
        return self.inner.read(size)

    def close(self):
        self.inner.close()


class TestJobs(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # The jobs register with the agent's hooks: this test's own list.
        self.useFixture(fixtures.MonkeyPatch(
            'harness.agent.hooks._idle_waiters', []))
        self.jobs = background.Jobs()
        self.release = threading.Event()
        self.addCleanup(self.release.set)
        self.seen = []

    def reading(self, job):
        """A job reading its source through the guard."""
        with job.guard(HeldReader(self.release)) as reader:
            self.seen.append(reader.read())

    def test_counts_until_it_ends(self):
        self.assertEqual(0, hooks.wait_idle(0))  # nothing registered yet
        self.jobs.start('reader', self.reading)
        self.assertEqual(1, hooks.wait_idle(0))
        self.release.set()
        self.assertEqual(0, hooks.wait_idle(TIMEOUT))
        self.assertEqual([b'data'], self.seen)

    def test_stop_ends_a_reading_job_at_its_read(self):
        abandoned = []
        self.jobs.start('reader', self.reading,
                        lambda: abandoned.append(True))
        self.release.set()  # the read returns: the guard sees the stop
        self.assertEqual(0, self.jobs.stop(time.monotonic() + TIMEOUT))
        self.assertEqual(0, self.jobs.wait_idle(0))
        self.assertEqual([], abandoned)

    def test_stop_abandons_a_job_stuck_on_its_source(self):
        abandoned = []
        self.jobs.start('stuck', self.reading,
                        lambda: abandoned.append(True))
        self.assertEqual(1, self.jobs.stop(time.monotonic() + 0.1))
        self.assertEqual([True], abandoned)
        # Woken later, the job reads nothing more: Stopped ends it.
        self.release.set()
        self.assertEqual(0, self.jobs.wait_idle(TIMEOUT))
        self.assertEqual([], self.seen)

    def test_a_job_started_while_stopping_is_stopped(self):
        self.jobs.stop(time.monotonic())
        self.release.set()
        self.jobs.start('late', self.reading)
        self.assertEqual(0, self.jobs.wait_idle(TIMEOUT))
        self.assertEqual([], self.seen)

    def test_a_failing_job_is_no_longer_counted(self):
        def fails(job):
            raise ValueError('broken')
        self.jobs.start('fails', fails)
        self.assertEqual(0, self.jobs.wait_idle(TIMEOUT))


class TestIdleWait(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MonkeyPatch(
            'harness.agent.hooks._idle_waiters', []))

    def test_work_started_while_another_kind_is_waited_for(self):
        # Jobs are asked first, then a request that starts one ends.
        jobs = background.Jobs()
        release = threading.Event()
        self.addCleanup(release.set)

        jobs.start('earlier', lambda job: None)  # registers the jobs
        self.assertEqual(0, jobs.wait_idle(TIMEOUT))
        started = []

        def requests(timeout):
            if not started:
                started.append(jobs.start(
                    'job', lambda job: release.wait(TIMEOUT)))
            return 0
        hooks.register_idle(requests)
        self.assertEqual(1, hooks.wait_idle(0.2))


class TestOneMechanism(testtools.TestCase):

    #: The service's threads that are no request's background work: the
    #: lifeline watcher, a request's own MD5 helper, the request pool.
    NOT_BACKGROUND = {'runtime.py', 'store/streaming.py', 'wsgi/pool.py'}

    def test_only_background_starts_work_threads(self):
        root = os.path.dirname(background.__file__)
        found = set()
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                if not name.endswith('.py'):
                    continue
                with open(path) as handle:
                    if 'Thread(' in handle.read():
                        found.add(os.path.relpath(path, root))
        self.assertEqual(self.NOT_BACKGROUND | {'background.py'}, found)
