"""Test-only authentication: the token is ``user:tenant:role``.

Stands in for keystone's auth_token middleware in the ``fakeauth``
pipelines.  It only sets the identity headers; the ``context`` filter
behind it builds the request context from them.  Re-exported by
:mod:`harness.glance.utils` (Glance's ``glance.tests.utils``, imported
as ``harness.utils``), where Glance's tests find it.
"""

import webob.exc

from harness.service import context as context_mod
from harness.service.api.middleware import base


class FakeAuthMiddleware(base.Middleware):
    """Turn ``X-Auth-Token: user:tenant:role`` into identity headers.

    A tenant of ``none`` (any case) means no tenant.  Without a token no
    header is set, so the ``context`` filter answers ``401``.

    :param is_admin: admin flag of the provisional context stored in the
        environ (the ``context`` filter replaces it).
    """

    def __init__(self, application, is_admin=False):
        super().__init__(application)
        self.is_admin = is_admin

    def process_request(self, req):
        token = req.headers.get('X-Auth-Token')
        user = tenant = None
        roles = []
        if token:
            user, tenant, role = parse_token(token)
            roles = [role]
            req.headers['X-User-Id'] = user
            if tenant is None:
                req.headers.pop('X-Tenant-Id', None)
            else:
                req.headers['X-Tenant-Id'] = tenant
            req.headers['X-Roles'] = role
            req.headers['X-Identity-Status'] = 'Confirmed'
        req.environ[context_mod.ENVIRON_KEY] = context_mod.RequestContext(
            auth_token=token, user=user, tenant=tenant, roles=roles,
            is_admin=self.is_admin)
        return None


def parse_token(token):
    """Split ``user:tenant:role``; tenant ``none`` becomes ``None``.

    :raises webob.exc.HTTPUnauthorized: the token has not three parts.
    """
    parts = token.split(':')
    if len(parts) != 3:
        raise webob.exc.HTTPUnauthorized()
    user, tenant, role = parts
    if tenant.lower() == 'none':
        tenant = None
    return user, tenant, role
