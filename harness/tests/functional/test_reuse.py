"""The reused stack's reset is real: what one test leaves, the next never
sees, and what cannot be reset gets the next test a fresh stack.

Each test here plays two consecutive tests on one
:class:`harness.stack.reuse.ReusableStack` (``begin`` ... ``end``, then
``begin`` again), with real servers and a real database.
"""

import datetime
import json
import os
import signal
import threading
import time

import testtools

from harness.agent import messages
from harness.databases import provision as database
from harness.process import readiness
from harness.stack import reuse
from harness.tests.functional import cache_support
from harness.tests.functional import client
from harness.tests.functional import v1_support as v1

UTC = datetime.timezone.utc
IMAGE_HEADERS = {'Content-Type': 'application/octet-stream',
                 'x-image-meta-name': 'Image1',
                 'x-image-meta-is_public': 'True',
                 'x-image-meta-disk_format': 'raw',
                 'x-image-meta-container_format': 'ovf'}


def pids(stack):
    return (stack.api_server.process.pid, stack.registry_server.process.pid)


def listing(stack, path):
    status, _, body = client.request(stack.api_port, 'GET', path)
    assert status == 200, (status, body)
    return json.loads(body)


def create_v1(stack, data=b'*' * 1024):
    status, _, body = client.request(stack.api_port, 'POST', '/v1/images',
                                     dict(IMAGE_HEADERS), data)
    assert status == 201, (status, body)
    return json.loads(body)['image']['id']


class ReuseTestBase(testtools.TestCase):

    def reused(self, **kwargs):
        stack = reuse.ReusableStack(**kwargs)
        self.addCleanup(stack.stop)
        stack.begin()
        self.assertEqual('fresh', stack.last_reset)
        return stack

    def next_test(self, stack, failed=False, **kwargs):
        """End the test being played; begin the next one."""
        stack.end(failed)
        return stack.begin(**kwargs)

    def assert_reset(self, stack, before):
        self.assertEqual('reset', stack.last_reset)
        self.assertEqual(before, pids(stack))

    def assert_restarted(self, stack, before, why):
        self.assertIn(why, stack.last_reset)
        self.assertTrue(stack.last_reset.startswith('restart: '))
        self.assertNotEqual(before[0], pids(stack)[0])
        self.assertNotEqual(before[1], pids(stack)[1])


