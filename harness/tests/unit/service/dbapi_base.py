"""Base of the DB API unit tests that run on SQLite, MariaDB and
PostgreSQL: one synced database per test class, emptied after each test.

A test module defines its tests in a mixin deriving from
:class:`DBTestMixin`, then one ``testtools.TestCase`` subclass per back
end setting ``backend`` (one of :data:`BACKENDS`).
"""

import datetime

import sqlalchemy as sa

from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.service.db import schema
from harness.tests.unit.service import dbtest_helpers

T0 = datetime.datetime(2014, 4, 17, 10, 0, 0)
ADMIN = RequestContext(is_admin=True)
BACKENDS = ('sqlite', 'mysql', 'postgresql')


def user(tenant):
    """A regular (non-admin) context of *tenant*."""
    return RequestContext(tenant=tenant, user='u-%s' % tenant)


class DBTestMixin(object):

    backend = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = dbtest_helpers.SharedDatabase(cls.backend)

    @classmethod
    def tearDownClass(cls):
        cls.database.drop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.addCleanup(self.database.empty)
        self.engine = self.database.engine(self)

    def create(self, minute=0, **values):
        """Create an image (as admin) created *minute* minutes after T0.
        """
        when = T0 + datetime.timedelta(minutes=minute)
        values.setdefault('status', 'active')
        values.setdefault('created_at', when)
        values.setdefault('updated_at', when)
        return db_api.image_create(self.engine, ADMIN, values)

    def rows(self, table, **where):
        """Every row of *table* matching column equalities, by id."""
        query = sa.select(table).where(
            *[table.c[key] == value for key, value in where.items()])
        if 'id' in table.c:
            query = query.order_by(table.c.id)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def image_row(self, image_id):
        return self.rows(schema.images, id=image_id)[0]
