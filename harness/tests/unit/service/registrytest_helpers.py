"""Base of the registry unit tests: the registry app on a shared SQLite
database, driven in-process with WebOb."""

import datetime
import json

import fixtures
import testtools
import webob

from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.service.registry import api as registry_api
from harness.tests.unit.service import apitest_helpers
from harness.tests.unit.service import dbtest_helpers

T0 = datetime.datetime(2014, 4, 17, 10, 0, 0)
ADMIN = RequestContext(is_admin=True)


def user(tenant):
    return RequestContext(tenant=tenant, user='u-%s' % tenant)


class RegistryTestBase(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = dbtest_helpers.SharedDatabase('sqlite')

    @classmethod
    def tearDownClass(cls):
        cls.database.drop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        # The registry logs refused requests; keep them out of the output
        # (and in the details of a failing test).
        self.logger = self.useFixture(fixtures.FakeLogger())
        self.addCleanup(self.database.empty)
        self.engine = self.database.engine(self)
        self.conf = apitest_helpers.make_conf(
            sql_connection=self.database.url, limit_param_default=25,
            api_limit_max=1000)
        self.app = registry_api.API(self.conf, engine=self.engine)
        self.minute = 0

    def create(self, **values):
        self.minute += 1
        when = T0 + datetime.timedelta(minutes=self.minute)
        values.setdefault('status', 'active')
        values.setdefault('created_at', when)
        values.setdefault('updated_at', when)
        return db_api.image_create(self.engine, ADMIN, values)

    def request(self, path, context=ADMIN, method='GET', body=None,
                app=None, headers=None):
        req = webob.Request.blank(path, method=method, headers=headers)
        if context is not None:
            req.environ['harness.context'] = context
        if body is not None:
            req.body = body if isinstance(body, bytes) else \
                json.dumps(body).encode('utf-8')
        return req.get_response(app or self.app)

    def get_json(self, path, context=ADMIN):
        res = self.request(path, context)
        self.assertEqual(200, res.status_int, res.text)
        self.assertEqual('application/json', res.content_type)
        return res.json

    def assert_error(self, status, message, path, context=ADMIN, **kwargs):
        res = self.request(path, context, **kwargs)
        self.assertEqual(status, res.status_int)
        self.assertIn(message, res.text)
