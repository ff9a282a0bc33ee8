"""``PUT``/``DELETE /v2/images/<id>/tags/<tag>``.

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

    def _modify(self, req, image_id, tag, change):
        """Apply ``change(record)`` as one read-modify-write (racing tag
        changes each see the one before: no tag lost, none twice)."""
        ctx = self.api.context(req)

        def checked(record):
            repo.check_owner(ctx, record, NOT_PERMITTED)
            self.api.enforce(ctx, 'modify_image')
            # Port: the schema's limit (255), not whatever the column
            # allows.
            self.api.schemas.validate_image({'tags': [tag]})
            change(record)

        repo.modify(self.api, ctx, image_id, checked)
        return webob.Response(status=204)

    def add(self, req, image_id, tag):
        """Add *tag* (idempotent); 413 over ``image_tag_quota``."""
        def change(record):
            if tag not in record['tags']:
                record['tags'] = record['tags'] + [tag]
                quota.enforce_count(self.api.conf.image_tag_quota,
                                    len(record['tags']), quota.TAGS)
        return self._modify(req, image_id, tag, change)

    def delete(self, req, image_id, tag):
        """Remove *tag*; 404 when the image does not carry it."""
        def change(record):
            if tag not in record['tags']:
                raise webob.exc.HTTPNotFound()
            record['tags'] = [other for other in record['tags']
                              if other != tag]
        return self._modify(req, image_id, tag, change)
