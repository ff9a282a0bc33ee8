"""The servers' wall clock, moved by the test instead of waited for.

A delayed delete that is due in an hour, and a v2 task that expires two
days after it ended, are tested in milliseconds: the test advances the
clock of the real processes (``FunctionalTest.clock``,
``Server.clock``) and checks the service acts as that much time passed.
"""

import datetime
import os
import time

from harness.tests.functional import inject_support
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

HOUR = 3600
#: ``[task] task_time_to_live`` default: 48 hours.
TASK_TTL = 48 * HOUR
ENDED = ('success', 'failure')


class TestScrubberClock(inject_support.InjectTest):

    start_in_setup = False

    def setUp(self):
        super().setUp()
        # Deleted images show to admins only; the scrubber sends no token,
        # so the registry must not ask for one.
        self.v1 = v1.V1(self.api_port, {'X-Auth-Token': v2.ADMIN})
        self.registry_server.deployment_flavor = ''
        self.kwargs = self.server_kwargs(delayed_delete=True,
                                         scrub_time=HOUR)
        self.start_servers(**self.kwargs)
        self.kwargs.update(registry_port=self.registry_port)
        self.kwargs.pop('daemon', None)

    def scrub_once(self):
        exitcode, out, err = self.scrubber_daemon.start(**self.kwargs)
        self.assertEqual((0, ''), (exitcode, out), err)

    def test_delayed_delete_is_due_after_scrub_time(self):
        image = self.v1.create_ok(v1.minimal_headers('doomed'), b'x' * 5000)
        path = os.path.join(self.api_server.image_dir, image['id'])
        queued = os.path.join(self.api_server.scrubber_datadir, image['id'])
        self.assertEqual(200, self.v1.request(
            'DELETE', '/v1/images/%s' % image['id'])[0])
        self.assertEqual('pending_delete', self.v1.status_of(image['id']))
        # Not due yet: a run keeps it.
        self.scrub_once()
        self.assertEqual('pending_delete', self.v1.status_of(image['id']))
        self.assertTrue(os.path.exists(path))
        # An hour later (for every server of the test), it is scrubbed.
        self.clock.advance(HOUR + 1)
        self.scrub_once()
        self.assertEqual('deleted', self.v1.status_of(image['id']))
        self.assertFalse(os.path.exists(path))
        self.assertFalse(os.path.exists(queued))
        # Back to now: the API still works and the image stays deleted.
        self.clock.reset()
        self.assertEqual('deleted', self.v1.status_of(image['id']))
        self.v1.create_ok(v1.minimal_headers('next'))


class TestTaskExpiry(inject_support.InjectTest):

    def setUp(self):
        super().setUp()
        self.remote = v1.RemoteData(b'd' * 4096)
        self.addCleanup(self.remote.close)

    def run_task(self):
        body = {'type': 'import', 'input': {
            'import_from': self.remote.url(), 'import_from_format': 'raw',
            'image_properties': {'name': 'imported', 'disk_format': 'raw',
                                 'container_format': 'bare'}}}
        task = self.v2.json('POST', '/tasks', body, expect=201)

        def ended():
            found = self.v2.json('GET', '/tasks/%s' % task['id'])
            return found if found['status'] in ENDED else None
        return v1.wait_for(ended)

    def task_ids(self):
        return [t['id'] for t in self.v2.json('GET', '/tasks')['tasks']]

    def test_task_expires_after_its_time_to_live(self):
        task = self.run_task()
        self.assertEqual('success', task['status'], task)
        self.api_server.clock.advance(TASK_TTL - 60)
        self.assertEqual(200, self.v2.request('GET', '/tasks/%s'
                                              % task['id'])[0])
        self.api_server.clock.advance(120)
        self.assertEqual(404, self.v2.request('GET', '/tasks/%s'
                                              % task['id'])[0])
        self.assertEqual([], self.task_ids())
        # Back to now: the task stays deleted; new tasks work.
        self.api_server.clock.reset()
        self.assertEqual(404, self.v2.request('GET', '/tasks/%s'
                                              % task['id'])[0])
        fresh = self.run_task()
        self.assertEqual([fresh['id']], self.task_ids())


class TestFrozenClock(inject_support.InjectTest):

    def test_timestamps_follow_the_frozen_clock(self):
        when = datetime.datetime(2001, 2, 3, 4, 5, 6,
                                 tzinfo=datetime.timezone.utc)
        self.api_server.clock.freeze(when)
        first = self.v2_image()
        self.assertEqual('2001-02-03T04:05:06Z', first['created_at'])
        self.api_server.clock.advance(90)
        second = self.v2_image()
        self.assertEqual('2001-02-03T04:06:36Z', second['created_at'])
        self.api_server.clock.reset()
        now = self.v2_image()['created_at']
        self.assertEqual(time.strftime('%Y', time.gmtime()), now[:4])


for _base in (TestScrubberClock, TestTaskExpiry, TestFrozenClock):
    inject_support.variants(_base, globals())
del _base
