"""``PUT``/``DELETE /v2/images/<id>/tags/<tag>`` (spec 10.9).

The router's path is already percent-decoded (``gabe%40example.com`` is
``gabe@example.com``).  Each change is one save of the image, as in
Glance, so ``updated_at`` moves too.
"""

import webob
import webob.exc

from harness.service import quota
from harness.service.api.v2 import repo

NOT_PERMITTED = 'You are not permitted to modify tags on this image.'


class TagsController(object):
    """Tag add and remove (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def _load_writable(self, req, image_id):
        ctx = self.api.context(req)
        record = repo.load(self.api, ctx, image_id)
        repo.check_owner(ctx, record, NOT_PERMITTED)
        self.api.enforce(ctx, 'modify_image')
        return ctx, record

    def add(self, req, image_id, tag):
        """Add *tag* (idempotent); 413 over ``image_tag_quota``."""
        ctx, record = self._load_writable(req, image_id)
        # Port: the schema's limit (255), not whatever the column allows.
        self.api.schemas.validate_image({'tags': [tag]})
        old_tags = list(record['tags'])
        if tag not in old_tags:
            record['tags'] = old_tags + [tag]
            quota.enforce_count(self.api.conf.image_tag_quota,
                                len(record['tags']), quota.TAGS)
        repo.save(self.api, ctx, record, old_tags=old_tags)
        return webob.Response(status=204)

    def delete(self, req, image_id, tag):
        """Remove *tag*; 404 when the image does not carry it."""
        ctx, record = self._load_writable(req, image_id)
        # Port: the schema's limit (255), not whatever the column allows.
        self.api.schemas.validate_image({'tags': [tag]})
        old_tags = list(record['tags'])
        if tag not in old_tags:
            raise webob.exc.HTTPNotFound()
        record['tags'] = [other for other in old_tags if other != tag]
        repo.save(self.api, ctx, record, old_tags=old_tags)
        return webob.Response(status=204)
