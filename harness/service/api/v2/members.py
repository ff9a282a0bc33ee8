"""Image members of v2: share an image with a tenant, who then accepts,
rejects or leaves it pending."""

import webob
import webob.exc

from harness.service import errors as db_errors
from harness.service import quota
from harness.service import webapp
from harness.service.api.v2 import attrs
from harness.service.api.v2 import repo
from harness.service.api.v2 import view

STATUSES = ('pending', 'accepted', 'rejected')


def forbidden(message):
    return webob.exc.HTTPForbidden(explanation=message)


def _is_owner(ctx, record):
    return ctx.is_admin or (ctx.owner is not None
                            and record['owner'] == ctx.owner)


class MembersController(object):
    """Member create, list, show, update, delete (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def _image(self, ctx, image_id):
        """The record of a non-public image (403 for a public one)."""
        record = repo.load(self.api, ctx, image_id)
        if record['visibility'] == 'public':
            raise forbidden('Public images do not have members.')
        return record

    def _find(self, ctx, image_id, member_id, public_forbidden=True):
        """The member row of *member_id* as *ctx* sees it, or 404.

        A public image has no members: 403, or 404 for a mere look
        (*public_forbidden* false), as 2014.1 answered.
        """
        record = repo.load(self.api, ctx, image_id)
        self.api.enforce(ctx, 'get_member')
        rows = []
        if record['visibility'] == 'public':
            if public_forbidden:
                raise forbidden('Public images do not have members.')
        else:
            rows = self.api.db(ctx).image_member_find(image_id=image_id,
                                                      member=member_id)
        if not rows:
            raise webob.exc.HTTPNotFound(
                explanation='Member %s not found for image %s'
                % (member_id, image_id))
        return record, rows[0]

    def create(self, req, image_id):
        """``POST .../members`` body ``{"member": "<tenant>"}``: 200."""
        ctx = self.api.context(req)
        body = webapp.read_json(req, missing=webapp.BODY_EXPECTED)
        if not isinstance(body, dict) or 'member' not in body:
            raise webob.exc.HTTPBadRequest(
                explanation='Member to be added not specified')
        member_id = body['member']
        if not member_id:
            raise webob.exc.HTTPBadRequest(
                explanation="Member can't be empty")
        if not isinstance(member_id, str):
            raise webob.exc.HTTPBadRequest(
                explanation='Member to be added not specified')
        attrs.check_length('Member', member_id)
        record = self._image(ctx, image_id)
        if not _is_owner(ctx, record):
            raise forbidden('You are not permitted to create image members '
                            'for the image.')
        self.api.enforce(ctx, 'add_member')
        db = self.api.db(ctx)
        count = db.image_member_count(image_id=image_id)
        quota.enforce_count(self.api.conf.image_member_quota, count + 1,
                            quota.MEMBERS)
        try:
            row = db.image_member_create(values={
                'image_id': image_id, 'member': member_id,
                'status': 'pending'})
        except db_errors.Duplicate as exc:
            raise webob.exc.HTTPConflict(explanation=str(exc)) from None
        except db_errors.Invalid as exc:
            raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
        return webapp.json_response(view.member(row))

    def index(self, req, image_id):
        """``GET .../members``: all rows (owner, admin) or one's own."""
        ctx = self.api.context(req)
        record = self._image(ctx, image_id)
        self.api.enforce(ctx, 'get_members')
        rows = self.api.db(ctx).image_member_find(image_id=image_id)
        if not _is_owner(ctx, record):
            rows = [row for row in rows if row['member'] == ctx.owner]
            if not rows:
                raise forbidden('You cannot get image member for %s'
                                % image_id)
        return webapp.json_response({
            'members': [view.member(row) for row in rows],
            'schema': '/v2/schemas/members'})

    def show(self, req, image_id, member_id):
        """``GET .../members/<m>``: owner, admin or the member; else 404.
        """
        ctx = self.api.context(req)
        record, row = self._find(ctx, image_id, member_id,
                                 public_forbidden=False)
        if not _is_owner(ctx, record) and row['member'] != ctx.owner:
            raise webob.exc.HTTPNotFound()
        return webapp.json_response(view.member(row))

    def update(self, req, image_id, member_id):
        """``PUT .../members/<m>`` body ``{"status": ...}``: the member
        itself (or an admin) sets its status."""
        ctx = self.api.context(req)
        body = webapp.read_json(req, missing=webapp.BODY_EXPECTED)
        if not isinstance(body, dict) or 'status' not in body:
            raise webob.exc.HTTPBadRequest(explanation='Status not specified')
        record, row = self._find(ctx, image_id, member_id)
        if not ctx.is_admin and row['member'] != ctx.owner:
            raise forbidden('You cannot update image member %s' % member_id)
        self.api.enforce(ctx, 'modify_member')
        if body['status'] not in STATUSES:
            raise webob.exc.HTTPBadRequest(
                explanation='Status must be "pending", "accepted" or '
                            '"rejected".')
        try:
            row = self.api.db(ctx).image_member_update(
                memb_id=row['id'], values={'status': body['status']})
        except db_errors.NotFound:
            raise webob.exc.HTTPNotFound() from None
        return webapp.json_response(view.member(row))

    def delete(self, req, image_id, member_id):
        """``DELETE .../members/<m>``: owner or admin only; 204."""
        ctx = self.api.context(req)
        record, row = self._find(ctx, image_id, member_id)
        if not _is_owner(ctx, record):
            raise forbidden('You cannot delete image member for %s'
                            % image_id)
        self.api.enforce(ctx, 'delete_member')
        try:
            self.api.db(ctx).image_member_delete(memb_id=row['id'])
        except db_errors.NotFound:
            raise webob.exc.HTTPNotFound() from None
        return webob.Response(status=204)
