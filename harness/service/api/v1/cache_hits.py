"""The v1 API's answer to the cache filter: may the cached data of
``GET /v1/images/<id>`` be the answer, and with which headers?

What the v1 API checks before it sends data: the image as the registry
shows it to the request's context, the ``get_image`` and
``download_image`` policies on it, and its status.  A hit carries the
headers of the API's own answer (see
:mod:`harness.service.api.imagedata.cache_hits`).
"""

import webob.exc

from harness.service import property_protections
from harness.service.api.imagedata import cache_hits
from harness.service.api.v1 import common
from harness.service.api.v1 import download


def _registry_client(conf, ctx):
    # Imported on first use, as the v1 API does: the registry client is
    # only needed once a request arrives.
    from harness.service.registry.client import RegistryClient
    return RegistryClient(conf, ctx)


class V1Hits(object):
    """The v1 hit source.

    :param client_factory: ``(conf, context) -> registry client`` (the
        registry's by default).
    :raises harness.errors.StartupError: the property protection
        configuration is invalid.
    """

    def __init__(self, conf, enforcer, client_factory=None):
        self.conf = conf
        self.enforcer = enforcer
        self.client_factory = client_factory or _registry_client
        self.property_rules = property_protections.load(conf, enforcer)

    def find(self, ctx, image_id):
        """A :class:`~harness.service.api.imagedata.cache_hits.Hit`,
        ``GONE`` or ``None`` (the API answers)."""
        try:
            image = self.client_factory(self.conf, ctx).get_image(image_id)
        except webob.exc.HTTPException:
            return None   # the API answers (404, 403...)
        if image.get('deleted') or image.get('status') in (
                'deleted', 'pending_delete'):
            return cache_hits.GONE
        target = download.policy_target(image)
        allowed = all(self.enforcer.check(ctx, action, target)
                      for action in ('get_image', 'download_image'))
        if image.get('status') != 'active' or not allowed:
            return None

        def add_headers(response, req):
            shown = common.readable(common.redact_locations(image),
                                    self.property_rules, ctx)
            shown['size'] = response.content_length
            download.add_headers(response, req, shown)
        return cache_hits.Hit(image.get('size') or 0, add_headers)
