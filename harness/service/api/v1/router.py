"""Routes of the v1 API.

The :class:`API` app holds what every handler needs (configuration,
policy enforcer, property protections, the registry client factory) and
hands each route to its controller.  Anything unmatched is ``404``.
"""

import webob.exc

from harness.service import api
from harness.service import webapp
from harness.service.api.v1 import deletion
from harness.service.api.v1 import download
from harness.service.api.v1 import common
from harness.service.api.v1 import images
from harness.service.api.v1 import members
from harness.service.api.v1 import protections
from harness.service.db import values

#: Query parameters that filter listings.
SUPPORTED_FILTERS = ('name', 'status', 'container_format', 'disk_format',
                     'min_ram', 'min_disk', 'size_min', 'size_max',
                     'is_public', 'changes-since', 'protected')
#: Paging and sorting parameters passed through to the registry.
SUPPORTED_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir')
#: Integer filters and the largest value of the column each one reads.
_NON_NEGATIVE_INTS = {'size_min': values.BIG_INTEGER_MAX,
                      'size_max': values.BIG_INTEGER_MAX,
                      'min_ram': values.INTEGER_MAX,
                      'min_disk': values.INTEGER_MAX}
_BOOLEAN_FILTERS = ('is_public', 'protected')
_BOOLEAN_VALUES = ('none', 'true', 'false', '1', '0')
_ID = r'(?P<image_id>[^/]+)'
_MEMBER = r'(?P<member_id>[^/]+)'


def valid_filter(name, value):
    """Return whether filter *name* accepts *value* (API-side check)."""
    if name in _NON_NEGATIVE_INTS:
        try:
            return 0 <= int(value) <= _NON_NEGATIVE_INTS[name]
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


class API(api.ImagesRouter):
    """The ``/v1`` application.

    :param conf: service configuration (default: the process one).
    :param client_factory: ``(conf, context) -> registry client``; tests
        pass a fake.
    :param property_rules: loaded property protections; by default loaded
        from ``conf.property_protection_file`` (``None``: disabled).
    :raises harness.errors.StartupError: the property protection
        configuration is invalid (the API process then exits 1).
    """

    routes = (
        ('GET', r'/', 'index'),
        ('GET', r'/images', 'index'),
        ('GET', r'/images/detail', 'detail'),
        ('POST', r'/images', 'images.create'),
        ('HEAD', r'/images/' + _ID, 'download.meta'),
        ('GET', r'/images/' + _ID, 'download.show'),
        ('PUT', r'/images/' + _ID, 'images.update'),
        ('DELETE', r'/images/' + _ID, 'deletion.delete'),
        ('GET', r'/images/%s/members' % _ID, 'members.index'),
        ('PUT', r'/images/%s/members' % _ID, 'members.replace'),
        ('GET', r'/images/%s/members/%s' % (_ID, _MEMBER),
         'members.not_allowed'),
        ('PUT', r'/images/%s/members/%s' % (_ID, _MEMBER), 'members.update'),
        ('DELETE', r'/images/%s/members/%s' % (_ID, _MEMBER),
         'members.delete'),
        ('GET', r'/shared-images/' + _MEMBER, 'members.shared_images'),
    )

    def __init__(self, conf=None, client_factory=None,
                 property_rules=api.UNSET):
        super().__init__(conf, property_rules)
        self.client_factory = client_factory or _registry_client
        self.protections = protections.V1Protections(self.property_rules)
        # The controllers the routes name (``images.create``...).
        self.images = images.ImagesController(self)
        self.download = download.DownloadController(self)
        self.deletion = deletion.DeleteController(self)
        self.members = members.MembersController(self)

    # -- what the controllers share --------------------------------------

    def client(self, ctx):
        """A registry client acting for *ctx*."""
        return self.client_factory(self.conf, ctx)

    def authorize(self, req, action):
        """Enforce *action* for *req*; return ``(context, client)``."""
        ctx = webapp.request_context(req)
        self.enforce(ctx, action)
        return ctx, self.client(ctx)

    # -- listings --------------------------------------------------------

    def index(self, req):
        """``GET /v1/images``: brief entries of the visible images."""
        ctx, client = self.authorize(req, 'get_images')
        listed = client.get_images(**query_params(req))
        return webapp.json_response({'images': listed})

    def detail(self, req):
        """``GET /v1/images/detail``: full entries, locations and
        unreadable properties removed."""
        ctx, client = self.authorize(req, 'get_images')
        listed = client.get_images_detailed(**query_params(req))
        return webapp.json_response({'images': [
            common.readable(common.redact_locations(image),
                            self.property_rules, ctx)
            for image in listed]})
