"""Context filters, request context and fakeauth."""

import os
import re

import fixtures
import testtools
import webob
import webob.dec

from harness.service import context as context_mod
from harness.service.api.middleware import context as context_mw
from harness.service.api.middleware import fakeauth
from harness.tests.unit.service import apitest_helpers as helpers

REQUEST_ID = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-'
                        r'[89ab][0-9a-f]{3}-[0-9a-f]{12}$')


class ContextRecorder(object):
    """App recording the stored and the current context of each request."""

    def __init__(self):
        self.stored = []
        self.current = []

    @webob.dec.wsgify
    def __call__(self, req):
        self.stored.append(req.environ.get(context_mod.ENVIRON_KEY))
        self.current.append(context_mod.current.get())
        return webob.Response(body=b'ok')


class TestRequestContext(testtools.TestCase):

    def test_defaults(self):
        ctx = context_mod.RequestContext()
        self.assertIsNone(ctx.user)
        self.assertEqual([], ctx.roles)
        self.assertFalse(ctx.is_admin)
        self.assertTrue(ctx.owner_is_tenant)
        self.assertRegex(ctx.request_id, REQUEST_ID)

    def test_owner(self):
        ctx = context_mod.RequestContext(user='u', tenant='t')
        self.assertEqual('t', ctx.owner)
        ctx = context_mod.RequestContext(user='u', tenant='t',
                                         owner_is_tenant=False)
        self.assertEqual('u', ctx.owner)

    def test_to_dict(self):
        ctx = context_mod.RequestContext(
            auth_token='tok', user='u', tenant='t', roles=['a'],
            is_admin=True, read_only=True, show_deleted=True,
            service_catalog=[{'x': 1}], request_id='req-1')
        self.assertEqual(
            {'request_id': 'req-1', 'auth_token': 'tok', 'user': 'u',
             'tenant': 't', 'roles': ['a'], 'is_admin': True,
             'read_only': True, 'show_deleted': True,
             'owner_is_tenant': True, 'service_catalog': [{'x': 1}],
             'owner': 't'},
            ctx.to_dict())

    def test_request_ids_unique(self):
        self.assertNotEqual(context_mod.RequestContext().request_id,
                            context_mod.RequestContext().request_id)


class ContextTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(self.tmp, 'policy.json')
        helpers.write_policy(self.policy_file,
                             {'context_is_admin': 'role:admin',
                              'default': ''})
        self.app = ContextRecorder()

    def conf(self, **options):
        options.setdefault('policy_file', self.policy_file)
        return helpers.make_conf(**options)

    def request(self, middleware, headers=None):
        req = webob.Request.blank('/', headers=headers or {})
        return req.get_response(middleware)


class TestUnauthenticatedContext(ContextTestBase):

    def test_admin_context(self):
        mw = context_mw.UnauthenticatedContextMiddleware(
            self.app, conf=self.conf())
        res = self.request(mw, {'X-Auth-Token': 'u:t:member'})
        self.assertEqual(200, res.status_int)
        ctx = self.app.stored[0]
        self.assertTrue(ctx.is_admin)
        self.assertIsNone(ctx.user)
        self.assertIsNone(ctx.tenant)
        self.assertIsNone(ctx.owner)
        self.assertEqual([], ctx.roles)
        self.assertIs(ctx, self.app.current[0])
        self.assertEqual(ctx.request_id,
                         res.headers['x-openstack-request-id'])
        self.assertRegex(res.headers['x-openstack-request-id'], REQUEST_ID)

    def test_current_context_reset(self):
        mw = context_mw.UnauthenticatedContextMiddleware(
            self.app, conf=self.conf())
        self.request(mw)
        self.assertIsNone(context_mod.current.get())

    def test_new_id_per_request(self):
        mw = context_mw.UnauthenticatedContextMiddleware(
            self.app, conf=self.conf())
        first = self.request(mw).headers['x-openstack-request-id']
        second = self.request(mw).headers['x-openstack-request-id']
        self.assertNotEqual(first, second)

    def test_factory_uses_process_conf(self):
        helpers.use_conf(self, self.conf(owner_is_tenant=False))
        mw = context_mw.UnauthenticatedContextMiddleware.factory({})(
            self.app)
        self.request(mw)
        self.assertFalse(self.app.stored[0].owner_is_tenant)


