"""``HEAD`` and ``GET /v1/images/<id>``.

HEAD answers the metadata as ``x-image-meta-*`` headers; GET adds the
data, streamed from the store chunk by chunk (the server closes the
iterator, which closes the file or connection), through the server's
``wsgi.file_wrapper`` so that the server sends a file from its
descriptor.
"""

import logging

import webob
import webob.exc

from harness.service import store
from harness.service.api.imagedata import download as data_download
from harness.service.api.v1 import common
from harness.service.api.v1 import headers as headers_mod
from harness.service.store import chunks
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)


def policy_target(image):
    """The image as a flat dict for policy rules: properties, then fields
    (which win over a property of the same name)."""
    target = dict(image.get('properties') or {})
    target.update((key, value) for key, value in image.items()
                  if key not in ('properties',) + headers_mod.HIDDEN_FIELDS)
    return target


class DownloadController(object):
    """HEAD and GET of one image (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def meta(self, req, image_id):
        """HEAD: 200 with the image in headers, no body."""
        ctx, client = self.api.authorize(req, 'get_image')
        image = common.get_image_or_404(client, image_id)
        image = common.readable(common.redact_locations(image),
                                self.api.property_rules, ctx)
        response = webob.Response(status=200)
        add_headers(response, req, image)
        return response

    def show(self, req, image_id):
        """GET: the data, with the headers of HEAD."""
        ctx, client = self.api.authorize(req, 'get_image')
        try:
            image = common.get_image_or_404(client, image_id)
            if image.get('status') != 'active':
                raise webob.exc.HTTPNotFound(
                    explanation='Image %s is not active' % image_id)
        except webob.exc.HTTPNotFound:
            # Whether the image exists must not answer before the policy.
            self.api.enforce(ctx, 'download_image')
            raise
        self.api.enforce(ctx, 'download_image', policy_target(image))
        size = image.get('size') or 0
        body = []
        if size:
            reader, stored = self._open(image)
            size = stored or size
            body = data_download.ImageData(reader, size, image_id)
            wrapper = req.environ.get('wsgi.file_wrapper')
            if wrapper is not None:
                body = wrapper(body, chunks.CHUNK_SIZE)
        image = common.readable(common.redact_locations(image),
                                self.api.property_rules, ctx)
        image['size'] = size
        response = webob.Response(status=200, app_iter=body,
                                  content_type='application/octet-stream',
                                  charset=None)
        response.content_length = size
        add_headers(response, req, image)
        return response

    def _open(self, image):
        location = image.get('location')
        if not location:
            raise webob.exc.HTTPNotFound(
                explanation='Image %s has no data' % image['id'])
        try:
            return store.get_store_from_uri(self.api.conf, location).get(
                location)
        except store_errors.UnknownScheme as exc:
            raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
        except store_errors.Forbidden as exc:
            raise webob.exc.HTTPForbidden(explanation=str(exc)) from None
        except store_errors.StoreError as exc:
            # Missing file, unreachable or failing remote location.
            LOG.warning('Image %s data unavailable: %s', image['id'], exc)
            raise webob.exc.HTTPNotFound(explanation=str(exc)) from None


def add_headers(response, req, image):
    """The v1 image headers of *image* (also a cache hit's)."""
    for name, value in headers_mod.image_meta_headers(image):
        response.headers[name] = value
    common.add_image_headers(response, req, image)
