"""harness.process.logs: what a launch wrote, and each line once."""

import os

import fixtures
import testtools

from harness import errors
from harness.process import logs
from harness.process import readiness
from harness.process import server


class LinesBeyondTest(testtools.TestCase):

    def test_lines_in_the_log_are_dropped_once_each(self):
        log = 'a\nb\nb\n'
        stderr = 'a\nERROR: x\nb\nb\nb\nTraceback\n'
        self.assertEqual('ERROR: x\nb\nTraceback\n',
                         logs.lines_beyond(stderr, log))

    def test_nothing_beyond(self):
        self.assertEqual('', logs.lines_beyond('a\nb\n', 'a\nb\n'))

    def test_no_log_keeps_everything(self):
        self.assertEqual('x\ny', logs.lines_beyond('x\ny', ''))


class DetailsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.srv = server.Server(self.dir, 1)
        self.srv.server_name = 'svc'
        self.srv.log_file = os.path.join(self.dir, 'svc.log')

    def write(self, path, text):
        with open(path, 'w') as handle:
            handle.write(text)

    def test_stderr_only_for_what_the_log_lacks(self):
        self.write(self.srv.log_file, 'INFO up\n')
        self.write(self.srv.log_path('stderr'), 'INFO up\nTraceback\n')
        self.write(self.srv.log_path('stdout'), 'printed\n')
        self.assertEqual([('svc.log', 'INFO up\n'),
                          ('svc.stdout.log', 'printed\n'),
                          ('svc.stderr.log', 'Traceback\n')],
                         logs.details(self.srv))
        # The file itself keeps every byte.
        self.assertEqual('INFO up\nTraceback\n',
                         self.srv.read_output()[1])

    def test_empty_and_missing_files_are_left_out(self):
        self.write(self.srv.log_file, 'INFO up\n')
        self.write(self.srv.log_path('stderr'), 'INFO up\n')
        self.assertEqual([('svc.log', 'INFO up\n')], logs.details(self.srv))

    def test_from_offsets(self):
        self.write(self.srv.log_file, 'INFO old\nINFO new\n')
        self.write(self.srv.log_path('stderr'), 'INFO old\nINFO new\nbad\n')
        self.write(self.srv.log_path('stdout'), 'old\n')
        offsets = {self.srv.log_file: 9, self.srv.log_path('stderr'): 9,
                   self.srv.log_path('stdout'): 4}
        self.assertEqual([('svc.log', 'INFO new\n'),
                          ('svc.stderr.log', 'bad\n')],
                         logs.details(self.srv, offsets))

    def test_the_files_of_a_server(self):
        self.assertEqual([self.srv.log_file, self.srv.log_path('stdout'),
                          self.srv.log_path('stderr')], logs.paths(self.srv))
        self.srv.log_file = None
        self.assertEqual([self.srv.log_path('stdout'),
                          self.srv.log_path('stderr')], logs.paths(self.srv))

    def test_output_since_launch(self):
        self.write(self.srv.log_path('stdout'), 'old run\n')
        self.srv._mark_logs()
        with open(self.srv.log_path('stdout'), 'a') as handle:
            handle.write('new run\n')
        self.assertEqual('new run\n', self.srv.output_since_launch())


class LogMatchDeclarationTest(testtools.TestCase):

    def test_a_bad_declaration_fails_where_it_is_made(self):
        exc = self.assertRaises(errors.HarnessError, readiness.LogMatch,
                                'ready', source='journal')
        self.assertIn("not 'journal'", str(exc))
        exc = self.assertRaises(errors.HarnessError, readiness.LogMatch,
                                'ready (')
        self.assertIn("LogMatch pattern 'ready ('", str(exc))
