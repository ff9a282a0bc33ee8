"""The ``cache`` filter: transparent image caching.

``GET /v1/images/<id>`` and ``GET /v2/images/<id>/file`` of a cached
image are answered from the cache once the image is visible, active and
``get_image``/``download_image`` allow it (else the request goes on to the
API, which gives the 404 or 403 -- a hit never bypasses the policy).  A
miss goes to the API and the 2xx body is teed into the cache on its way
out.  A successful ``DELETE`` of an image evicts it.

Whether a hit may be served is each API version's to say: the filter
asks the version's *hit source*
(:mod:`harness.service.api.imagedata.cache_hits`), named in
:data:`HIT_SOURCES`, and never reaches into the apps it wraps.
"""

import logging
import re

import webob
import webob.dec

from harness.errors import StartupError
from harness.service import cache as cache_mod
from harness.service import context as context_mod
from harness.service import policy
from harness.service import process_conf
from harness.service.api.imagedata import cache_hits
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
#: The hit source of each API version, named as a paste file names a
#: factory (see :mod:`harness.service.api.imagedata.cache_hits`).
HIT_SOURCES = (('v1', 'harness.service.api.v1.cache_hits:V1Hits'),
               ('v2', 'harness.service.api.v2.cache_hits:V2Hits'))


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

    :param sources: ``{version: hit source}`` (by default those of
        :data:`HIT_SOURCES`, built with the configuration and one
        policy enforcer).
    :raises StartupError: the cache cannot be set up (no
        ``image_cache_dir``, directory not creatable).
    """

    def __init__(self, application, conf=None, sources=None):
        self.application = application
        self.conf = process_conf.get_conf() if conf is None else conf
        try:
            self.cache = cache_mod.ImageCache(self.conf)
        except cache_mod.CacheError as exc:
            raise StartupError(str(exc)) from None
        if sources is None:
            sources = self._default_sources()
        self.sources = sources
        LOG.info('Image cache in %s (driver %s)', self.cache.base_dir,
                 self.cache.driver_name)

    def _default_sources(self):
        # A hit checks what the API checks: its policy, v1's property
        # rules, the image in the registry (v1) or the DB (v2).  A
        # disabled version gets no hits (its requests pass through to the
        # API, which refuses them).
        enabled = {'v1': self.conf.enable_v1_api,
                   'v2': self.conf.enable_v2_api}
        enforcer = policy.Enforcer(self.conf)
        return {version: cache_hits.load(name)(self.conf, enforcer)
                for version, name in HIT_SOURCES if enabled.get(version)}

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``filter_factory``."""
        def make_filter(app):
            return cls(app)
        return make_filter

    @webob.dec.wsgify
    def __call__(self, req):
        version, image_id = match(req)
        if version not in self.sources:
            return self.application
        try:
            self.cache.layout.path(image_id)
        except ValueError:
            return self.application   # not an id the cache could hold
        if req.method == 'GET' and self.cache.is_cached(image_id):
            hit = self._serve(self.sources[version], req, image_id)
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

    def _serve(self, source, req, image_id):
        """The cached data as the answer, or ``None`` when the API must
        answer."""
        ctx = context_mod.from_environ(req.environ)
        if ctx is None:
            return None
        found = source.find(ctx, image_id)
        if found is cache_hits.GONE:
            self.cache.evict(image_id)
            return None
        if found is None:
            return None
        opened = self._open(req, image_id, found.size)
        if opened is None:
            return None
        body, size = opened
        response = _data_response(body, found.size or size)
        found.add_headers(response, req)
        return response

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
