"""Work a request leaves running in the background -- a v2 import task,
a v1 copy-from -- is in flight like a request: the reused stack's reset
waits for it, a stack it outlasts is replaced, and a stopping server
marks what it abandons.

The window is made deterministic inside the API server: a ``delay=``
patch holds the task in its source's ``get`` (before it creates its
image) or the copy in its first read of the source (its partial file is
open), never a slow source and a sleep in the test.  The patch is
removed (as any test must, before it ends) only once the work reached
the patched call: a spy saw the task find its store, the call right
before ``get``, or the copy's job check that it may read, the call right
before the read.
"""

import json
import os
import re
import time

import fixtures
import testtools

from harness import functional
from harness import reuse
from harness.agent import messages
from harness.tests.functional import client
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

#: Where a task opens its source (it has no image yet).
SOURCE_GET = 'harness.service.store.http.HttpStore.get'
#: What the task calls right before :data:`SOURCE_GET`.
FIND_STORE = 'harness.service.store.get_store_from_uri'
#: Where a copy (or a task's upload) reads its source.
SOURCE_READ = 'harness.service.store.chunks.ChunkedReader.readinto'
#: What a background job calls right before each read of its source.
JOB_CHECK = 'harness.service.background.Job.check'
#: Shorter than :data:`harness.reuse.IDLE_TIMEOUT`: the reset waits.
SHORT_DELAY = 2.0
#: Longer than any wait here: the work is stuck until its server stops.
STUCK = 120.0
#: How long after the reset nothing may show up (what the issue asks).
RECHECK = 5.0
FAKEAUTH = {'deployment_flavor': 'fakeauth'}
STOPPED = 'the server stopped before the task finished'
UUID = '[0-9a-f-]{36}'


def import_body(url):
    return {'type': 'import',
            'input': {'import_from': url, 'import_from_format': 'raw',
                      'image_properties': {'name': 'imported',
                                           'disk_format': 'raw',
                                           'container_format': 'bare'}}}


def copy_from(port, url):
    """POST a v1 copy-from image as tenant1; return its id."""
    headers = {'X-Auth-Token': v2.TENANT1,
               'x-image-meta-name': 'copied',
               'x-image-meta-disk_format': 'raw',
               'x-image-meta-container_format': 'bare',
               'x-glance-api-copy-from': url}
    status, _, body = client.request(port, 'POST', '/v1/images', headers)
    assert status == 201, (status, body)
    return json.loads(body)['image']['id']


def v1_status(port, image_id):
    status, headers, _ = client.request(
        port, 'HEAD', '/v1/images/%s' % image_id,
        {'X-Auth-Token': v2.TENANT1})
    return status, headers.get('x-image-meta-status')


def image_files(image_dir):
    return sorted(os.listdir(image_dir)) if os.path.isdir(image_dir) else []


def leftovers(stack):
    """Images, tasks and image files a stack holds (admin's view)."""
    admin = v2.V2(stack.api_port, v2.ADMIN)
    images = [(i['name'], i['status'])
              for i in admin.json('GET', '/images')['images']]
    tasks = [(t['id'], t['status'])
             for t in admin.json('GET', '/tasks')['tasks']]
    return images, tasks, image_files(stack.api_server.image_dir)


class BackgroundTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.data = os.urandom(64 * 1024 + 3)
        remote = v1.RemoteData(self.data)
        self.addCleanup(remote.close)
        self.url = remote.url()

    def reused(self):
        stack = reuse.ReusableStack(api=FAKEAUTH, registry=FAKEAUTH)
        self.addCleanup(stack.stop)
        stack.begin()
        return stack

    def start_task(self, stack):
        """Create an import task; return it once it is opening its
        source: it found the store, its next call is the store's get."""
        owner = v2.V2(stack.api_port, v2.TENANT1)
        with stack.api_server.spy(FIND_STORE) as found:
            task = owner.json('POST', '/tasks', import_body(self.url),
                              expect=201)
            v1.wait_for(lambda: len(found))
        return task

    def start_copy(self, stack):
        """Create a copy-from image; return its id once the copy is
        reading: its job checked it may, its next call is the read."""
        with stack.api_server.spy(JOB_CHECK) as checked:
            image_id = copy_from(stack.api_port, self.url)
            v1.wait_for(lambda: len(checked))
        # Its partial file is open.
        self.assertEqual(['.%s.partial-' % image_id], [
            name[:len(image_id) + 10]
            for name in image_files(stack.api_server.image_dir)])
        return image_id

    def wait_busy(self, stack, count):
        """Wait until the API's agent counts *count* things in flight
        (the requests just answered may still be finishing: they end,
        the background work stays)."""
        v1.wait_for(lambda: stack.api_server.injector.ask(
            messages.Status())['busy'] == count)

    def assert_nothing_left(self, stack):
        """Nothing now, nor during the next :data:`RECHECK` s: the work
        of the previous test, had it outlived the reset, would write its
        image, task or file meanwhile (fails as soon as one shows)."""
        nothing = ([], [], [])
        end = time.monotonic() + RECHECK
        while True:
            self.assertEqual(nothing, leftovers(stack))
            if time.monotonic() >= end:
                return
            time.sleep(0.1)

    def api_log(self, stack):
        with open(stack.api_server.log_file) as handle:
            return handle.read()


