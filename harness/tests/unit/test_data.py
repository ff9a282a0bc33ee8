"""Data files are found from any working directory."""

import json
import os

import fixtures
import testtools

from harness.glance import data
from harness import errors


class DataFileTest(testtools.TestCase):

    def test_found_from_another_directory(self):
        elsewhere = self.useFixture(fixtures.TempDir()).path
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        os.chdir(elsewhere)
        for name in data.DATA_FILES:
            self.assertTrue(os.path.isabs(data.data_file(name)))
        with open(data.data_file('policy.json')) as handle:
            rules = json.load(handle)
        self.assertEqual('role:admin', rules['context_is_admin'])

    def test_missing_file_is_a_clear_error(self):
        exc = self.assertRaises(errors.HarnessError, data.data_file, 'nope')
        self.assertIn('nope', str(exc))

    def test_rules_match_the_glance_reference(self):
        # Glance's own files do not ship with harness (this test compares
        # etc/ with them): HARNESS_REFERENCE_DIR names a copy, else the
        # development layout's one beside the checkout is looked for.
        beside = os.path.join(os.path.dirname(data.candidate_dirs()[0]),
                              '..', 'shared', 'reference',
                              'glance-2014.1-test-etc')
        reference = os.environ.get('HARNESS_REFERENCE_DIR') or beside
        if not os.path.isdir(reference):
            self.skipTest(
                "Glance 2014.1's test data (glance/tests/etc: %s) not found"
                ' at %s: set HARNESS_REFERENCE_DIR to a copy of that folder'
                " to compare etc/ with Glance's files"
                % (', '.join(data.DATA_FILES), os.path.normpath(reference)))
        import configparser
        for name in data.DATA_FILES:
            ours, theirs = (os.path.join(d, name)
                            for d in (data.candidate_dirs()[0], reference))
            if name.endswith('.json'):
                with open(ours) as a, open(theirs) as b:
                    self.assertEqual(json.load(b), json.load(a))
                continue
            parsed = []
            for path in (ours, theirs):
                parser = configparser.RawConfigParser()
                parser.read(path)
                parsed.append([(s, dict(parser.items(s)))
                               for s in parser.sections()])
            self.assertEqual(parsed[1], parsed[0])
