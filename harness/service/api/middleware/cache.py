"""The ``cache`` filter: transparent image caching.

``GET /v1/images/<id>`` and ``GET /v2/images/<id>/file`` of a cached
image are answered from the cache once the image is visible, active and
``get_image``/``download_image`` allow it (else the request goes on to the
API, which gives the 404 or 403 -- a hit never bypasses the policy).  A
miss goes to the API and the 2xx body is teed into the cache on its way
out.  A successful ``DELETE`` of an image evicts it.
"""

import logging
import re

import webob
import webob.dec
import webob.exc

from harness.errors import StartupError
from harness.service import cache as cache_mod
from harness.service import context as context_mod
from harness.service import policy
from harness.service import process_conf
from harness.service import property_protections
from harness.service.api.v1 import common as v1_common
from harness.service.api.v1 import download as v1_download
from harness.service.api.v2 import dbgateway
from harness.service.api.v2 import repo
from harness.service.cache import tee

LOG = logging.getLogger(__name__)

OCTET_STREAM = 'application/octet-stream'
#: Read size of a cache hit (two such buffers per response).
CHUNK_SIZE = 2 * 1024 * 1024
_ROUTES = (
    ('GET', 'v1', re.compile(r'^/v1/images/(?P<id>[^/]+)$')),
    ('DELETE', 'v1', re.compile(r'^/v1/images/(?P<id>[^/]+)$')),
    ('GET', 'v2', re.compile(r'^/v2/images/(?P<id>[^/]+)/file$')),
    ('DELETE', 'v2', re.compile(r'^/v2/images/(?P<id>[^/]+)$')),
)


def match(req):
    """``(version, image_id)`` of a request the cache handles, or
    ``(None, None)``."""
    for method, version, pattern in _ROUTES:
        if req.method != method:
            continue
        found = pattern.match(req.path_info)
        if found and found.group('id') != 'detail':
            return version, found.group('id')
    return None, None