class TestResetWaits(BackgroundTestBase):

    def test_import_task_in_flight(self):
        stack = self.reused()
        pids = stack.api_server.process.pid
        with stack.api_server.patch(SOURCE_GET, delay=SHORT_DELAY):
            task = self.start_task(stack)
            # The task runs on after its request: the agent counts it.
            self.wait_busy(stack, 1)
        # The test ends with the task waiting for its source.
        stack.end()
        stack.begin()
        self.assertEqual(('reset', pids),
                         (stack.last_reset, stack.api_server.process.pid))
        # It had ended before the reset began.
        self.assertIn('Task %s: success' % task['id'], self.api_log(stack))
        self.assert_nothing_left(stack)

    def test_copy_from_in_flight(self):
        stack = self.reused()
        pids = stack.api_server.process.pid
        with stack.api_server.patch(SOURCE_READ, delay=SHORT_DELAY):
            image_id = self.start_copy(stack)
            self.wait_busy(stack, 1)
        stack.end()
        stack.begin()
        self.assertEqual(('reset', pids),
                         (stack.last_reset, stack.api_server.process.pid))
        self.assertIn('Copied image %s from an external source' % image_id,
                      self.api_log(stack))
        self.assert_nothing_left(stack)

    def test_work_past_the_idle_timeout_gets_a_fresh_stack(self):
        # A shorter wait than the default 5 s: the same path, sooner.
        self.useFixture(fixtures.MonkeyPatch('harness.reuse.IDLE_TIMEOUT',
                                             1.0))
        stack = self.reused()
        pids = stack.api_server.process.pid
        with stack.api_server.patch(SOURCE_GET, delay=STUCK):
            self.start_task(stack)
        with stack.api_server.patch(SOURCE_READ, delay=STUCK):
            self.start_copy(stack)
        stack.end()
        stack.begin()
        self.assertEqual('restart: the api server still had 2 request(s) '
                         'or background job(s) in flight', stack.last_reset)
        self.assertNotEqual(pids, stack.api_server.process.pid)
        self.assert_nothing_left(stack)


class TestStopMarksAbandonedWork(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        remote = v1.RemoteData(os.urandom(64 * 1024 + 3))
        self.addCleanup(remote.close)
        self.url = remote.url()
        self.start_servers(**self.__dict__.copy())

    def test_sigterm(self):
        owner = v2.V2(self.api_port, v2.TENANT1)
        image_dir = self.api_server.image_dir
        with self.api_server.patch(SOURCE_READ, delay=STUCK):
            task = owner.json('POST', '/tasks', import_body(self.url),
                              expect=201)
            image_id = copy_from(self.api_port, self.url)
            # Both are reading: each holds its partial file open.
            v1.wait_for(lambda: len(image_files(image_dir)) == 2)
            # Stopped with the patch on: the reads are held for sure.
            self.assertEqual(0, self.api_server.stop()[0])
        self.assertEqual([], image_files(image_dir))
        # Started again alone (start_server would stop the registry).
        self.api_server.start(expect_exit=False, **self.__dict__.copy())
        self.assertIsNone(self.wait_for_servers([self.api_server]))
        ended = owner.json('GET', '/tasks/%s' % task['id'])
        self.assertEqual(('failure', STOPPED),
                         (ended['status'], ended.get('message')))
        self.assertEqual((200, 'killed'), v1_status(self.api_port, image_id))
        # The task's image went as a failed import's goes.
        with open(self.api_server.log_file) as handle:
            imported = re.search('Task %s imports into image (%s)' % (
                task['id'], UUID), handle.read()).group(1)
        status, _, _ = owner.request('GET', '/images/%s' % imported)
        self.assertEqual(404, status)
        self.assertEqual([], image_files(image_dir))
