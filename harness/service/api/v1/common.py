"""What the v1 handlers share: context, image lookup, responses."""

import contextlib
import logging
import urllib.parse

import webob.exc

from harness.service import webapp
from harness.service.api.v1 import headers as headers_mod

LOG = logging.getLogger(__name__)


def check_writable(ctx):
    """Refuse a change from a read-only (anonymous) context."""
    if ctx.read_only:
        raise webob.exc.HTTPForbidden(explanation='Read-only access')


def redact_locations(image):
    """Return *image* without ``location``/``location_data``."""
    return {key: value for key, value in image.items()
            if key not in headers_mod.HIDDEN_FIELDS}


def get_image_or_404(client, image_id):
    """Return the registry's full dict of *image_id*.

    :raises webob.exc.HTTPNotFound: unknown or not visible.
    :raises webob.exc.HTTPForbidden: the registry refuses access.
    """
    try:
        return client.get_image(image_id)
    except webob.exc.HTTPNotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Image with identifier %s not found'
            % image_id) from None
    except webob.exc.HTTPForbidden:
        raise webob.exc.HTTPForbidden(
            explanation='Forbidden image access') from None


@contextlib.contextmanager
def registry_errors(messages):
    """Re-raise the registry's HTTP errors with v1's own explanations.

    :param messages: ``{webob.exc class: text}``; ``{detail}`` in a text
        is replaced by the registry's message.  Other errors pass through.
    """
    try:
        yield
    except webob.exc.HTTPException as exc:
        for kind, text in messages.items():
            if isinstance(exc, kind):
                raise kind(explanation=text.replace(
                    '{detail}', str(exc.detail))) from None
        raise


def kill_image(client, image_id, from_states=('saving',)):
    """Set *image_id* ``killed`` if its status is one of *from_states*
    (tried in turn, each a compare-and-set); a failure is only logged.
    """
    LOG.debug('Setting image %s to status killed', image_id)
    for from_state in from_states:
        try:
            client.update_image(image_id, {'status': 'killed'},
                                from_state=from_state)
            return
        except webob.exc.HTTPConflict:
            continue
        except webob.exc.HTTPException as exc:
            LOG.warning('Unable to kill image %s: %s', image_id, exc)
            return
    LOG.info('Image %s was not killed: its status is none of %s',
             image_id, ', '.join(from_states))


def image_url(req, image_id):
    """The absolute URL of *image_id* (scheme and Host of *req*)."""
    return '%s/v1/images/%s' % (req.host_url,
                                urllib.parse.quote(image_id, safe=''))


def add_image_headers(response, req, image):
    """Set ``Location`` and, when the checksum is known, ``ETag``."""
    response.headers['Location'] = image_url(req, image['id'])
    if image.get('checksum'):
        response.headers['ETag'] = image['checksum']


def image_response(req, image, status=200):
    """The JSON answer ``{"image": ...}`` of a create or update."""
    response = webapp.json_response({'image': redact_locations(image)},
                                    status=status)
    add_image_headers(response, req, image)
    return response


def readable(image, rules, ctx):
    """Return *image* without the properties *ctx* may not read."""
    if rules is None or not image.get('properties'):
        return image
    image = dict(image)
    image['properties'] = rules.filter_readable(image['properties'], ctx)
    return image
