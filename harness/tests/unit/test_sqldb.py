"""Per-worker server databases on the real MariaDB and PostgreSQL."""

import os

import fixtures
import testtools
from sqlalchemy.engine import make_url

from harness.databases import provision as database
from harness import errors
from harness.databases import lease
from harness.databases import workers as sqldb

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

    def test_name_is_prefix_base_and_token(self):
        url = sqldb.worker_url('mysql+pymysql://root:pw@127.0.0.1/test')
        self.assertEqual('mysql+pymysql://root:pw@127.0.0.1/harness_test_%s'
                         % lease.token(), url)
        self.assertRegex(lease.token(), r'^[0-9a-f]{10}$')
        self.assertEqual(url, sqldb.worker_url(
            'mysql+pymysql://root:pw@127.0.0.1/test'))

    def test_a_forked_child_draws_its_own_token(self):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read)
            os.write(write, lease.token().encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, 'rb') as pipe:
            theirs = pipe.read().decode()
        os.waitpid(pid, 0)
        self.assertRegex(theirs, r'^[0-9a-f]{10}$')
        self.assertNotEqual(lease.token(), theirs)

    def test_too_long_a_name_is_one_clear_error(self):
        exc = self.assertRaises(errors.DatabaseError, sqldb.worker_url,
                                'postgresql://u@h/' + 'b' * 60)
        self.assertIn('shorter database name', str(exc))


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

    def _make(self, name):
        from sqlalchemy import text
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            conn.execute(text(sqldb._drop_sql(engine, name)))
            conn.execute(text('CREATE DATABASE %s' % name))
        self.addCleanup(self._drop, name)

    def _drop(self, name):
        from sqlalchemy import text
        engine = sqldb._admin_engine(self.base)
        try:
            with engine.connect() as conn:
                conn.execute(text(sqldb._drop_sql(engine, name)))
        finally:
            engine.dispose()

    def test_only_databases_with_a_free_lease_are_pruned(self):
        # A base name of its own: a concurrent worker pruning the real
        # base's leftovers must not race with this test.
        base = 'hprune%s' % lease.token()[:6]
        dead, live = ['%s%s_%010x' % (sqldb.PREFIX, base, n)
                      for n in (7, 8)]
        other = '%s%s_x' % (sqldb.PREFIX, base)  # not a worker's name
        for name in (dead, live, other):
            self._make(name)
        # The live owner: another session holding the lease, as a worker
        # on another host would.
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        owner = engine.connect()
        self.addCleanup(owner.close)
        self.assertTrue(lease.try_lock(owner, live))
        dropped = sqldb.prune_dead(self.base, base)
        self.assertEqual([dead], dropped)
        names = self.list_names()
        self.assertNotIn(dead, names)
        self.assertIn(live, names)
        self.assertIn(other, names)
        # The pruner let the dead one's lease go again.
        self.assertTrue(lease.try_lock(owner, dead))

    def test_a_forked_child_cannot_end_the_lease(self):
        # The child closes its inherited copy of the lease connection, as
        # its garbage collector or an exit would: with a plain fork that
        # tells the server to end the parent's session, and its lease.
        url = self._create()
        name = sqldb.worker_name(make_url(self.base).database)
        held = sqldb._leases[self.base]
        pid = os.fork()
        if pid == 0:
            try:
                held.conn.connection.dbapi_connection.close()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        with engine.connect() as other:
            self.assertFalse(lease.try_lock(other, name))
        self.assertEqual(1, held.conn.exec_driver_sql('SELECT 1').scalar())
        self.assertIn(name, self.list_names())
        self.assertEqual(url, sqldb.worker_url(self.base))

    def test_the_janitor_and_fork_server_never_get_the_lease(self):
        from harness.forkserver import client as forkserver
        from harness.process import janitor
        self._create()
        held = sqldb._leases[self.base]
        inode = os.fstat(held.conn.info['harness_lease_fd']).st_ino
        # A fresh janitor and fork-server, started while the lease is held.
        self.useFixture(fixtures.MonkeyPatch('harness.process.janitor._janitor',
                                             None))
        sweeper = janitor._get()
        self.addCleanup(sweeper.wait)
        self.addCleanup(sweeper.stdin.close)
        server = forkserver.ForkServer([])
        self.addCleanup(server.close)
        for pid in (sweeper.pid, server.proc.pid):
            fds = os.listdir('/proc/%d/fd' % pid)
            targets = {os.readlink('/proc/%d/fd/%s' % (pid, fd))
                       for fd in fds if os.path.exists(
                           '/proc/%d/fd/%s' % (pid, fd))}
            self.assertNotIn('socket:[%d]' % inode, targets)
        self.assertIn('socket:[%d]' % inode, {
            os.readlink('/proc/self/fd/%s' % fd)
            for fd in os.listdir('/proc/self/fd')
            if os.path.exists('/proc/self/fd/%s' % fd)})

    def test_the_lease_leaves_with_the_process(self):
        self._create()
        name = sqldb.worker_name(make_url(self.base).database)
        sqldb.drop_all(self.base)
        self.assertNotIn(name, self.list_names())
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        with engine.connect() as other:
            self.assertTrue(lease.try_lock(other, name))

    def _create(self):
        already = sqldb.worker_url(self.base) in sqldb._created
        url = sqldb.create(self.base, lambda url: None)
        if not already:
            self.addCleanup(sqldb.drop_all, self.base)
        return url


class MySQLTest(_ServerDbTest, testtools.TestCase):
    kind = 'mysql'


class PostgreSQLTest(_ServerDbTest, testtools.TestCase):
    kind = 'postgresql'
