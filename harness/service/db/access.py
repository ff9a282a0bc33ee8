"""Who may see, change and share an image.

The checks take the image as a dict (``id``, ``owner``, ``is_public``)
so they serve rows read here, images handed in over the registry RPC and
the v2 API's own objects alike.
"""

import logging

import sqlalchemy as sa

from harness.service import errors
from harness.service.db import schema

LOG = logging.getLogger(__name__)

MEMBERS = schema.image_members


def is_image_visible(engine, context, image, status=None):
    """Return True if *image* (a dict) is visible to *context*.

    Admins, ownerless and public images: yes; otherwise the context owner
    must own the image or be a non-deleted member of it.

    :param status: member status the membership must have (``None``:
        any).
    """
    decided = _visible_without_members(context, image)
    if decided is not None:
        return decided
    with engine.connect() as connection:
        return is_visible(connection, context, image, status)


def is_visible(connection, context, image, status=None):
    """:func:`is_image_visible` on an open *connection*."""
    decided = _visible_without_members(context, image)
    if decided is not None:
        return decided
    return find_membership(connection, image['id'], context.owner,
                           status) is not None


def _visible_without_members(context, image):
    """True/False when no membership lookup is needed, else ``None``."""
    if context.is_admin or image.get('owner') is None \
            or image.get('is_public'):
        return True
    owner = context.owner
    if owner is None:
        return False
    if owner == image['owner']:
        return True
    return None


def is_image_mutable(engine, context, image):
    """Return True if *context* may change *image* (a dict).

    Admins may change anything; otherwise both the image and the context
    must have an owner, and the same one.  (*engine* is unused: kept so
    every DB API function has the same leading arguments.)
    """
    return mutable(context, image)


def mutable(context, image):
    """:func:`is_image_mutable` without the engine argument."""
    if context.is_admin:
        return True
    if image.get('owner') is None or context.owner is None:
        return False
    return image['owner'] == context.owner


def check_mutable(context, image):
    """Raise unless *context* may change *image*.

    :raises ForbiddenPublicImage: a public image (registry: 403).
    :raises Forbidden: a private one (registry: 404, so that its
        existence is not revealed).
    """
    if mutable(context, image):
        return
    LOG.debug('Image %s is not mutable in this context', image['id'])
    if image.get('is_public'):
        raise errors.ForbiddenPublicImage()
    raise errors.Forbidden('You are not permitted to modify image %s'
                           % image['id'])


def is_image_sharable(connection, context, image):
    """Whether *context* may change the members of *image*: admins,
    the owner, and members whose membership has ``can_share``."""
    if context.is_admin:
        return True
    if context.owner is None:
        return False
    if context.owner == image.get('owner'):
        return True
    membership = find_membership(connection, image['id'], context.owner)
    return bool(membership is not None and membership['can_share'])


def find_membership(connection, image_id, member, status=None):
    """The non-deleted membership row of *member* on *image_id*, or
    ``None``."""
    query = sa.select(MEMBERS).where(
        MEMBERS.c.image_id == image_id, MEMBERS.c.member == member,
        MEMBERS.c.deleted == sa.false())
    if status is not None:
        query = query.where(MEMBERS.c.status == status)
    row = connection.execute(query.order_by(MEMBERS.c.id).limit(1)).first()
    return None if row is None else dict(row._mapping)