class TestResetIsReal(ReuseTestBase):

    def test_v1_image_gone(self):
        stack = self.reused()
        before = pids(stack)
        image_id = create_v1(stack)
        image_path = os.path.join(stack.api_server.image_dir, image_id)
        self.assertTrue(os.path.exists(image_path))
        self.next_test(stack)
        self.assert_reset(stack, before)
        self.assertEqual({'images': []}, listing(stack, '/v1/images'))
        self.assertFalse(os.path.exists(image_path))
        status, _, _ = client.request(stack.api_port, 'HEAD',
                                      '/v1/images/%s' % image_id)
        self.assertEqual(404, status)

    def test_v2_image_gone(self):
        stack = self.reused()
        before = pids(stack)
        status, _, body = client.request(
            stack.api_port, 'POST', '/v2/images',
            {'Content-Type': 'application/json'},
            json.dumps({'name': 'v2', 'disk_format': 'raw',
                        'container_format': 'bare', 'tags': ['a']}))
        self.assertEqual(201, status, body)
        image_id = json.loads(body)['id']
        status, _, body = client.request(
            stack.api_port, 'PUT', '/v2/images/%s/file' % image_id,
            {'Content-Type': 'application/octet-stream'}, b'x' * 2048)
        self.assertEqual(204, status, body)
        self.next_test(stack)
        self.assert_reset(stack, before)
        self.assertEqual([], listing(stack, '/v2/images')['images'])
        self.assertEqual([], os.listdir(stack.api_server.image_dir))

    def test_cache_entry_gone(self):
        stack = self.reused(api={'deployment_flavor': 'caching'})
        before = pids(stack)
        image_id = create_v1(stack, b'c' * 4096)
        status, _, body = client.request(stack.api_port, 'GET',
                                         '/v1/images/%s' % image_id)
        self.assertEqual(200, status)
        cache_support.wait_hits(stack, image_id, 0)
        self.assertEqual([image_id], cache_support.entries(stack))
        self.next_test(stack)
        self.assert_reset(stack, before)
        self.assertEqual([], cache_support.entries(stack))
        self.assertIsNone(cache_support.hits(stack, image_id))
        # The emptied index still serves: a new image is cached again.
        image_id = create_v1(stack, b'd' * 4096)
        client.request(stack.api_port, 'GET', '/v1/images/%s' % image_id)
        cache_support.wait_hits(stack, image_id, 0)

    def test_scrub_record_gone(self):
        stack = self.reused(delayed_delete=True, scrub_time=3600)
        before = pids(stack)
        image_id = create_v1(stack)
        status, _, _ = client.request(stack.api_port, 'DELETE',
                                      '/v1/images/%s' % image_id)
        self.assertEqual(200, status)
        queue = stack.api_server.scrubber_datadir
        self.assertIn(image_id, os.listdir(queue))
        self.next_test(stack)
        self.assert_reset(stack, before)
        self.assertNotIn(image_id, os.listdir(queue))
        self.assertEqual([], [n for n in os.listdir(stack.test_dir)
                              if n.startswith(reuse.LOCK_PREFIX)])

    def test_scrubber_daemon_paused_and_resumed(self):
        stack = self.reused(daemon=True, delayed_delete=True, scrub_time=0,
                            wakeup_time=1)
        scrubber = stack.scrubber_daemon.process.pid
        image_id = create_v1(stack)
        self.next_test(stack)
        self.assertEqual('reset', stack.last_reset)
        self.assertEqual(scrubber, stack.scrubber_daemon.process.pid)
        # Resumed: a delayed delete made now is scrubbed by the daemon.
        image_id = create_v1(stack)
        client.request(stack.api_port, 'DELETE', '/v1/images/%s' % image_id)
        path = os.path.join(stack.api_server.image_dir, image_id)
        v1.wait_for(lambda: not os.path.exists(path))

    def test_a_scrubber_run_under_way_is_waited_for(self):
        stack = self.reused(daemon=True, delayed_delete=True, scrub_time=0,
                            wakeup_time=1)
        before = pids(stack)
        scrubber = stack.scrubber_daemon
        queue = 'harness.service.scrub_queue.ScrubQueue.'
        with scrubber.spy(queue + 'ensure_dir') as runs, \
                scrubber.patch(queue + 'image_ids', delay=2.0):
            patched = time.monotonic()
            # A run that began since: now in its 2 s image_ids, which
            # the patch coming off does not cut short.
            v1.wait_for(lambda: any(run.time > patched for run in runs))
        self.next_test(stack)
        self.assert_reset(stack, before)

    def test_conf_file_restored(self):
        stack = self.reused()
        conf = stack.api_server.conf_file_name
        with open(conf, 'rb') as handle:
            original = handle.read()
        with open(conf, 'ab') as handle:
            handle.write(b'\n# scribbled\n')
        self.next_test(stack)
        self.assertEqual('reset', stack.last_reset)
        with open(conf, 'rb') as handle:
            self.assertEqual(original, handle.read())

    def test_waits_for_a_request_left_in_flight(self):
        stack = self.reused()
        before = pids(stack)
        answers = []

        def slow_listing():
            answers.append(client.request(
                stack.api_port, 'GET', '/v1/images?name=left-in-flight'))

        with stack.registry_server.patch(
                'harness.service.db.api.image_get_all', delay=1.0):
            thread = threading.Thread(target=slow_listing)
            thread.start()
            self.addCleanup(thread.join, 60)
            v1.wait_for(lambda: stack.api_server.injector.ask(
                messages.Status())['busy'])
        # The test ends with the request still running in both servers.
        self.next_test(stack)
        self.assert_reset(stack, before)
        with open(stack.api_server.log_file) as handle:
            self.assertIn('left-in-flight', handle.read())
        thread.join(60)
        self.assertEqual(200, answers[0][0])

    def test_clock_reset(self):
        stack = self.reused()
        stack.clock.freeze(datetime.datetime(2001, 2, 3, tzinfo=UTC))
        image_id = create_v1(stack)
        status, headers, _ = client.request(stack.api_port, 'HEAD',
                                            '/v1/images/%s' % image_id)
        self.assertIn('2001-02-03', str(headers))
        self.next_test(stack)
        self.assertEqual('reset', stack.last_reset)
        image_id = create_v1(stack)
        status, headers, _ = client.request(stack.api_port, 'HEAD',
                                            '/v1/images/%s' % image_id)
        self.assertNotIn('2001-02-03', str(headers))


