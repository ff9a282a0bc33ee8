"""The image API application: a URL map of versions, ``/v1``, ``/v2``.

Also the small route-table :class:`Router` the version routers build on.
"""

import json
import re

import webob
import webob.dec
import webob.exc

from harness.service import policy
from harness.service import property_protections
from harness.service import state


class PrefixMap(object):
    """Dispatch on the longest matching path prefix (like paste's urlmap).

    The matched prefix moves from ``PATH_INFO`` to ``SCRIPT_NAME``; the
    prefix ``/`` matches everything and moves nothing.
    """

    def __init__(self, apps):
        self.apps = sorted(((prefix.rstrip('/'), app)
                            for prefix, app in apps.items()),
                           key=lambda item: len(item[0]), reverse=True)

    def match(self, path_info):
        """Return ``(prefix, app)`` for *path_info*, or ``(None, None)``."""
        for prefix, app in self.apps:
            if (not prefix or path_info == prefix
                    or path_info.startswith(prefix + '/')):
                return prefix, app
        return None, None

    @webob.dec.wsgify
    def __call__(self, req):
        prefix, app = self.match(req.path_info)
        if app is None:
            raise webob.exc.HTTPNotFound()
        req.script_name += prefix
        req.path_info = req.path_info[len(prefix):]
        return app


def enabled_prefixes(conf, prefixes):
    """Drop ``/v1`` / ``/v2`` from *prefixes* for disabled APIs."""
    disabled = set()
    if not conf.enable_v1_api:
        disabled.add('/v1')
    if not conf.enable_v2_api:
        disabled.add('/v2')
    return [prefix for prefix in prefixes
            if prefix.rstrip('/') not in disabled]


def root_app_factory(loader, global_conf, **local_conf):
    """paste ``composite_factory`` of ``[composite:rootapp]``.

    *local_conf* maps a path prefix to the name of a paste app.
    """
    conf = state.get_conf()
    prefixes = [key for key in local_conf if key.startswith('/')]
    apps = {}
    for prefix in enabled_prefixes(conf, prefixes):
        apps[prefix] = loader.get_app(local_conf[prefix],
                                      global_conf=global_conf)
    return PrefixMap(apps)


class Router(object):
    """Dispatch ``(method, path pattern)`` to a handler method.

    Subclasses list :attr:`routes` as ``(METHOD, regex, handler_name)``;
    the regex must match the whole ``PATH_INFO`` (an empty path is ``/``)
    and its named groups become keyword arguments of the handler, which
    receives the ``webob.Request`` and returns a response or raises
    ``webob.exc.HTTP*``.  Anything unmatched is :meth:`unmatched`
    (``404``).
    """

    routes = ()

    def __init__(self):
        self._table = [(method, re.compile(pattern), name)
                       for method, pattern, name in self.routes]

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``app_factory``."""
        return cls()

    def find(self, method, path):
        """Return ``(handler, kwargs)`` for a request, or ``(None, None)``."""
        for route_method, regex, name in self._table:
            found = regex.fullmatch(path)
            if found and route_method == method:
                return getattr(self, name), found.groupdict()
        return None, None

    @webob.dec.wsgify
    def __call__(self, req):
        handler, kwargs = self.find(req.method, req.path_info or '/')
        if handler is None:
            return self.unmatched(req)
        return handler(req, **kwargs)

    def allowed_methods(self, path, refusing=()):
        """The methods routed for *path*, sorted (empty: none), except
        those whose handler is named in *refusing* (always a 405)."""
        return sorted({method for method, regex, name in self._table
                       if regex.fullmatch(path) and name not in refusing})

    def unmatched(self, req):
        """The answer when no route matches: ``404``."""
        raise webob.exc.HTTPNotFound()


#: Default of ``property_rules``: load them from the configuration.
UNSET = object()


class ImagesRouter(Router):
    """A version's images app: what its controllers share.

    :param conf: service configuration (default: the process one).
    :param property_rules: loaded property protections; by default loaded
        from ``conf.property_protection_file`` (``None``: disabled).
    """

    def __init__(self, conf=None, property_rules=UNSET):
        super().__init__()
        self.conf = state.get_conf() if conf is None else conf
        self.enforcer = policy.Enforcer(self.conf)
        if property_rules is UNSET:
            property_rules = property_protections.load(self.conf,
                                                       self.enforcer)
        self.property_rules = property_rules

    def enforce(self, ctx, action, target=None):
        """Bare ``403`` unless policy allows *action*."""
        self.enforcer.enforce(ctx, action, target or {})


def json_response(data, status=200):
    """Return a ``application/json`` response with *data* serialised."""
    return webob.Response(body=json.dumps(data).encode('utf-8'),
                          status=status, content_type='application/json',
                          charset=None)
