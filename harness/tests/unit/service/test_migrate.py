"""Migrations on SQLite, MariaDB and PostgreSQL (scratch databases)."""

import sqlalchemy as sa
import testtools

from harness.errors import HarnessError
from harness.service import errors
from harness.service.db import migrate
from harness.tests.unit.service import dbtest_helpers

LEVEL_34_TABLES = ['alembic_version', 'image_locations', 'image_members',
                   'image_properties', 'image_tags', 'images', 'task_info',
                   'tasks']


class MigrateTestsMixin(object):
    """Run against ``self.backend``'s scratch database."""

    backend = None

    def setUp(self):
        super().setUp()
        self.url = dbtest_helpers.scratch_url(self, self.backend)

    def _execute(self, sql):
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def test_empty_database_is_level_0(self):
        self.assertEqual(0, migrate.db_version(self.url))

    def test_sync_creates_level_34(self):
        migrate.db_sync(self.url)
        self.assertEqual(34, migrate.db_version(self.url))
        self.assertEqual(LEVEL_34_TABLES,
                         dbtest_helpers.table_names(self.url))

    def test_sync_is_idempotent(self):
        migrate.db_sync(self.url)
        migrate.db_sync(self.url)
        self.assertEqual(34, migrate.db_version(self.url))

    def test_migrated_tables_match_the_metadata(self):
        migrate.db_sync(self.url)
        self.assertEqual([], dbtest_helpers.schema_differences(self.url))

    def test_sync_to_0_downgrades(self):
        migrate.db_sync(self.url)
        migrate.db_sync(self.url, version='0')
        self.assertEqual(0, migrate.db_version(self.url))
        self.assertEqual(['alembic_version'],
                         dbtest_helpers.table_names(self.url))

    def test_upgrade_and_downgrade(self):
        migrate.db_upgrade(self.url, 34)
        self.assertEqual(34, migrate.db_version(self.url))
        migrate.db_downgrade(self.url, 0)
        self.assertEqual(0, migrate.db_version(self.url))
        migrate.db_upgrade(self.url)
        self.assertEqual(34, migrate.db_version(self.url))

    def test_tables_without_version_are_refused(self):
        self._execute('CREATE TABLE images (id VARCHAR(36))')
        error = self.assertRaises(errors.MigrationError,
                                  migrate.db_sync, self.url)
        self.assertEqual(migrate.NOT_CONTROLLED, str(error))
        self.assertIsInstance(error, HarnessError)
        self.assertRaises(errors.MigrationError, migrate.db_version, self.url)

    def test_version_control_then_sync(self):
        migrate.db_version_control(self.url)
        self.assertEqual(0, migrate.db_version(self.url))
        migrate.db_sync(self.url)
        self.assertEqual(34, migrate.db_version(self.url))

    def test_version_control_twice_is_an_error(self):
        migrate.db_version_control(self.url, 0)
        error = self.assertRaises(errors.MigrationError,
                                  migrate.db_version_control, self.url, 0)
        self.assertIn('already under version control', str(error))

    def test_sync_with_current_version_stamps_first(self):
        migrate.db_sync(self.url)
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql('DROP TABLE alembic_version')
        finally:
            engine.dispose()
        migrate.db_sync(self.url, current_version=34)
        self.assertEqual(34, migrate.db_version(self.url))

    def test_unknown_version(self):
        error = self.assertRaises(errors.MigrationError,
                                  migrate.db_sync, self.url, version=12)
        self.assertEqual('Unknown database version 12; known versions: 0, 34',
                         str(error))

    def test_non_integer_version(self):
        error = self.assertRaises(errors.MigrationError,
                                  migrate.db_upgrade, self.url, 'abc')
        self.assertEqual('version should be an integer', str(error))

    def test_downgrade_needs_a_version(self):
        self.assertRaises(errors.MigrationError,
                          migrate.db_downgrade, self.url, None)


class TestMigrateSqlite(MigrateTestsMixin, testtools.TestCase):
    backend = 'sqlite'

    def test_unreachable_file_is_a_one_line_error(self):
        error = self.assertRaises(
            errors.MigrationError, migrate.db_sync,
            'sqlite:////nonexistent-dir/harness/x.sqlite')
        self.assertIn('unable to open database file', str(error))
        self.assertNotIn('\n', str(error))

    def test_bad_url(self):
        error = self.assertRaises(errors.MigrationError, migrate.db_sync,
                                  'nosuchdialect://x/y')
        self.assertIn('Invalid database connection URL', str(error))

    def test_known_levels(self):
        self.assertEqual([0, 34], migrate.known_levels())


class TestMigrateMySQL(MigrateTestsMixin, testtools.TestCase):
    backend = 'mysql'

    def test_datetimes_keep_microseconds(self):
        migrate.db_sync(self.url)
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        columns = {c['name']: c['type']
                   for c in sa.inspect(engine).get_columns('images')}
        self.assertEqual(6, columns['created_at'].fsp)
        self.assertEqual('BIGINT', columns['size'].__visit_name__.upper())


class TestMigratePostgreSQL(MigrateTestsMixin, testtools.TestCase):
    backend = 'postgresql'
