"""Request context: who is calling, and the request being served.

The context middleware builds a :class:`RequestContext` for each request,
stores it in the WSGI environ under :data:`ENVIRON_KEY` and makes it the
:data:`current` context so log lines carry the request id.
"""

import contextvars
import uuid

#: WSGI environ key holding the :class:`RequestContext` of a request.
ENVIRON_KEY = 'harness.context'

#: Context of the request being served by this thread/task (for logging).
current = contextvars.ContextVar('harness_request_context', default=None)


def generate_request_id():
    """Return a new ``req-<uuid4>`` request id."""
    return 'req-%s' % uuid.uuid4()


class RequestContext(object):
    """Identity and options of one API or registry request.

    :param auth_token: the caller's token, forwarded to the registry.
    :param user: user id, or ``None``.
    :param tenant: tenant (project) id, or ``None``.
    :param roles: role names, lower-cased by the context middleware.
    :param is_admin: admin contexts see and change every image.
    :param read_only: anonymous contexts may not change anything.
    :param show_deleted: listings include deleted images.
    :param owner_is_tenant: :attr:`owner` is the tenant, else the user.
    :param service_catalog: decoded ``X-Service-Catalog`` header.
    :param request_id: ``req-<uuid4>``; generated when not given.
    """

    def __init__(self, auth_token=None, user=None, tenant=None, roles=None,
                 is_admin=False, read_only=False, show_deleted=False,
                 owner_is_tenant=True, service_catalog=None,
                 request_id=None):
        self.auth_token = auth_token
        self.user = user
        self.tenant = tenant
        self.roles = list(roles or [])
        self.is_admin = is_admin
        self.read_only = read_only
        self.show_deleted = show_deleted
        self.owner_is_tenant = owner_is_tenant
        self.service_catalog = service_catalog
        self.request_id = request_id or generate_request_id()

    @property
    def owner(self):
        """Who owns the images this context creates."""
        return self.tenant if self.owner_is_tenant else self.user

    def to_dict(self):
        """Return the context as a plain dict (JSON serialisable)."""
        return {
            'request_id': self.request_id,
            'auth_token': self.auth_token,
            'user': self.user,
            'tenant': self.tenant,
            'roles': list(self.roles),
            'is_admin': self.is_admin,
            'read_only': self.read_only,
            'show_deleted': self.show_deleted,
            'owner_is_tenant': self.owner_is_tenant,
            'service_catalog': self.service_catalog,
            'owner': self.owner,
        }

    def __repr__(self):
        return ('<RequestContext %s user=%s tenant=%s roles=%s admin=%s>'
                % (self.request_id, self.user, self.tenant, self.roles,
                   self.is_admin))


def from_environ(environ):
    """Return the context of the request *environ*, or ``None``."""
    return environ.get(ENVIRON_KEY)
