"""``python -m harness.cmd.manage`` as a real process, on sqlite."""

import os
import sqlite3
import subprocess
import sys

import fixtures
import testtools

from harness.cmd import manage


class TestManageProgram(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.db_file = os.path.join(self.root, 'tests.sqlite')
        self.conf_file = self.write_conf(
            'harness-manage.conf',
            '[DEFAULT]\nsql_connection = sqlite:///%s' % self.db_file)

    def write_conf(self, name, text):
        path = os.path.join(self.root, name)
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    def manage(self, *args, conf_file=None, cwd=None):
        command = [sys.executable, '-m', 'harness.cmd.manage']
        if conf_file is not False:
            command += ['--config-file', conf_file or self.conf_file]
        return subprocess.run(command + list(args), capture_output=True,
                              text=True, timeout=120, cwd=cwd,
                              stdin=subprocess.DEVNULL)

    def assert_ok(self, proc, stdout=''):
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual(stdout, proc.stdout)

    def test_sync_then_version(self):
        self.assert_ok(self.manage('db', 'sync'))
        self.assert_ok(self.manage('db', 'version'), '34\n')
        tables = {row[0] for row in sqlite3.connect(self.db_file).execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.assertIn('images', tables)

    def test_sync_is_idempotent(self):
        self.assert_ok(self.manage('db', 'sync'))
        self.assert_ok(self.manage('db', 'sync'))
        self.assert_ok(self.manage('db_version'), '34\n')

    def test_legacy_spellings(self):
        self.assert_ok(self.manage('db_sync', '34'))
        self.assert_ok(self.manage('db_downgrade', '0'))
        self.assert_ok(self.manage('db_version'), '0\n')
        self.assert_ok(self.manage('db_upgrade'))
        self.assert_ok(self.manage('db', 'version'), '34\n')

    def test_downgrade_upgrade_with_options(self):
        self.assert_ok(self.manage('db', 'sync', '--version', '34'))
        self.assert_ok(self.manage('db', 'downgrade', '--version', '0'))
        self.assert_ok(self.manage('db', 'upgrade', '--version', '34'))
        self.assert_ok(self.manage('db', 'version'), '34\n')

    def test_tables_without_version_control(self):
        connection = sqlite3.connect(self.db_file)
        connection.execute('CREATE TABLE images (id VARCHAR(36))')
        connection.commit()
        connection.close()
        proc = self.manage('db', 'sync')
        self.assertEqual(1, proc.returncode)
        self.assertEqual('', proc.stdout)
        self.assertEqual(
            'ERROR: The database is not under version control, but has '
            'tables. Please stamp the current version of the schema '
            'manually.\n', proc.stderr)
        # Stamping it, as the message says, is the way out.
        self.assert_ok(self.manage('db', 'version_control', '--version',
                                   '34'))
        self.assert_ok(self.manage('db', 'version'), '34\n')

    def test_sync_with_current_version(self):
        self.assert_ok(self.manage('db', 'sync', '--current_version', '0'))
        self.assert_ok(self.manage('db', 'version'), '34\n')

    def test_database_section_connection(self):
        conf = self.write_conf('other.conf', '[database]\nconnection = '
                               'sqlite:///%s' % self.db_file)
        self.assert_ok(self.manage('db', 'sync', conf_file=conf))
        self.assert_ok(self.manage('db', 'version', conf_file=conf), '34\n')

    def test_errors_are_one_line(self):
        proc = self.manage('db', 'sync', '--version', '7')
        self.assertEqual(1, proc.returncode)
        self.assertEqual('ERROR: Unknown database version 7; known '
                         'versions: 0, 34\n', proc.stderr)
        conf = self.write_conf('empty.conf', '[DEFAULT]\n')
        proc = self.manage('db', 'sync', conf_file=conf)
        self.assertEqual(1, proc.returncode)
        self.assertIn('ERROR: No database configured', proc.stderr)

    def test_default_config_file_is_searched(self):
        # Without --config-file, harness-registry.conf is looked for in
        # the search directories, ~/.harness first.
        home = os.path.join(self.root, 'home')
        os.makedirs(os.path.join(home, '.harness'))
        with open(os.path.join(home, '.harness', 'harness-registry.conf'),
                  'w') as handle:
            handle.write('[DEFAULT]\nsql_connection = sqlite:///%s\n'
                         % self.db_file)
        self.useFixture(fixtures.EnvironmentVariable('HOME', home))
        self.assert_ok(self.manage('db', 'sync', conf_file=False))
        self.assert_ok(self.manage('db', 'version', conf_file=False),
                       '34\n')

    def test_usage_error_exits_2(self):
        proc = self.manage('db', 'frobnicate')
        self.assertEqual(2, proc.returncode)


class TestParser(testtools.TestCase):

    def test_db_commands(self):
        parser = manage.build_parser()
        args = parser.parse_args(['db', 'sync', '--version', '3',
                                  '--current_version', '1'])
        self.assertEqual(('sync', '3', '1'),
                         (args.action, args.version, args.current_version))
        args = parser.parse_args(['db_sync', '5'])
        self.assertEqual(('sync', '5', None),
                         (args.action, args.version, args.current_version))
        args = parser.parse_args(['db_version_control'])
        self.assertEqual(('version_control', None),
                         (args.action, args.version))
