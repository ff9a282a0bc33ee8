"""Two "hosts" sharing one database server: PID namespaces, real servers.

Each host is ``unshare --pid --fork --mount-proc`` around a test process
(:mod:`harness.tests.unit.sqldb_host`): both see themselves as pid 1, as
two containers or CI machines could, and both use the real MariaDB and
PostgreSQL.  Needs the right to make PID namespaces (root, as in CI).
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import testtools

from harness.databases import lease
from harness.databases import workers as sqldb
from harness.tests.unit.test_sqldb import SERVERS
from harness.tests.unit.test_sqldb import reachable

#: Seconds a host may take to start, create its database and answer.
HOST_TIMEOUT = 60.0


def unshare_refusal():
    """Why PID namespaces cannot be made here, or None if they can."""
    if shutil.which('unshare') is None:
        return 'unshare(1) is not installed (util-linux)'
    proc = subprocess.run(['unshare', '--pid', '--fork', '--mount-proc',
                           'true'], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        return ('unshare --pid --fork --mount-proc is not permitted here: %s'
                % proc.stderr.strip())
    return None


class _TwoHostsTest(object):

    kind = None

    def setUp(self):
        super().setUp()
        refusal = unshare_refusal()
        if refusal:
            self.skipTest(refusal)
        self.base = SERVERS[self.kind]
        if not reachable(self.base):
            self.skipTest('%s server not reachable at %s'
                          % (self.kind, self.base))

    def start_host(self):
        """Start a host; return ``(process, database name, pid inside)``."""
        proc = subprocess.Popen(
            ['unshare', '--pid', '--fork', '--mount-proc', sys.executable,
             '-m', 'harness.tests.unit.sqldb_host', self.base],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            start_new_session=True)
        self.addCleanup(self._end, proc)
        words = self._answer(proc).split()
        self.assertEqual('ready', words[0])
        return proc, words[1], int(words[2])

    def _answer(self, proc):
        import select
        ready, _, _ = select.select([proc.stdout], [], [], HOST_TIMEOUT)
        self.assertTrue(ready, 'host gave no answer in %ss' % HOST_TIMEOUT)
        line = proc.stdout.readline()
        self.assertTrue(line, 'host died (status %s)' % proc.poll())
        return line.strip()

    def _end(self, proc):
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(HOST_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.stdout.close()
        if not proc.stdin.closed:
            proc.stdin.close()

    def check(self, proc):
        proc.stdin.write('check\n')
        proc.stdin.flush()
        return self._answer(proc)

    def names(self):
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            return set(sqldb._list_databases(conn))

    def test_each_host_gets_its_own_database_and_keeps_its_data(self):
        first, first_db, first_pid = self.start_host()
        second, second_db, second_pid = self.start_host()
        # Same pid on both hosts: the pid cannot tell them apart.
        self.assertEqual(first_pid, second_pid)
        self.assertNotEqual(first_db, second_db)
        self.assertLessEqual({first_db, second_db}, self.names())
        # The second host's create (and prune) left the first one's data.
        self.assertEqual('rows 1', self.check(first))
        self.assertEqual('rows 1', self.check(second))
        self._end(first)
        self._end(second)
        self.assertEqual(0, first.returncode)
        self.assertEqual(0, second.returncode)
        self.assertFalse({first_db, second_db} & self.names())

    def test_a_killed_hosts_database_is_pruned_by_the_other_host(self):
        first, first_db, _ = self.start_host()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        self.assertIn(first_db, self.names())
        self._wait_lease_free(first_db)
        second, second_db, _ = self.start_host()
        self.assertNotIn(first_db, self.names())
        self.assertEqual('rows 1', self.check(second))

    def _wait_lease_free(self, name):
        # The server ends a killed client's session when it sees the
        # socket close: an event on its side, only observable by asking.
        engine = sqldb._admin_engine(self.base)
        self.addCleanup(engine.dispose)
        deadline = time.monotonic() + HOST_TIMEOUT
        with engine.connect() as conn:
            while not lease.try_lock(conn, name):
                self.assertLess(time.monotonic(), deadline,
                                'the dead host still holds %s' % name)
                time.sleep(0.05)
            lease.unlock(conn, name)


class MySQLTwoHostsTest(_TwoHostsTest, testtools.TestCase):
    kind = 'mysql'


class PostgreSQLTwoHostsTest(_TwoHostsTest, testtools.TestCase):
    kind = 'postgresql'
