"""Image members of v1: who an image is shared with."""

import logging

import webob.exc

from harness.service import errors as db_errors
from harness.service import quota
from harness.service import webapp
from harness.service.api.v1 import common
from harness.service.db import values

LOG = logging.getLogger(__name__)


def _no_content():
    return webob.exc.HTTPNoContent()


class MembersController(object):
    """Member list, replace, add/update, delete (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def index(self, req, image_id):
        """``GET .../members``: ``{"members": [...]}``."""
        ctx, client = self.api.authorize(req, 'get_members')
        self._check_not_deleted(client, image_id)
        try:
            members = client.get_image_members(image_id)
        except webob.exc.HTTPNotFound:
            raise webob.exc.HTTPNotFound(
                explanation='Image with identifier %s not found'
                % image_id) from None
        except webob.exc.HTTPForbidden:
            raise webob.exc.HTTPForbidden(
                explanation='Unauthorized image access') from None
        return webapp.json_response({'members': members})

    def replace(self, req, image_id):
        """``PUT .../members``: the body's memberships become the set."""
        ctx, client = self._authorize_write(req, 'modify_member')
        self._check_not_deleted(client, image_id)
        body = webapp.read_json(req)
        memberships = body.get('memberships') if isinstance(body, dict) \
            else body
        if not isinstance(memberships, list):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid membership association: %s' % (body,))
        # Every entry before anything is sent (the registry checks again).
        for entry in memberships:
            if not isinstance(entry, dict) or 'member_id' not in entry:
                # The registry's wording (a KeyError of the entry).
                raise webob.exc.HTTPBadRequest(
                    explanation="Invalid membership association: "
                    "'member_id'")
            _check_member(entry['member_id'])
        if memberships:
            quota.enforce_count(self.api.conf.image_member_quota,
                                len(memberships), quota.MEMBERS)
        _write(client.replace_members, image_id, memberships)
        return _no_content()

    def update(self, req, image_id, member_id):
        """``PUT .../members/<m>``: add *member_id* or set ``can_share``.
        """
        ctx, client = self._authorize_write(req, 'modify_member')
        _check_member(member_id)
        self._check_not_deleted(client, image_id)
        attempted = len(client.get_image_members(image_id)) + 1
        quota.enforce_count(self.api.conf.image_member_quota, attempted,
                            quota.MEMBERS)
        body = webapp.read_json(req)
        can_share = None
        member = body.get('member') if isinstance(body, dict) else None
        if isinstance(member, dict) and 'can_share' in member:
            can_share = bool(member['can_share'])
        _write(client.add_member, image_id, member_id, can_share)
        return _no_content()

    def delete(self, req, image_id, member_id):
        """``DELETE .../members/<m>``."""
        ctx, client = self._authorize_write(req, 'delete_member')
        self._check_not_deleted(client, image_id)
        _write(client.delete_member, image_id, member_id)
        return _no_content()

    def not_allowed(self, req, image_id, member_id):
        """``GET .../members/<m>``: no such action in v1."""
        raise webob.exc.HTTPMethodNotAllowed()

    def shared_images(self, req, member_id):
        """``GET /v1/shared-images/<m>``: the images shared with *m*."""
        ctx = webapp.request_context(req)
        client = self.api.client(ctx)
        try:
            shared = client.get_member_images(member_id)
        except webob.exc.HTTPNotFound as exc:
            raise webob.exc.HTTPNotFound(explanation=exc.detail) from None
        return webapp.json_response({'shared_images': shared})

    def _authorize_write(self, req, action):
        ctx = webapp.request_context(req)
        if ctx.owner is None and not ctx.is_admin:
            raise webob.exc.HTTPUnauthorized(
                explanation='No authenticated user')
        self.api.enforce(ctx, action)
        common.check_writable(ctx)
        return ctx, self.api.client(ctx)

    @staticmethod
    def _check_not_deleted(client, image_id):
        image = common.get_image_or_404(client, image_id)
        if image.get('status') == 'deleted':
            raise webob.exc.HTTPNotFound(
                explanation='Image with identifier %s has been deleted.'
                % image_id)


def _check_member(member_id):
    """400 unless *member_id* can name a member (see
    :func:`harness.service.db.values.member_id`)."""
    try:
        values.member_id(member_id)
    except db_errors.Invalid as exc:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid membership association: %s' % exc) from None


def _write(call, *args):
    """Run a registry member write; not found and forbidden are 404."""
    try:
        return call(*args)
    except webob.exc.HTTPBadRequest as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.detail) from None
    except (webob.exc.HTTPNotFound, webob.exc.HTTPForbidden) as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.detail) from None