class CacheFilter(object):
    """Paste filter in front of the API application.

    :raises StartupError: the cache cannot be set up (no
        ``image_cache_dir``, directory not creatable).
    """

    def __init__(self, application, conf=None):
        self.application = application
        self.conf = process_conf.get_conf() if conf is None else conf
        try:
            self.cache = cache_mod.ImageCache(self.conf)
        except cache_mod.CacheError as exc:
            raise StartupError(str(exc)) from None
        # A hit checks what the API checks: its policy, v1's property
        # rules, the image in the registry (v1) or the DB (v2).  A
        # disabled version gets no hits (its requests pass through to the
        # API, which refuses them).
        self.versions = {version for version, enabled in (
            ('v1', self.conf.enable_v1_api), ('v2', self.conf.enable_v2_api))
            if enabled}
        self.enforcer = policy.Enforcer(self.conf)
        self.property_rules = None
        if 'v1' in self.versions:
            self.property_rules = property_protections.load(self.conf,
                                                            self.enforcer)
        LOG.info('Image cache in %s (driver %s)', self.cache.base_dir,
                 self.cache.driver_name)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``filter_factory``."""
        def make_filter(app):
            return cls(app)
        return make_filter

    @webob.dec.wsgify
    def __call__(self, req):
        version, image_id = match(req)
        if version not in self.versions:
            return self.application
        try:
            self.cache.layout.path(image_id)
        except ValueError:
            return self.application   # not an id the cache could hold
        if req.method == 'GET' and self.cache.is_cached(image_id):
            hit = getattr(self, '_serve_' + version)(req, image_id)
            if hit is not None:
                return hit
        response = req.get_response(self.application)
        if req.method == 'DELETE':
            if 200 <= response.status_code < 300:
                self.cache.evict(image_id)
        elif self._fillable(response, image_id):
            self._fill(response, image_id)
        return response

    # -- hits --------------------------------------------------------------

    def _allowed(self, ctx, actions, target):
        return all(self.enforcer.check(ctx, action, target)
                   for action in actions)

    def _registry(self, ctx):
        # Imported on first use, as the v1 API does: the registry client
        # is only needed once a request arrives.
        from harness.service.registry.client import RegistryClient
        return RegistryClient(self.conf, ctx)

    def _open(self, req, image_id, expected_size):
        """The cached file as a WSGI body, ``(body, size)``; ``None`` when
        it vanished or has the wrong size (then it is evicted)."""
        try:
            cached = self.cache.open_for_read(image_id)
        except FileNotFoundError:
            return None
        if expected_size and cached.size != expected_size:
            LOG.warning('Cached image %s has %d bytes, %d expected: evicted',
                        image_id, cached.size, expected_size)
            cached.close()
            self.cache.evict(image_id)
            return None
        return _FileIter(cached), cached.size

    def _serve_v1(self, req, image_id):
        ctx = context_mod.from_environ(req.environ)
        if ctx is None:
            return None
        try:
            image = self._registry(ctx).get_image(image_id)
        except webob.exc.HTTPException:
            return None   # the API answers (404, 403...)
        if image.get('deleted') or image.get('status') in (
                'deleted', 'pending_delete'):
            self.cache.evict(image_id)
            return None
        target = v1_download.policy_target(image)
        allowed = self._allowed(ctx, ('get_image', 'download_image'), target)
        if image.get('status') != 'active' or not allowed:
            return None
        opened = self._open(req, image_id, image.get('size') or 0)
        if opened is None:
            return None
        body, size = opened
        image = v1_common.readable(v1_common.redact_locations(image),
                                   self.property_rules, ctx)
        image['size'] = image.get('size') or size
        response = _data_response(body, image['size'])
        v1_download.add_headers(response, req, image)
        return response

    def _serve_v2(self, req, image_id):
        ctx = context_mod.from_environ(req.environ)
        if ctx is None:
            return None
        try:
            # What repo.load does for the v2 API, step by step.
            self.enforcer.enforce(ctx, 'get_image', {})
            if not repo.is_uuid(image_id):
                return None
            record = repo.read(self.conf, dbgateway.gateway(self.conf, ctx),
                               image_id)
        except webob.exc.HTTPException:
            return None
        target = repo.policy_target(record)
        allowed = self._allowed(ctx, ('get_image_location', 'download_image'),
                                target)
        if (record.get('status') != 'active' or not record['locations']
                or not allowed):
            return None
        opened = self._open(req, image_id, record.get('size') or 0)
        if opened is None:
            return None
        body, size = opened
        response = _data_response(body, record.get('size') or size)
        if record.get('checksum'):
            response.headers['Content-MD5'] = record['checksum']
        return response

    # -- fills -------------------------------------------------------------

    def _fillable(self, response, image_id):
        return (200 <= response.status_code < 300
                and response.status_code != 204
                and response.content_length
                and self.cache.is_cacheable(image_id))

    def _fill(self, response, image_id):
        checksum = (response.headers.get('Content-MD5')
                    or response.headers.get('x-image-meta-checksum'))
        size = response.content_length
        response.app_iter = tee.CachingIter(
            self.cache, image_id, checksum, response.app_iter, size)
        # webob drops Content-Length when app_iter is replaced.
        response.content_length = size


def _data_response(body, size):
    response = webob.Response(status=200, app_iter=body,
                              content_type=OCTET_STREAM, charset=None)
    response.content_length = size
    return response


class _FileIter(object):
    """The body of a cached file, read into two rotating buffers.

    Not ``wsgi.file_wrapper``: on the development machine ``sendfile(2)``
    of a page-cached file over loopback ran at 1.4-1.6 GiB/s where
    ``readinto`` + ``sendall`` of 2-4 MiB reached 1.9-2.2 GiB/s.  A chunk
    is a view that stays valid until the next-but-one ``next()``: the
    server (and the gzip filter) are done with it by then.
    """

    def __init__(self, cached, chunk_size=CHUNK_SIZE):
        self.cached = cached
        self.chunk_size = chunk_size
        self._buffers = None
        self._count = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._buffers is None:
            size = min(self.chunk_size, max(self.cached.size, 1))
            self._buffers = [memoryview(bytearray(size)) for _ in range(2)]
        buffer = self._buffers[self._count % 2]
        self._count += 1
        got = self.cached.readinto(buffer)
        if not got:
            raise StopIteration
        return buffer[:got]

    def close(self):
        self.cached.close()
