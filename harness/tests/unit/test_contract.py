"""One contract for the names the harness's processes share."""

import os
import subprocess
import sys

import testtools

from harness import contract
from harness.databases import kinds
from harness.forkserver import warm


class ContractTest(testtools.TestCase):

    def test_every_bare_scheme_names_a_kind_and_its_driver(self):
        self.assertEqual(set(contract.BARE_SCHEMES), set(kinds.KINDS))
        mysql = ['sqlalchemy.dialects.mysql.pymysql', 'pymysql']
        for scheme in ('mysql', 'mariadb', 'MariaDB', 'mysql://'):
            self.assertIs(kinds.MariaDB, kinds.kind_of(scheme), scheme)
            # The fork-server warms the driver the harness will use.
            self.assertEqual(mysql, warm.database_modules(
                {contract.SQL_CONNECTION: scheme})[2:], scheme)
        for scheme in ('postgresql', 'postgres', ' Postgres '):
            self.assertIs(kinds.PostgreSQL, kinds.kind_of(scheme), scheme)

    def test_a_url_is_no_bare_scheme(self):
        for value in ('mysql+pymysql://root@127.0.0.1/test',
                      'postgresql://h/db', 'sqlite:////tmp/x', '', None):
            self.assertIsNone(contract.bare_scheme(value), value)
            self.assertIsNone(kinds.kind_of(value), value)

    def test_the_service_reads_the_same_descriptor_names(self):
        # The service keeps constants of its own; they must not drift.
        from harness.service import runtime
        from harness.service.wsgi import sockets
        self.assertEqual(contract.READY_FD, runtime.READY_FD_ENV)
        self.assertEqual(contract.LIFELINE_FD, runtime.LIFELINE_FD_ENV)
        self.assertEqual(contract.SOCKET_FD, sockets.SOCKET_FD_ENV)

    def test_importing_it_imports_nothing_of_the_harness(self):
        code = ('import sys, harness.contract; '
                'print(sorted(m for m in sys.modules '
                'if m.startswith(("harness.", "testtools", "fixtures"))))')
        out = subprocess.run([sys.executable, '-c', code],
                             capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONDONTWRITEBYTECODE='1'))
        self.assertEqual("['harness.contract']\n", out.stdout)
