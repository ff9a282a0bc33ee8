"""The registry's v1 member routes.

``GET/PUT /images/<id>/members``, ``PUT/DELETE
/images/<id>/members/<member>`` and ``GET /shared-images/<member>``.
:class:`MembersController` is mixed into the registry application, which
provides ``self.engine``.
"""

import logging

import webob.exc

from harness.service import errors
from harness.service import json_body
from harness.service import webapp
from harness.service.db import access
from harness.service.db import api as db_api
from harness.service.registry import common

LOG = logging.getLogger(__name__)


class MembersController(object):
    """Handlers of the membership routes."""

    def members_index(self, req, image_id):
        """``GET /images/<id>/members``: the memberships the caller may
        see, in insertion order."""
        ctx = webapp.request_context(req)
        self._visible_image(ctx, image_id)
        members = db_api.image_member_find(self.engine, ctx,
                                           image_id=image_id)
        LOG.info('Returning member list for image %s', image_id)
        return webapp.json_response({'members': [
            {'member_id': row['member'], 'can_share': row['can_share']}
            for row in members]})

    def members_replace(self, req, image_id):
        """``PUT /images/<id>/members``: make the body's memberships the
        image's member set (204)."""
        ctx = self._sharing_context(req, image_id)
        body = webapp.read_json(req, limit=None,
                                missing=json_body.MALFORMED)
        memberships = _get(body, 'memberships')
        if not isinstance(memberships, list):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid membership association: memberships '
                'must be a list')
        wanted = []
        for entry in memberships:
            member = _get(entry, 'member_id')
            can_share = None
            if isinstance(entry, dict) and 'can_share' in entry:
                can_share = bool(entry['can_share'])
            wanted.append((member, can_share))
        try:
            # Checks every member id first, then changes all in one go.
            db_api.image_members_replace(self.engine, ctx, image_id, wanted)
        except errors.Invalid as exc:
            LOG.info('Refused memberships of image %s: %s', image_id, exc)
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid membership association: %s'
                % exc) from None
        except errors.NotFound:
            raise webob.exc.HTTPNotFound() from None
        LOG.info('Successfully updated memberships for image %s', image_id)
        return webob.exc.HTTPNoContent()

    def member_update(self, req, image_id, member):
        """``PUT /images/<id>/members/<member>``: add the member (with
        ``can_share`` false unless the body says otherwise) or set its
        ``can_share`` (204)."""
        ctx = self._sharing_context(req, image_id)
        body = webapp.read_json(req, limit=None)
        can_share = None
        if body:
            can_share = bool(_get(_get(body, 'member'), 'can_share'))
        rows = db_api.image_member_find(self.engine, ctx, image_id=image_id,
                                        member=member)
        if not rows:
            self._add(ctx, image_id, member, bool(can_share))
        elif can_share is not None:
            db_api.image_member_update(self.engine, ctx, rows[0]['id'],
                                       {'can_share': can_share})
        LOG.info('Successfully updated a membership for image %s',
                 image_id)
        return webob.exc.HTTPNoContent()

    def member_delete(self, req, image_id, member):
        """``DELETE /images/<id>/members/<member>`` (204; not a member:
        404 ``Membership could not be found.``)."""
        ctx = self._sharing_context(req, image_id)
        rows = db_api.image_member_find(self.engine, ctx, image_id=image_id,
                                        member=member)
        if not rows:
            LOG.debug('%s is not a member of image %s', member, image_id)
            raise webob.exc.HTTPNotFound(
                explanation='Membership could not be found.')
        db_api.image_member_delete(self.engine, ctx, rows[0]['id'])
        LOG.info('Successfully deleted a membership from image %s',
                 image_id)
        return webob.exc.HTTPNoContent()

    def shared_images(self, req, member):
        """``GET /shared-images/<member>``: the images shared with
        *member* that the caller may see the memberships of."""
        ctx = webapp.request_context(req)
        rows = db_api.image_member_find(self.engine, ctx, member=member)
        LOG.info('Returning list of images shared with member %s', member)
        return webapp.json_response({'shared_images': [
            {'image_id': row['image_id'], 'can_share': row['can_share']}
            for row in rows]})

    def _visible_image(self, ctx, image_id):
        """The image, or 404 if it is missing or hidden."""
        try:
            return db_api.image_get(self.engine, ctx, image_id)
        except errors.NotFound:
            LOG.info('Image %s not found', image_id)
            raise webob.exc.HTTPNotFound() from None
        except errors.Forbidden:
            LOG.info("Access denied to image %s but returning 'not found'",
                     image_id)
            raise webob.exc.HTTPNotFound() from None

    def _sharing_context(self, req, image_id):
        """The context of a membership change, checked: 401 anonymous,
        404 invisible image, 403 not allowed to share it."""
        ctx = common.writable_context(req)
        if ctx.owner is None and not ctx.is_admin:
            raise webob.exc.HTTPUnauthorized(
                explanation='No authenticated user')
        image = self._visible_image(ctx, image_id)
        with self.engine.connect() as connection:
            sharable = access.is_image_sharable(connection, ctx, image)
        if not sharable:
            LOG.info('User lacks permission to share image %s', image_id)
            raise webob.exc.HTTPForbidden(
                explanation='No permission to share that image')
        return ctx

    def _add(self, ctx, image_id, member, can_share):
        try:
            db_api.image_member_create(
                self.engine, ctx, {'image_id': image_id, 'member': member,
                                   'can_share': can_share})
        except errors.Invalid as exc:
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid membership association: %s'
                % exc) from None
        except errors.Duplicate:
            # Added by a concurrent request meanwhile: the outcome the
            # caller asked for.
            LOG.info('%s became a member of image %s concurrently',
                     member, image_id)


def _get(mapping, key):
    """``mapping[key]`` of a request body, or 400 ``Invalid membership
    association: <error>`` (the error worded as Python words it)."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError) as exc:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid membership association: %s'
            % _error_text(exc)) from None


def _error_text(exc):
    return repr(exc.args[0]) if isinstance(exc, KeyError) else str(exc)
