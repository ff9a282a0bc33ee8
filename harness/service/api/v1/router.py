"""Routes of the v1 API (reference-service.md section 9).

Only the listings exist so far; the rest of the table of section 9.1 is
added route by route (everything unmatched is ``404``).
"""

import webob.exc

from harness.service import api
from harness.service import context as context_mod
from harness.service import policy
from harness.service import state

#: Query parameters that filter listings (section 9.2).
SUPPORTED_FILTERS = ('name', 'status', 'container_format', 'disk_format',
                     'min_ram', 'min_disk', 'size_min', 'size_max',
                     'is_public', 'changes-since', 'protected')
#: Paging and sorting parameters passed through to the registry.
SUPPORTED_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir')
_NON_NEGATIVE_INTS = ('size_min', 'size_max', 'min_ram')
_BOOLEAN_FILTERS = ('is_public', 'protected')
_BOOLEAN_VALUES = ('none', 'true', 'false', '1', '0')


def valid_filter(name, value):
    """Return whether filter *name* accepts *value* (API-side check)."""
    if name in _NON_NEGATIVE_INTS:
        try:
            return int(value) >= 0
        except ValueError:
            return False
    if name in _BOOLEAN_FILTERS:
        return value.lower() in _BOOLEAN_VALUES
    return True


def query_params(req):
    """Return the registry listing arguments of a v1 list request.

    :returns: ``{'filters': {...}, 'limit': ..., 'marker': ..., ...}``
        with only the parameters present in the query string.
    :raises webob.exc.HTTPBadRequest: a filter has an invalid value.
    """
    filters = {}
    for name, value in req.GET.items():
        if name not in SUPPORTED_FILTERS and not name.startswith('property-'):
            continue
        if not valid_filter(name, value):
            raise webob.exc.HTTPBadRequest(
                'Bad value passed to filter %s got %s' % (name, value))
        filters[name] = value
    params = {'filters': filters}
    for name in SUPPORTED_PARAMS:
        if name in req.GET:
            params[name] = req.GET[name]
    return params


def _registry_client(conf, ctx):
    # Imported on first use: the registry client is only needed once a
    # request arrives, not to start the process.
    from harness.service.registry.client import RegistryClient
    return RegistryClient(conf, ctx)


class API(api.Router):
    """The ``/v1`` application.

    :param conf: service configuration (default: the process one).
    :param client_factory: ``(conf, context) -> registry client``; tests
        pass a fake.
    """

    routes = (
        ('GET', r'/', 'index'),
        ('GET', r'/images', 'index'),
        ('GET', r'/images/detail', 'detail'),
    )

    def __init__(self, conf=None, client_factory=None):
        super().__init__()
        self.conf = state.get_conf() if conf is None else conf
        self.client_factory = client_factory or _registry_client
        self.enforcer = policy.Enforcer(self.conf)

    def index(self, req):
        """``GET /v1/images``: brief entries of the visible images."""
        client = self._authorized_client(req, 'get_images')
        images = client.get_images(**query_params(req))
        return api.json_response({'images': images})

    def detail(self, req):
        """``GET /v1/images/detail``: full entries, locations removed."""
        client = self._authorized_client(req, 'get_images')
        images = client.get_images_detailed(**query_params(req))
        return api.json_response({'images': [redact_locations(image)
                                             for image in images]})

    def _authorized_client(self, req, action):
        ctx = request_context(req)
        self.enforcer.enforce(ctx, action, {})
        return self.client_factory(self.conf, ctx)


def request_context(req):
    """Return the context the context filter stored for *req*.

    :raises webob.exc.HTTPInternalServerError: the pipeline has no context
        filter (a paste configuration error).
    """
    ctx = context_mod.from_environ(req.environ)
    if ctx is None:
        raise webob.exc.HTTPInternalServerError(
            'No request context: the pipeline lacks a context filter.')
    return ctx


def redact_locations(image):
    """Return *image* without ``location``/``location_data`` (spec 9.2)."""
    return {key: value for key, value in image.items()
            if key not in ('location', 'location_data')}