class TestFreshStack(ReuseTestBase):

    def test_policy_change_restarts(self):
        stack = self.reused()
        before = pids(stack)
        with open(stack.policy_file, 'rb') as handle:
            original = handle.read()
        with open(stack.policy_file, 'w') as handle:
            json.dump({'default': '', 'get_images': '!'}, handle)
        status, _, _ = client.request(stack.api_port, 'GET', '/v1/images')
        self.assertEqual(403, status)
        self.next_test(stack)
        self.assert_restarted(stack, before, 'policy')
        with open(stack.policy_file, 'rb') as handle:
            self.assertEqual(original, handle.read())
        self.assertEqual({'images': []}, listing(stack, '/v1/images'))

    def test_failed_test_restarts(self):
        stack = self.reused()
        before = pids(stack)
        self.next_test(stack, failed=True)
        self.assert_restarted(stack, before, 'failed')

    def test_stopped_server_restarts(self):
        stack = self.reused()
        before = pids(stack)
        stack.registry_server.stop()
        self.next_test(stack)
        self.assert_restarted(stack, before, 'registry server was stopped')

    def test_reloaded_server_restarts(self):
        stack = self.reused()
        before = pids(stack)
        stack.api_server.reload()
        self.assertEqual(before[0], stack.api_server.process.pid)
        self.next_test(stack)
        self.assert_restarted(stack, before, 'api server was reloaded')

    def test_sighup_behind_the_harness_back_restarts(self):
        stack = self.reused()
        before = pids(stack)
        proc = stack.api_server.process
        proc.expect_ready_again()
        os.kill(proc.pid, signal.SIGHUP)
        readiness.wait([proc], 30,
                       probes={proc: stack.api_server.ready_check()})
        self.next_test(stack)
        self.assert_restarted(stack, before, 'api server was reloaded')

    def test_non_default_kwargs_get_their_own_stack(self):
        stack = self.reused()
        before = pids(stack)
        self.next_test(stack, enable_v1_api=False)
        self.assert_restarted(stack, before, 'non-default')
        status, _, _ = client.request(stack.api_port, 'GET', '/v1/images')
        self.assertEqual(300, status)
        own = pids(stack)
        self.next_test(stack)
        self.assert_restarted(stack, own, 'non-default')
        self.assertEqual({'images': []}, listing(stack, '/v1/images'))

    def test_row_appearing_during_the_reset_restarts(self):
        # A trigger adds a row to a table the reset emptied already: the
        # verification finds it.
        stack = self.reused()
        url = stack.registry_server.sql_connection
        before = pids(stack)
        create_v1(stack)
        run = _sql_runner(stack)
        run(_ghost_trigger(url))
        self.addCleanup(_drop_trigger, stack, url)
        self.next_test(stack)
        self.assert_restarted(stack, before, 'rows left after the reset')
        self.assertIn("'%s': 1" % _ghost_table(url), stack.last_reset)


def _sql_runner(stack):
    from sqlalchemy import create_engine
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    def run(sql):
        engine = create_engine(stack.registry_server.sql_connection,
                               poolclass=NullPool)
        try:
            with engine.begin() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()
    return run


def _ghost_table(url):
    """A table the reset empties before ``images`` (sqlite: in name order;
    the others: children first)."""
    return 'image_properties' if database.is_sqlite(url) else 'tasks'


def _ghost_trigger(url):
    """A trigger adding a row to :func:`_ghost_table` per deleted image."""
    if database.is_sqlite(url):
        return ("CREATE TRIGGER ghost AFTER DELETE ON images BEGIN "
                "INSERT INTO image_properties (image_id, name, value, "
                "created_at, deleted) VALUES (OLD.id, 'ghost', 'x', "
                "'2001-01-01 00:00:00', 0); END")
    if 'postgresql' in url:
        return ("CREATE FUNCTION ghost() RETURNS trigger AS $$ BEGIN "
                "INSERT INTO tasks (id, type, status, owner, created_at, "
                "deleted) VALUES (md5(random()::text), 'import', 'pending', "
                "'ghost', now(), false); RETURN OLD; END $$ "
                "LANGUAGE plpgsql; "
                "CREATE TRIGGER ghost AFTER DELETE ON images FOR EACH ROW "
                "EXECUTE FUNCTION ghost()")
    return ("CREATE TRIGGER ghost AFTER DELETE ON images FOR EACH ROW "
            "INSERT INTO tasks (id, type, status, owner, created_at, "
            "deleted) VALUES (UUID(), 'import', 'pending', 'ghost', NOW(), "
            "0)")


def _drop_trigger(stack, url):
    """Server databases outlive the stack: take the trigger and its rows
    out of this worker's database (sqlite: the file went with the old
    stack)."""
    if database.is_sqlite(url):
        return
    run = _sql_runner(stack)
    if 'postgresql' in url:
        run('DROP TRIGGER ghost ON images')
        run('DROP FUNCTION ghost()')
    else:
        run('DROP TRIGGER ghost')
    run('DELETE FROM tasks')
