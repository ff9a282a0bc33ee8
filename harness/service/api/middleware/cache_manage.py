"""The ``cache_manage`` filter: the image cache management API.

Seven routes under ``/v1`` (the path after version negotiation), each
needing the ``manage_image_cache`` policy, else a bare 403::

    GET    /v1/cached_images            {"cached_images": [...]}
    DELETE /v1/cached_images/<id>       null
    DELETE /v1/cached_images            {"num_deleted": n}
    GET    /v1/queued_images            {"queued_images": [...]}
    PUT    /v1/queued_images/<id>       null
    DELETE /v1/queued_images/<id>       null
    DELETE /v1/queued_images            {"num_deleted": n}

Anything else goes down the pipeline (so without this filter the same
paths reach the v1 router and are 404).  Unlike Glance 2014.1, queueing
asks the registry first: an image the caller cannot see, or one that is
deleted or killed, is a 400 rather than a queue marker the prefetcher
would skip forever.
"""

import logging

import webob.exc

from harness.service import cache as cache_mod
from harness.service import context as context_mod
from harness.service import policy
from harness.service import process_conf
from harness.service import webapp
from harness.service.api.middleware import base
from harness.service.registry import client as registry_client
from harness.service.webapp import json_response

LOG = logging.getLogger('harness.api.middleware.cache_manage')

POLICY = 'manage_image_cache'
# Any rest of the path: an id with a '/' is refused (400), not passed on
# to the v1 router's 404, which would read as "filter not enabled".
_ID = r'(?P<image_id>.+)'
#: Statuses from which an image never becomes ``active`` again.
DEAD_STATUSES = ('deleted', 'pending_delete', 'killed')


def _registry_client(conf, ctx):
    return registry_client.RegistryClient(conf, ctx)


class CacheController(object):
    """The handlers, over one :class:`harness.service.cache.ImageCache`.

    :param client_factory: ``(conf, context) -> registry client`` (tests
        pass their own).
    """

    def __init__(self, conf, cache=None, client_factory=None):
        self.conf = conf
        self.cache = cache_mod.ImageCache(conf) if cache is None else cache
        self.enforcer = policy.Enforcer(conf)
        self.client_factory = client_factory or _registry_client

    def authorize(self, req):
        """The request context, once ``manage_image_cache`` allows it."""
        ctx = context_mod.from_environ(req.environ)
        if ctx is None:
            raise webob.exc.HTTPInternalServerError(
                'No request context: the pipeline lacks a context filter.')
        if not self.enforcer.check(ctx, POLICY, {}):
            LOG.debug('User not permitted to manage the image cache')
            raise webob.exc.HTTPForbidden()
        return ctx

    def get_cached_images(self, req):
        self.authorize(req)
        return {'cached_images': self.cache.get_cached_images()}

    def delete_cached_image(self, req, image_id):
        self.authorize(req)
        _by_id(self.cache.delete_cached_image, image_id)

    def delete_cached_images(self, req):
        self.authorize(req)
        return {'num_deleted': self.cache.delete_all_cached_images()}

    def get_queued_images(self, req):
        self.authorize(req)
        return {'queued_images': self.cache.get_queued_images()}

    def queue_image(self, req, image_id):
        ctx = self.authorize(req)
        # A malformed id is 400 before the registry is asked.
        _by_id(self.cache.is_queued, image_id)
        self.check_queueable(ctx, image_id)
        _by_id(self.cache.queue_image, image_id)

    def delete_queued_image(self, req, image_id):
        self.authorize(req)
        _by_id(self.cache.delete_queued_image, image_id)

    def delete_queued_images(self, req):
        self.authorize(req)
        return {'num_deleted': self.cache.delete_all_queued_images()}

    def check_queueable(self, ctx, image_id):
        """400 unless the registry shows *ctx* a live image *image_id*."""
        client = self.client_factory(self.conf, ctx)
        try:
            image = client.get_image(image_id)
        except (webob.exc.HTTPNotFound, webob.exc.HTTPForbidden):
            raise webob.exc.HTTPBadRequest(
                'No image found with ID %s: it cannot be queued for '
                'caching' % image_id) from None
        status = image.get('status')
        if image.get('deleted') or status in DEAD_STATUSES:
            raise webob.exc.HTTPBadRequest(
                'Image %s is %s: it cannot be queued for caching'
                % (image_id, 'deleted' if image.get('deleted') else status))


def _by_id(method, image_id):
    """Call ``method(image_id)``; an id unfit for a file name is 400."""
    try:
        return method(image_id)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            'Invalid image id %r' % (image_id,)) from None


class CacheManageFilter(base.Middleware):
    """Answer the management routes; pass every other request on."""

    routes = (
        ('GET', r'/v1/cached_images', 'get_cached_images'),
        ('DELETE', r'/v1/cached_images/' + _ID, 'delete_cached_image'),
        ('DELETE', r'/v1/cached_images', 'delete_cached_images'),
        ('PUT', r'/v1/queued_images/' + _ID, 'queue_image'),
        ('GET', r'/v1/queued_images', 'get_queued_images'),
        ('DELETE', r'/v1/queued_images/' + _ID, 'delete_queued_image'),
        ('DELETE', r'/v1/queued_images', 'delete_queued_images'),
    )
    # Compiled at import, as the routers' are (webapp.Router).
    webapp.compile_routes(routes)

    def __init__(self, application, conf=None, controller=None):
        super().__init__(application)
        conf = process_conf.get_conf() if conf is None else conf
        self.controller = controller or CacheController(conf)
        self._table = webapp.compile_routes(self.routes)

    def process_request(self, req):
        for method, regex, name in self._table:
            found = regex.fullmatch(req.path_info)
            if found and method == req.method:
                handler = getattr(self.controller, name)
                return json_response(handler(req, **found.groupdict()))
        return None
