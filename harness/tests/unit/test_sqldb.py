"""Per-worker server databases on the real MariaDB and PostgreSQL."""

import os

import fixtures
import testtools

from harness import database
from harness import sqldb

SERVERS = {
    'mysql': os.environ.get('HARNESS_MYSQL_URL',
                            'mysql+pymysql://root@127.0.0.1:3306/test'),
    'postgresql': os.environ.get(
        'HARNESS_POSTGRESQL_URL',
        'postgresql+psycopg2://postgres@127.0.0.1:5432/test'),
}


def reachable(url):
    from sqlalchemy import create_engine
    from sqlalchemy import exc
    engine = create_engine(url)
    try:
        with engine.connect():
            return True
    except (exc.OperationalError, exc.InterfaceError, ImportError):
        return False
    finally:
        engine.dispose()


class WorkerUrlTest(testtools.TestCase):

    def test_name_is_per_process(self):
        url = sqldb.worker_url('mysql+pymysql://root:pw@127.0.0.1/test',
                               pid=42)
        self.assertEqual('mysql+pymysql://root:pw@127.0.0.1/test_h42', url)
        self.assertIn('_h%d' % os.getpid(),
                      sqldb.worker_url('postgresql://u@h/base'))


class _ServerDbTest(object):

    kind = None

    def setUp(self):
        super().setUp()
        self.base = SERVERS[self.kind]
        if not reachable(self.base):
            self.skipTest('%s server not reachable at %s'
                          % (self.kind, self.base))

    def list_names(self):
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            return set(sqldb._list_databases(conn))

    def test_create_sync_reset_drop(self):
        from sqlalchemy import create_engine
        from sqlalchemy import text

        def sync(url):
            conf = os.path.join(
                self.useFixture(fixtures.TempDir()).path, 'm.conf')
            with open(conf, 'w') as handle:
                handle.write('[DEFAULT]\nsql_connection = %s\n' % url)
            database.run_db_sync(conf)

        already = sqldb.worker_url(self.base) in sqldb._created
        url = sqldb.create(self.base, sync)
        if not already:
            self.addCleanup(sqldb.drop_all, self.base)
        engine = create_engine(url)
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO images (id, status, is_public, created_at, "
                "deleted, min_disk, min_ram) VALUES ('x', 'active', TRUE, "
                "'2014-01-01 00:00:00', FALSE, 0, 0)"))
            conn.execute(text(
                "INSERT INTO image_properties (image_id, name, value, "
                "created_at, deleted) VALUES ('x', 'k', 'v', "
                "'2014-01-01 00:00:00', FALSE)"))
        engine.dispose()
        sqldb.reset(url)
        with engine.connect() as conn:
            count = conn.execute(text('SELECT COUNT(*) FROM images'))
            self.assertEqual(0, count.scalar())
        engine.dispose()

    def test_reset_of_a_database_never_created_does_nothing(self):
        from sqlalchemy.engine import make_url
        name = 'hnever%d' % os.getpid()
        url = make_url(self.base).set(database=name).render_as_string(
            hide_password=False)
        self.assertNotIn(name, self.list_names())
        sqldb.reset(url)  # used to fail: unknown database
        self.assertNotIn(name, self.list_names())

    def test_databases_of_dead_workers_are_pruned(self):
        from sqlalchemy import text
        from sqlalchemy.engine import make_url
        # A base name of its own: a concurrent worker pruning the real
        # base's leftovers must not race with this test.
        base = 'hprune%d' % os.getpid()
        dead = make_url(sqldb.worker_url(
            make_url(self.base).set(database=base).render_as_string(),
            pid=2 ** 22 + 7))
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            conn.execute(text(sqldb._drop_sql(engine, dead.database)))
            conn.execute(text('CREATE DATABASE %s' % dead.database))
        self.assertIn(dead.database, self.list_names())
        sqldb.prune_dead(self.base, base)
        self.assertNotIn(dead.database, self.list_names())


class MySQLTest(_ServerDbTest, testtools.TestCase):
    kind = 'mysql'


class PostgreSQLTest(_ServerDbTest, testtools.TestCase):
    kind = 'postgresql'
