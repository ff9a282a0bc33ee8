"""Scrub queue files, the daemon loop and the scrubber program."""

import os
import select
import signal
import subprocess
import sys
import uuid

import fixtures
import testtools

from harness.cmd import scrubber as scrubber_cmd
from harness.service import scrub_queue

NOW = 1400000000


def new_id():
    return str(uuid.uuid4())


class TestQueueFormat(testtools.TestCase):

    def test_round_trip(self):
        records = [scrub_queue.Record('file:///a', 1),
                   scrub_queue.Record('file:///b', 2)]
        text = scrub_queue.format_queue(records)
        self.assertEqual('file:///a\n1\nfile:///b\n2', text)
        self.assertEqual(records, scrub_queue.parse_queue(text))

    def test_blank_lines_and_trailing_newline_are_ignored(self):
        self.assertEqual([scrub_queue.Record('u', 5)],
                         scrub_queue.parse_queue('\nu\n5\n\n'))

    def test_malformed(self):
        self.assertRaises(scrub_queue.QueueFileError, scrub_queue.parse_queue,
                          'u\n5\nv')
        self.assertRaises(scrub_queue.QueueFileError, scrub_queue.parse_queue,
                          'u\nsoon')


class TestScrubQueue(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.queue = scrub_queue.ScrubQueue(os.path.join(self.root, 'q'),
                                            os.path.join(self.root, 'locks'))

    def test_add_appends_and_sets_times(self):
        image_id = new_id()
        self.queue.add(image_id, 'file:///a', NOW)
        self.queue.add(image_id, 'file:///b', NOW + 5)
        path = self.queue.path(image_id)
        with open(path) as handle:
            self.assertEqual('file:///a\n%d\nfile:///b\n%d'
                             % (NOW, NOW + 5), handle.read())
        self.assertEqual(0o600, os.stat(path).st_mode & 0o777)
        self.assertEqual(NOW + 5, os.stat(path).st_mtime)
        self.assertTrue(os.path.exists(os.path.join(
            self.root, 'locks', 'harness-scrubber-' + image_id)))

    def test_write_nothing_removes_the_file(self):
        image_id = new_id()
        self.queue.add(image_id, 'file:///a', NOW)
        self.queue.write(image_id, [])
        self.assertFalse(os.path.exists(self.queue.path(image_id)))
        self.queue.write(image_id, [])

    def test_image_ids_are_uuid_named_files(self):
        image_id = new_id()
        self.queue.add(image_id, 'file:///a', NOW)
        for name in ('not-a-uuid', image_id.upper()):
            open(os.path.join(self.queue.datadir, name), 'w').close()
        os.mkdir(os.path.join(self.queue.datadir, new_id()))
        self.assertEqual([image_id], self.queue.image_ids())

    def test_missing_directory_has_no_ids(self):
        self.assertEqual([], self.queue.image_ids())


class FakeRuntime(object):
    """Replays *batches* of events from ``wait``; records the calls."""

    def __init__(self, *batches):
        self.batches = list(batches)
        self.calls = []

    def wait(self, timeout):
        self.calls.append(('wait', timeout))
        return self.batches.pop(0)

    def notify_ready(self):
        self.calls.append(('ready',))


class CountingScrubber(object):

    def __init__(self, calls):
        self.calls = calls

    def run(self):
        self.calls.append(('run',))


class TestDaemonLoop(testtools.TestCase):

    def _run(self, *batches, wakeup=2):
        runtime = FakeRuntime(*batches)
        status = scrubber_cmd.run_daemon(
            CountingScrubber(runtime.calls), runtime, wakeup)
        self.assertEqual(0, status)
        return [call[0] for call in runtime.calls]

    def test_runs_first_then_ready_then_stops_on_term(self):
        self.assertEqual(['run', 'ready', 'wait'], self._run(['TERM']))

    def test_runs_again_after_each_timeout(self):
        self.assertEqual(['run', 'ready', 'wait', 'run', 'wait', 'run',
                          'wait'], self._run([], [], ['INT'], wakeup=0))

    def test_other_events_do_not_stop_it(self):
        calls = self._run(['HUP', 'CHLD'], ['LIFELINE'], wakeup=3600)
        self.assertEqual(['run', 'ready', 'wait', 'wait'], calls)


class TestScrubberProgram(testtools.TestCase):
    """``python -m harness.cmd.scrubber`` as a real process."""

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.datadir = os.path.join(self.root, 'scrubber')
        self.conf_file = os.path.join(self.root, 'scrubber.conf')
        self.log_file = os.path.join(self.root, 'scrubber.log')
        with open(self.conf_file, 'w') as handle:
            handle.write('[DEFAULT]\nverbose = True\ndebug = False\n'
                         'log_file = %s\ndaemon = False\nwakeup_time = 2\n'
                         'scrubber_datadir = %s\nlock_path = %s\n'
                         'registry_host = 127.0.0.1\nregistry_port = 1\n'
                         'swift_store_user = \n'
                         % (self.log_file, self.datadir, self.root))

    def command(self, *extra):
        return [sys.executable, '-m', 'harness.cmd.scrubber',
                '--config-file', self.conf_file] + list(extra)

    def test_one_run_without_registry_keeps_the_queue_and_exits_0(self):
        image_id = new_id()
        scrub_queue.ScrubQueue(self.datadir, self.root).add(
            image_id, 'file:///x', 1)
        proc = subprocess.run(self.command(), capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual('', proc.stdout)
        # Nothing is deleted unless the registry confirms pending_delete.
        self.assertEqual([image_id], scrub_queue.ScrubQueue(
            self.datadir).image_ids())
        with open(self.log_file) as handle:
            self.assertIn('Cannot read image %s from the registry'
                          % image_id, handle.read())

    def test_daemon_stops_on_sigterm(self):
        ready_r, ready_w = os.pipe()
        self.addCleanup(os.close, ready_r)
        env = dict(os.environ, HARNESS_READY_FD=str(ready_w))
        proc = subprocess.Popen(self.command('-D'), env=env,
                                pass_fds=[ready_w],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        os.close(ready_w)
        self.addCleanup(self._reap, proc)
        readable, _, _ = select.select([ready_r], [], [], 30)
        self.assertEqual([ready_r], readable, 'scrubber never got ready')
        self.assertEqual(b'1', os.read(ready_r, 1))
        self.assertTrue(os.path.isdir(self.datadir))
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(0, proc.returncode, err)
        with open(self.log_file) as handle:
            self.assertIn('Daemon Shutdown on SIGTERM', handle.read())

    @staticmethod
    def _reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
