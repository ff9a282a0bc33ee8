"""Unit tests of table emptying (:mod:`harness.databases.tables`) on a
real sqlite file; the server databases' path runs in ``test_sqldb`` and
the reuse tests."""

import os
import sqlite3

import fixtures
import testtools

from harness.databases import tables
from harness.databases import urls


class TablesTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'db.sqlite')
        self.url = urls.SQLITE_PREFIX + path
        conn = sqlite3.connect(path)
        for name in ('alembic_version', 'images', 'ghost', 'quiet'):
            conn.execute('CREATE TABLE %s (x TEXT)' % name)
        for name in ('alembic_version', 'images', 'ghost'):
            conn.execute("INSERT INTO %s VALUES ('row')" % name)
        conn.commit()
        conn.close()
        self.raw = sqlite3.connect(path)
        self.addCleanup(self.raw.close)

    def rows(self, name):
        return self.raw.execute('SELECT COUNT(*) FROM %s'
                                % name).fetchone()[0]

    def test_counts_every_table_but_the_version(self):
        with tables.Tables(self.url) as kept:
            self.assertEqual({'ghost': 1, 'images': 1, 'quiet': 0},
                             kept.counts())

    def test_empty_keeps_the_version(self):
        with tables.Tables(self.url) as kept:
            kept.empty()
            self.assertEqual({'ghost': 0, 'images': 0, 'quiet': 0},
                             kept.counts())
        self.assertEqual(1, self.rows('alembic_version'))

    def test_empty_with_counts_touches_only_those_with_rows(self):
        with tables.Tables(self.url) as kept:
            counts = kept.counts()
            self.raw.execute("INSERT INTO quiet VALUES ('late')")
            self.raw.commit()
            kept.empty(counts)
        self.assertEqual((0, 0, 1), (self.rows('images'),
                                     self.rows('ghost'), self.rows('quiet')))

    def test_close_twice_is_harmless(self):
        kept = tables.Tables(self.url)
        kept.close()
        kept.close()
