"""The WebOb kit of the service's apps: routing, JSON in and out.

:class:`PrefixMap` and :class:`Router` dispatch requests;
:func:`json_response`, :func:`read_json` and :func:`request_context` are
what every handler of the API and the registry uses to answer, to read a
body and to learn who is asking.
"""

import functools
import json
import re

import webob
import webob.dec
import webob.exc

from harness.service import context as context_mod
from harness.service import json_body

#: Largest JSON body the API reads (the registry reads whole bodies: its
#: only callers are the API servers).
MAX_JSON_BODY = 1 << 20
#: The v2 API's answer to an empty body where one is needed.
BODY_EXPECTED = 'Body expected in request.'


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


@functools.lru_cache(maxsize=None)
def compile_routes(routes):
    """``routes`` (a tuple of ``(METHOD, regex, handler_name)``) with each
    regex compiled, once per process."""
    return tuple((method, re.compile(pattern), name)
                 for method, pattern, name in routes)


class Router(object):
    """Dispatch ``(method, path pattern)`` to a handler method.

    Subclasses list :attr:`routes` as ``(METHOD, regex, handler_name)``,
    where *handler_name* names a method of the router (``index``) or of
    one of its controllers (``images.create``: ``self.images.create``);
    the regex must match the whole ``PATH_INFO`` (an empty path is ``/``)
    and its named groups become keyword arguments of the handler, which
    receives the ``webob.Request`` and returns a response or raises
    ``webob.exc.HTTP*``.  Anything unmatched is :meth:`unmatched`
    (``404``).
    """

    routes = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # At import, so that a preloaded server's forks find them compiled.
        compile_routes(cls.routes)

    def __init__(self):
        self._table = compile_routes(self.routes)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``app_factory``."""
        return cls()

    def find(self, method, path):
        """Return ``(handler, kwargs)`` for a request, or ``(None, None)``."""
        for route_method, regex, name in self._table:
            found = regex.fullmatch(path)
            if found and route_method == method:
                return self.handler(name), found.groupdict()
        return None, None

    def handler(self, name):
        """The handler a route names (see the class docstring)."""
        return functools.reduce(getattr, name.split('.'), self)

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


def json_response(data, status=200):
    """Return a ``application/json`` response with *data* serialised."""
    return webob.Response(body=json.dumps(data).encode('utf-8'),
                          status=status, content_type='application/json',
                          charset=None)


def request_context(req):
    """Return the request context the context filter stored for *req*.

    :raises webob.exc.HTTPInternalServerError: no context (the paste
        pipeline lacks a context filter).
    """
    ctx = context_mod.from_environ(req.environ)
    if ctx is None:
        raise webob.exc.HTTPInternalServerError(
            explanation='No request context: the pipeline lacks a context '
            'filter.')
    return ctx


def read_json(req, limit=MAX_JSON_BODY, missing=None):
    """Return the parsed JSON body of *req* (any JSON type).

    Bodies are parsed whatever their ``Content-Type``, by the service's
    one JSON loader (:mod:`harness.service.json_body`: depth limit, no
    non-finite numbers), so every app refuses the same bodies.

    :param limit: the most bytes read from ``wsgi.input`` (``None``: the
        whole ``req.body``, and a body of only blanks is no empty one).
    :param missing: the explanation of the 400 answering an empty body
        (``None``: an empty body reads as ``None``).
    :raises webob.exc.HTTPBadRequest: an empty body and *missing*, not
        JSON (``Malformed JSON in request body.``), or the depth / number
        refusal of :mod:`harness.service.json_body`.
    :raises webob.exc.HTTPRequestEntityTooLarge: body over *limit*.
    """
    if limit is None:
        data = req.body
        empty = not data
    else:
        data = req.environ['wsgi.input'].read(limit + 1)
        if len(data) > limit:
            raise webob.exc.HTTPRequestEntityTooLarge(
                explanation='Request body too large.')
        empty = not data.strip()
    if empty:
        if missing is not None:
            raise webob.exc.HTTPBadRequest(explanation=missing)
        return None
    try:
        return json_body.loads(data)
    except json_body.InvalidJSON as exc:
        raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
