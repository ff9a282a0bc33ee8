"""The schema: migrated tables, SQLite specifics, fingerprint, imports."""

import os
import re
import shutil
import subprocess
import sys

import fixtures
import sqlalchemy as sa
from sqlalchemy.dialects import mysql as mysql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateTable
import testtools

from harness.service import db
from harness.service.db import migrate
from harness.service.db import schema
from harness.tests.unit.service import dbtest_helpers

TABLES = ('images', 'image_properties', 'image_members', 'image_tags',
          'image_locations', 'tasks', 'task_info')


def sqlite_schema_text(url):
    """What ``sqlite3 .schema`` shows: every ``sql`` of sqlite_master."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                'SELECT sql FROM sqlite_master WHERE sql IS NOT NULL')
            return '\n'.join(row[0] for row in rows)
    finally:
        engine.dispose()


class TestSqliteSchema(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.url = dbtest_helpers.sqlite_url(self)
        migrate.db_sync(self.url)

    def test_schema_has_every_table(self):
        text = sqlite_schema_text(self.url)
        for table in TABLES:
            self.assertIsNotNone(
                re.search(r'CREATE TABLE "?%s"? \(' % table, text), table)

    def test_schema_never_says_bigint(self):
        text = sqlite_schema_text(self.url)
        self.assertNotIn('BIGINT', text.upper())
        self.assertIn('size INTEGER', text)

    def test_migrated_tables_match_the_metadata(self):
        self.assertEqual([], dbtest_helpers.schema_differences(self.url))

    def test_indexes_exist(self):
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        names = {index['name']
                 for index in sa.inspect(engine).get_indexes('images')}
        self.assertEqual({'ix_images_is_public', 'ix_images_deleted',
                          'checksum_image_idx', 'owner_image_idx'}, names)


class TestMetadataDDL(testtools.TestCase):
    """The metadata itself renders the back-end specific types."""

    def _ddl(self, dialect):
        return '\n'.join(str(CreateTable(table).compile(dialect=dialect))
                         for table in schema.TABLES)

    def test_sqlite_has_no_bigint(self):
        self.assertNotIn('BIGINT', self._ddl(sqlite_dialect.dialect()))

    def test_mysql_uses_bigint_and_microseconds(self):
        ddl = self._ddl(mysql_dialect.dialect())
        self.assertIn('size BIGINT', ddl)
        self.assertIn('created_at DATETIME(6) NOT NULL', ddl)

    def test_member_uniqueness_includes_deleted_at(self):
        ddl = self._ddl(sqlite_dialect.dialect())
        self.assertIn('UNIQUE (image_id, member, deleted_at)', ddl)


class TestFingerprint(testtools.TestCase):

    def _copy(self):
        root = os.path.join(self.useFixture(fixtures.TempDir()).path, 'm')
        shutil.copytree(db.MIGRATIONS_DIR, root,
                        ignore=shutil.ignore_patterns('__pycache__'))
        return root

    def test_is_a_stable_sha256(self):
        first = db.schema_fingerprint()
        self.assertEqual(first, db.schema_fingerprint())
        self.assertIsNotNone(re.fullmatch('[0-9a-f]{64}', first))

    def test_migrations_dir_is_absolute(self):
        self.assertTrue(os.path.isabs(db.MIGRATIONS_DIR))
        self.assertTrue(os.path.isfile(
            os.path.join(db.MIGRATIONS_DIR, 'env.py')))

    def test_changes_when_a_migration_changes(self):
        root = self._copy()
        self.assertEqual(db.schema_fingerprint(),
                         db.schema_fingerprint(root))
        with open(os.path.join(root, 'versions', '000_base.py'), 'a') as f:
            f.write('\n# edited\n')
        self.assertNotEqual(db.schema_fingerprint(),
                            db.schema_fingerprint(root))

    def test_changes_when_a_migration_is_added(self):
        root = self._copy()
        before = db.schema_fingerprint(root)
        with open(os.path.join(root, 'versions', '035_new.py'), 'w') as f:
            f.write('revision = "035"\n')
        self.assertNotEqual(before, db.schema_fingerprint(root))

    def test_ignores_byte_code(self):
        root = self._copy()
        before = db.schema_fingerprint(root)
        cache = os.path.join(root, 'versions', '__pycache__')
        os.makedirs(cache, exist_ok=True)
        with open(os.path.join(cache, 'x.cpython-311.py'), 'w') as f:
            f.write('junk')
        self.assertEqual(before, db.schema_fingerprint(root))

    def test_package_import_does_not_import_sqlalchemy(self):
        code = ('import sys, harness.service.db as d; d.schema_fingerprint(); '
                'print(sorted(m for m in sys.modules '
                'if m.split(".")[0] in ("sqlalchemy", "alembic")))')
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual('[]', out.strip())
