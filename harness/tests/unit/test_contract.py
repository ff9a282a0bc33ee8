"""One contract for the names the harness's processes share."""

import ast
import os
import re
import subprocess
import sys

import testtools

import harness
from harness import contract
from harness.databases import kinds
from harness.forkserver import warm

ROOT = os.path.dirname(os.path.abspath(harness.__file__))
#: A variable name of the contract's kind, alone in a string.
NAME = re.compile(r'HARNESS_[A-Z0-9_]+')


def _service_modules():
    for folder, dirs, files in os.walk(os.path.join(ROOT, 'service')):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for name in files:
            if name.endswith('.py'):
                yield os.path.join(folder, name)


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

    def test_the_service_spells_no_harness_name_of_its_own(self):
        # It reads the contract's constants: a string of its own would
        # drift (docstrings may name a variable, in a sentence).
        found = []
        for path in _service_modules():
            with open(path, encoding='utf-8') as handle:
                tree = ast.parse(handle.read(), path)
            found += ['%s:%d %s' % (os.path.relpath(path, ROOT), node.lineno,
                                    node.value)
                      for node in ast.walk(tree)
                      if isinstance(node, ast.Constant)
                      and isinstance(node.value, str)
                      and NAME.fullmatch(node.value)]
        self.assertEqual([], found)

    def test_importing_it_imports_nothing_of_the_harness(self):
        code = ('import sys, harness.contract; '
                'print(sorted(m for m in sys.modules '
                'if m.startswith(("harness.", "testtools", "fixtures"))))')
        out = subprocess.run([sys.executable, '-c', code],
                             capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONDONTWRITEBYTECODE='1'))
        self.assertEqual("['harness.contract']\n", out.stdout)
