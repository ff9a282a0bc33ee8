"""Request helpers shared by the registry's controllers."""

import logging
import uuid

import webob.exc

from harness.service import webapp
from harness.service.db import api as db_api

LOG = logging.getLogger(__name__)


def writable_context(req):
    """The context of a request that changes something.

    :raises webob.exc.HTTPForbidden: a read-only (anonymous) context.
    """
    ctx = webapp.request_context(req)
    if ctx.read_only:
        LOG.debug('Read-only access')
        raise webob.exc.HTTPForbidden(explanation='Read-only access')
    return ctx


def bad_request(message):
    """A 400 whose page carries *message* as its explanation (Glance's
    wording of error pages)."""
    return webob.exc.HTTPBadRequest(explanation=message)


def plain_error(kind, text):
    """A *kind* error whose whole body is *text* (``text/plain``), as
    Glance's registry answers ``Image not found`` and ``Image operation
    conflicts``."""
    return kind(body=text.encode('utf-8'), content_type='text/plain',
                charset='UTF-8')


def is_uuid_like(value):
    """True for a UUID in canonical form (lower-case, with dashes)."""
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError, AttributeError):
        return False


def full(image):
    """The registry's full dict of a DB API image dict."""
    return db_api.to_full_dict(image, image['properties'],
                               image['locations'])
