"""A FunctionalTest that starts no server passes on every back end.

Its cleanups still reset the worker database of the servers it never
started: on MySQL and PostgreSQL that database was never created, and
resetting it must do nothing (it used to fail with ``Unknown database``).
"""

import os
import sys

from harness.glance import functional
from harness.glance import templates


class TestWithoutServers(functional.FunctionalTest):

    def test_manage_db_sync_on_its_own_sqlite(self):
        db_path = os.path.join(self.test_dir, 'own.sqlite')
        conf = os.path.join(self.test_dir, 'etc', 'own-manage.conf')
        with open(conf, 'w') as handle:
            handle.write(templates.MANAGE_CONF
                         % {'sql_connection': 'sqlite:///' + db_path})
        manage = '%s -m harness.cmd.manage --config-file %s' % (
            sys.executable, conf)
        functional.execute(manage + ' db sync')
        exitcode, out, err = functional.execute(manage + ' db version')
        self.assertEqual('34', out.strip())
        self.assertTrue(os.path.getsize(db_path))
