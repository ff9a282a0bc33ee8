"""Build the request context.

``context`` trusts the identity headers set by an auth filter in front of
it (``fakeauth`` in tests); ``unauthenticated-context`` makes every request
an anonymous admin.  Both store the context in
``environ['harness.context']``, make it current for log lines and answer
with ``x-openstack-request-id``.
"""

import webob.dec
import webob.exc

from harness.service import context as context_mod
from harness.service import json_body
from harness.service import policy
from harness.service import process_conf
from harness.service.api.middleware import base

REQUEST_ID_HEADER = 'x-openstack-request-id'


class BaseContextMiddleware(base.Middleware):
    """Set the context, keep it current while the request runs."""

    def __init__(self, application, conf=None):
        super().__init__(application)
        self.conf = process_conf.get_conf() if conf is None else conf

    def make_context(self, req):
        """Return the :class:`RequestContext` of *req* (or raise 401...)."""
        raise NotImplementedError

    @webob.dec.wsgify
    def __call__(self, req):
        ctx = self.make_context(req)
        req.environ[context_mod.ENVIRON_KEY] = ctx
        token = context_mod.current.set(ctx)
        try:
            response = req.get_response(self.application)
        finally:
            context_mod.current.reset(token)
        response.headers[REQUEST_ID_HEADER] = ctx.request_id
        return response


class UnauthenticatedContextMiddleware(BaseContextMiddleware):
    """Every request is an admin with no user, tenant or roles."""

    def make_context(self, req):
        return context_mod.RequestContext(
            user=None, tenant=None, roles=[], is_admin=True,
            owner_is_tenant=self.conf.owner_is_tenant)


class ContextMiddleware(BaseContextMiddleware):
    """Context from ``X-Identity-Status: Confirmed`` identity headers."""

    def __init__(self, application, conf=None):
        super().__init__(application, conf)
        self.enforcer = policy.Enforcer(self.conf)

    def make_context(self, req):
        if req.headers.get('X-Identity-Status') == 'Confirmed':
            return self._authenticated_context(req)
        if self.conf.allow_anonymous_access:
            return context_mod.RequestContext(
                user=None, tenant=None, roles=[], is_admin=False,
                read_only=True, owner_is_tenant=self.conf.owner_is_tenant)
        raise webob.exc.HTTPUnauthorized()

    def _authenticated_context(self, req):
        headers = req.headers
        roles = [role.strip().lower()
                 for role in headers.get('X-Roles', '').split(',')
                 if role.strip()]
        ctx = context_mod.RequestContext(
            auth_token=headers.get('X-Auth-Token',
                                   headers.get('X-Storage-Token')),
            user=headers.get('X-User-Id'),
            tenant=headers.get('X-Tenant-Id'),
            roles=roles,
            owner_is_tenant=self.conf.owner_is_tenant,
            service_catalog=_service_catalog(headers))
        admin_role = self.conf.admin_role.strip().lower()
        ctx.is_admin = (admin_role in roles
                        or self.enforcer.check_is_admin(ctx))
        return ctx


def _service_catalog(headers):
    text = headers.get('X-Service-Catalog')
    if text is None:
        return None
    try:
        # The shared loader: a deeply nested header is refused too.
        return json_body.loads(text)
    except json_body.InvalidJSON:
        raise webob.exc.HTTPInternalServerError(
            'Invalid service catalog json.') from None