class TestContextMiddleware(ContextTestBase):

    def confirmed(self, **headers):
        headers.setdefault('X-Identity-Status', 'Confirmed')
        return headers

    def test_authenticated(self):
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf())
        res = self.request(mw, self.confirmed(**{
            'X-User-Id': 'u1', 'X-Tenant-Id': 't1',
            'X-Roles': ' Member , Reader', 'X-Auth-Token': 'tok',
            'X-Service-Catalog': '[{"type": "image"}]'}))
        self.assertEqual(200, res.status_int)
        ctx = self.app.stored[0]
        self.assertEqual(('u1', 't1', 't1'), (ctx.user, ctx.tenant,
                                              ctx.owner))
        self.assertEqual(['member', 'reader'], ctx.roles)
        self.assertEqual('tok', ctx.auth_token)
        self.assertEqual([{'type': 'image'}], ctx.service_catalog)
        self.assertFalse(ctx.is_admin)
        self.assertFalse(ctx.read_only)
        self.assertEqual(ctx.request_id,
                         res.headers['x-openstack-request-id'])

    def test_storage_token_fallback(self):
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf())
        self.request(mw, self.confirmed(**{'X-Storage-Token': 'old'}))
        self.assertEqual('old', self.app.stored[0].auth_token)

    def test_admin_role(self):
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf())
        self.request(mw, self.confirmed(**{'X-Roles': 'ADMIN'}))
        self.assertTrue(self.app.stored[0].is_admin)

    def test_configured_admin_role(self):
        mw = context_mw.ContextMiddleware(
            self.app, conf=self.conf(admin_role='boss'))
        self.request(mw, self.confirmed(**{'X-Roles': 'boss'}))
        self.assertTrue(self.app.stored[0].is_admin)

    def test_context_is_admin_rule(self):
        helpers.write_policy(self.policy_file,
                             {'context_is_admin': 'tenant:t-admin'})
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf())
        self.request(mw, self.confirmed(**{'X-Tenant-Id': 't-admin'}))
        self.request(mw, self.confirmed(**{'X-Tenant-Id': 'other'}))
        self.assertEqual([True, False],
                         [ctx.is_admin for ctx in self.app.stored])

    def test_owner_is_user(self):
        mw = context_mw.ContextMiddleware(
            self.app, conf=self.conf(owner_is_tenant=False))
        self.request(mw, self.confirmed(**{'X-User-Id': 'u',
                                           'X-Tenant-Id': 't'}))
        self.assertEqual('u', self.app.stored[0].owner)

    def test_unconfirmed_401(self):
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf())
        res = self.request(mw, {'X-Identity-Status': 'Invalid',
                                'X-User-Id': 'u'})
        self.assertEqual(401, res.status_int)
        self.assertEqual([], self.app.stored)
        res = self.request(mw)
        self.assertEqual(401, res.status_int)

    def test_anonymous_read_only(self):
        mw = context_mw.ContextMiddleware(
            self.app, conf=self.conf(allow_anonymous_access=True))
        res = self.request(mw)
        self.assertEqual(200, res.status_int)
        ctx = self.app.stored[0]
        self.assertTrue(ctx.read_only)
        self.assertFalse(ctx.is_admin)
        self.assertIsNone(ctx.user)
        self.assertIn('x-openstack-request-id', res.headers)

    def test_invalid_service_catalog(self):
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf())
        res = self.request(mw, self.confirmed(
            **{'X-Service-Catalog': '{not json'}))
        self.assertEqual(500, res.status_int)
        self.assertIn('Invalid service catalog json.', res.text)
        self.assertEqual([], self.app.stored)

    def test_missing_policy_file_uses_defaults(self):
        mw = context_mw.ContextMiddleware(self.app, conf=self.conf(
            policy_file=os.path.join(self.tmp, 'absent.json')))
        self.request(mw, self.confirmed(**{'X-Roles': 'member'}))
        self.assertFalse(self.app.stored[0].is_admin)


class TestFakeAuth(ContextTestBase):

    def pipeline(self, **options):
        inner = context_mw.ContextMiddleware(self.app,
                                             conf=self.conf(**options))
        return fakeauth.FakeAuthMiddleware.factory({})(inner)

    def test_token_to_identity(self):
        res = self.request(self.pipeline(),
                           {'X-Auth-Token': 'user1:tenant1:member'})
        self.assertEqual(200, res.status_int)
        ctx = self.app.stored[0]
        self.assertEqual(('user1', 'tenant1', ['member']),
                         (ctx.user, ctx.tenant, ctx.roles))
        self.assertEqual('user1:tenant1:member', ctx.auth_token)
        self.assertFalse(ctx.is_admin)

    def test_headers_set(self):
        seen = []

        @webob.dec.wsgify
        def app(req):
            seen.append(dict(req.headers))
            return webob.Response()
        mw = fakeauth.FakeAuthMiddleware(app)
        webob.Request.blank('/', headers={'X-Auth-Token': 'u:t:r'}) \
            .get_response(mw)
        self.assertEqual('u', seen[0]['X-User-Id'])
        self.assertEqual('t', seen[0]['X-Tenant-Id'])
        self.assertEqual('r', seen[0]['X-Roles'])
        self.assertEqual('Confirmed', seen[0]['X-Identity-Status'])

    def test_tenant_none(self):
        self.request(self.pipeline(), {'X-Auth-Token': 'u:NoNe:member'})
        ctx = self.app.stored[0]
        self.assertIsNone(ctx.tenant)
        self.assertEqual('u', ctx.user)

    def test_admin_role(self):
        self.request(self.pipeline(), {'X-Auth-Token': 'u:t:admin'})
        self.assertTrue(self.app.stored[0].is_admin)

    def test_no_token_401(self):
        res = self.request(self.pipeline())
        self.assertEqual(401, res.status_int)

    def test_malformed_token_401(self):
        res = self.request(self.pipeline(), {'X-Auth-Token': 'garbage'})
        self.assertEqual(401, res.status_int)

    def test_provisional_context(self):
        mw = fakeauth.FakeAuthMiddleware(self.app, is_admin=True)
        self.request(mw, {'X-Auth-Token': 'u:t:r'})
        ctx = self.app.stored[0]
        self.assertTrue(ctx.is_admin)
        self.assertEqual(['r'], ctx.roles)
