"""The per-test directory, removed or kept (``HARNESS_KEEP_TEST_DIR``)."""

import os
import shutil
import tempfile

import fixtures
import testtools

from harness import errors
from harness.process import testdir


class TestDirTest(testtools.TestCase):

    def keep(self, value):
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_KEEP_TEST_DIR', value))

    def test_removed_by_default(self):
        self.keep(None)
        with testdir.TestDir() as made:
            path = made.path
            self.assertTrue(os.path.isdir(path))
            self.assertNotIn('test_dir', made.getDetails())
        self.assertFalse(os.path.exists(path))

    def test_zero_removes(self):
        self.keep('0')
        with testdir.TestDir() as made:
            path = made.path
        self.assertFalse(os.path.exists(path))

    def test_one_keeps_in_the_temp_dir_and_says_where(self):
        self.keep('1')
        with testdir.TestDir() as made:
            path = made.path
            detail = made.getDetails()['test_dir'].as_text()
        self.addCleanup(shutil.rmtree, path, True)
        self.assertTrue(os.path.isdir(path))
        self.assertEqual(tempfile.gettempdir(), os.path.dirname(path))
        self.assertIn(path, detail)

    def test_a_directory_keeps_there(self):
        root = self.useFixture(fixtures.TempDir()).path
        self.keep(root)
        with testdir.TestDir() as made:
            path = made.path
        self.assertEqual(root, os.path.dirname(path))
        self.assertTrue(os.path.isdir(path))

    def test_a_missing_directory_is_a_clear_error(self):
        self.keep('/nonexistent/harness-keep')
        exc = self.assertRaises(errors.ConfigError, testdir.keep_root)
        self.assertIn('HARNESS_KEEP_TEST_DIR=/nonexistent/harness-keep',
                      str(exc))
        self.assertIn('not an existing directory', str(exc))
