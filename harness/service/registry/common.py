"""Request helpers shared by the registry's controllers."""

import logging
import uuid

import webob.exc

from harness.service import context as context_mod
from harness.service import json_body as json_loader
from harness.service.db import api as db_api

LOG = logging.getLogger(__name__)


def request_context(req):
    """Return the request context set by the pipeline's context filter.

    :raises webob.exc.HTTPInternalServerError: no context (the paste
        pipeline lacks a context filter).
    """
    ctx = context_mod.from_environ(req.environ)
    if ctx is None:
        raise webob.exc.HTTPInternalServerError(
            explanation='No request context: the pipeline lacks a context '
            'filter.')
    return ctx


def writable_context(req):
    """The context of a request that changes something.

    :raises webob.exc.HTTPForbidden: a read-only (anonymous) context.
    """
    ctx = request_context(req)
    if ctx.read_only:
        LOG.debug('Read-only access')
        raise webob.exc.HTTPForbidden(explanation='Read-only access')
    return ctx


def json_body(req, required=True):
    """The decoded JSON body of *req* (``None`` when empty and not
    *required*).

    :raises webob.exc.HTTPBadRequest: ``Malformed JSON in request body.``
        (or the depth / number refusal of :mod:`harness.service.json_body`)
    """
    data = req.body
    if not data:
        if required:
            raise bad_request(json_loader.MALFORMED)
        return None
    try:
        return json_loader.loads(data)
    except json_loader.InvalidJSON as exc:
        raise bad_request(str(exc)) from None


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
    """The registry's full dict of a DB API image dict (spec 7.2)."""
    return db_api.to_full_dict(image, image['properties'],
                               image['locations'])
