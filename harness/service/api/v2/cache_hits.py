"""The v2 API's answer to the cache filter: may the cached data of
``GET /v2/images/<id>/file`` be the answer?

What the v2 API checks before it sends data (``repo.load``, step by
step): the ``get_image`` policy, the id, the image record as the DB API
shows it to the request's context, then the ``get_image_location`` and
``download_image`` policies on it, its status and locations.  A hit
carries ``Content-MD5`` when the checksum is known (see
:mod:`harness.service.api.imagedata.cache_hits`).
"""

import webob.exc

from harness.service.api.imagedata import cache_hits
from harness.service.api.v2 import dbgateway
from harness.service.api.v2 import repo


class V2Hits(object):
    """The v2 hit source (the DB API in-process or through the registry's
    ``/rpc``, as :func:`~harness.service.api.v2.dbgateway.gateway`
    says)."""

    def __init__(self, conf, enforcer):
        self.conf = conf
        self.enforcer = enforcer

    def find(self, ctx, image_id):
        """A :class:`~harness.service.api.imagedata.cache_hits.Hit` or
        ``None`` (the API answers)."""
        try:
            self.enforcer.enforce(ctx, 'get_image', {})
            if not repo.is_uuid(image_id):
                return None
            record = repo.read(self.conf, dbgateway.gateway(self.conf, ctx),
                               image_id)
        except webob.exc.HTTPException:
            return None
        target = repo.policy_target(record)
        allowed = all(self.enforcer.check(ctx, action, target)
                      for action in ('get_image_location', 'download_image'))
        if (record.get('status') != 'active' or not record['locations']
                or not allowed):
            return None
        checksum = record.get('checksum')

        def add_headers(response, req):
            if checksum:
                response.headers['Content-MD5'] = checksum
        return cache_hits.Hit(record.get('size') or 0, add_headers)
