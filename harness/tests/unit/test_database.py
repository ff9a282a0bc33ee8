"""The synced-sqlite cache: real ``manage db sync`` runs, no fakes."""

import os
import sqlite3
import subprocess
import sys
import textwrap

import fixtures
import testtools

from harness.databases import provision as database
from harness.glance import templates


def tables(path):
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master "
                            "WHERE type='table'").fetchall()
    return {row[0] for row in rows}


class CacheTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cache = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable(
            database.CACHE_DIR_ENV, self.cache))
        self.useFixture(fixtures.EnvironmentVariable(
            database.SQLITE_FILE_ENV))

    def new_target(self):
        folder = self.useFixture(fixtures.TempDir()).path
        target = os.path.join(folder, 'tests.sqlite')
        conf = os.path.join(folder, 'harness-manage.conf')
        with open(conf, 'w') as handle:
            handle.write(templates.MANAGE_CONF
                         % {'sql_connection': 'sqlite:///' + target})
        return target, conf

    def cached_files(self):
        return [n for n in os.listdir(self.cache) if n.startswith('synced-')]

    def test_first_install_syncs_then_copies_the_cache(self):
        target, conf = self.new_target()
        database.install_sqlite(target, conf)
        self.assertIn('images', tables(target))
        [entry] = self.cached_files()
        stamp = os.stat(os.path.join(self.cache, entry)).st_mtime_ns
        second, conf2 = self.new_target()
        database.install_sqlite(second, conf2)
        self.assertIn('images', tables(second))
        # The cache entry was used as is, not synced again.
        self.assertEqual(stamp,
                         os.stat(os.path.join(self.cache, entry)).st_mtime_ns)
        self.assertEqual([entry], self.cached_files())

    def test_key_follows_the_schema_fingerprint(self):
        from harness.service import db
        before = database.cache_key()
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.db.schema_fingerprint', lambda: 'changed'))
        self.assertNotEqual(before, database.cache_key())
        self.assertEqual('changed', db.schema_fingerprint())

    def test_stale_entries_are_pruned(self):
        stale = os.path.join(self.cache, 'synced-old.sqlite')
        with open(stale, 'w') as handle:
            handle.write('old schema')
        target, conf = self.new_target()
        database.install_sqlite(target, conf)
        self.assertFalse(os.path.exists(stale))
        self.assertEqual(1, len(self.cached_files()))

    def test_given_sqlite_file_is_used(self):
        given = os.path.join(self.useFixture(fixtures.TempDir()).path, 'g')
        with sqlite3.connect(given) as conn:
            conn.execute('CREATE TABLE marker (x INTEGER)')
        self.useFixture(fixtures.EnvironmentVariable(
            database.SQLITE_FILE_ENV, given))
        target, conf = self.new_target()
        database.install_sqlite(target, conf)
        self.assertEqual({'marker'}, tables(target))
        self.assertEqual([], self.cached_files())

    def test_failed_sync_is_reported(self):
        folder = self.useFixture(fixtures.TempDir()).path
        conf = os.path.join(folder, 'bad.conf')
        with open(conf, 'w') as handle:
            handle.write('[DEFAULT]\nsql_connection = nosuchdb://x\n')
        exc = self.assertRaises(database.errors.DatabaseError,
                                database.run_db_sync, conf)
        self.assertIn('db sync failed with status 1', str(exc))
        self.assertEqual([], self.cached_files())

    def test_parallel_workers_share_one_sync(self):
        script = textwrap.dedent('''
            import sys
            from harness.databases import provision as database
            database.install_sqlite(sys.argv[1], sys.argv[2])
        ''')
        procs = []
        targets = []
        for _ in range(3):
            target, conf = self.new_target()
            targets.append(target)
            procs.append(subprocess.Popen(
                [sys.executable, '-c', script, target, conf]))
        self.assertEqual([0, 0, 0], [p.wait() for p in procs])
        for target in targets:
            self.assertIn('images', tables(target))
        self.assertEqual(1, len(self.cached_files()))
        leftovers = [n for n in os.listdir(self.cache)
                     if n.endswith('.tmp')]
        self.assertEqual([], leftovers)
