"""External image sources of v1: locations and copy-from.

``x-image-meta-location`` points an image at data elsewhere (it becomes
``active`` at once); ``x-glance-api-copy-from`` copies remote data into the
default store in a background job (the image is ``killed`` if that
fails, or if the server stops first: then no partial file is left
either).  Local files are never an external source.
"""

import logging

import webob.exc

from harness.service import background
from harness.service import store
from harness.service.api.imagedata import urls
from harness.service.api.v1 import common
from harness.service.api.v1 import headers as headers_mod
from harness.service.api.v1 import upload
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)


def copy_from_header(req):
    """The ``x-glance-api-copy-from`` URL of *req*, or ``None``."""
    return req.headers.get(headers_mod.COPY_FROM_HEADER) or None


def validate_source(url):
    """Return *url* if data may be sourced from it (``None`` passes).

    :raises webob.exc.HTTPBadRequest: ``External source are not
        supported: '<url>'``: unknown or restricted scheme.
    """
    if not url:
        return None
    if not urls.is_external(url):
        raise webob.exc.HTTPBadRequest(
            explanation="External source are not supported: '%s'" % url,
            content_type='text/plain')
    return url


def external_source(api, ctx, meta, req):
    """The validated location or copy-from URL of a request, or ``None``.

    A location (even an empty one) is checked against the
    ``set_image_location`` policy.
    """
    if 'location' in meta and meta['location'] is not None:
        api.enforce(ctx, 'set_image_location')
        return validate_source(meta['location'])
    return validate_source(copy_from_header(req))


def backend_size(conf, url, strict=False):
    """The size of the data at *url* (0 when it cannot be had).

    :param strict: the size is asked because the client gave none: what
        the store refuses is then a 400 with its message, before anything
        is created (2014.1.5).  For the HTTP store that is only a host
        that cannot be reached (``The HTTP URL is invalid.``); a 404, a
        5xx or a redirect loop is size 0 and the create goes on (a
        copy-from then fails in the background: the image is ``killed``).
    """
    try:
        return store.get_store_from_uri(conf, url).get_size(url)
    except (store_errors.NotFound, store_errors.BadStoreUri) as exc:
        if strict:
            LOG.info('Refusing external source: %s', exc)
            raise webob.exc.HTTPBadRequest(
                explanation=str(exc), content_type='text/plain') from None
        LOG.warning('Unable to get the size of image data at a location: '
                    '%s', exc)
        return 0
    except store_errors.StoreError as exc:
        LOG.warning('Unable to get the size of image data at a location: '
                    '%s', exc)
        return 0


def check_location_size(conf, location, supplied_size):
    """Refuse a supplied size that differs from the data at *location*.

    :param supplied_size: the size the client gave, if any: it must match
        a non-zero backend size.
    :raises webob.exc.HTTPConflict: sizes differ.
    """
    if supplied_size:
        stored = backend_size(conf, location)
        if stored and stored != supplied_size:
            raise webob.exc.HTTPConflict(explanation=(
                'Provided image size must match the stored image size. '
                '(provided size: %d, stored size: %d)'
                % (supplied_size, stored)))


def activate_location(conf, client, image, location, supplied_size):
    """Make the ``queued`` *image* ``active`` with data at remote
    *location* (see :func:`check_location_size` for *supplied_size*).

    :raises webob.exc.HTTPConflict: sizes differ, or the image is no
        longer ``queued``.
    """
    check_location_size(conf, location, supplied_size)
    with common.registry_errors({
            webob.exc.HTTPBadRequest:
                'Failed to activate image. Got error: {detail}',
            webob.exc.HTTPConflict: 'Image operation conflicts'}):
        return client.update_image(image['id'], {'location': location,
                                                 'status': 'active'},
                                   from_state='queued')


def start_copy(api, ctx, image, url, target_store):
    """Copy the data at *url* into *target_store* in the background;
    return the :class:`background.Job`."""
    task = CopyTask(api.conf, ctx, api.client_factory(api.conf, ctx),
                    image, url, target_store)
    job = background.start('copy-from-%s' % image['id'], task.run,
                           task.abandon)
    LOG.debug('Triggered asynchronous copy of image %s from an external '
              'source', image['id'])
    return job


class CopyTask(object):
    """Fetch remote data and upload it as the data of *image*."""

    def __init__(self, conf, ctx, client, image, url, target_store):
        self.conf = conf
        self.ctx = ctx
        self.client = client
        self.image = image
        self.url = url
        self.target_store = target_store

    def run(self, job):
        """Run the copy as *job*; every failure is logged and leaves the
        image ``killed`` (the upload kills it, or this method does)."""
        image_id = self.image['id']
        try:
            reader, size = store.get_store_from_uri(
                self.conf, self.url).get(self.url)
            reader = job.guard(reader)
        except store_errors.StoreError as exc:
            LOG.error('Copy from external source failed for image %s: %s',
                      image_id, exc)
            common.kill_image(self.client, image_id, from_states=('queued',))
            return
        image = dict(self.image, size=size or self.image.get('size'))
        try:
            with reader:
                upload.Upload(self.conf, self.ctx, self.client, image).run(
                    reader, size, self.target_store)
        except background.Stopped:
            LOG.error('Copy from external source stopped for image %s: '
                      'the server is stopping', image_id)
            common.kill_image(self.client, image_id,
                              from_states=('queued', 'saving'))
            raise
        except webob.exc.HTTPException as exc:
            LOG.error('Copy from external source failed for image %s: %s',
                      image_id, exc)
            return
        except Exception:
            LOG.exception('Copy from external source failed for image %s',
                          image_id)
            common.kill_image(self.client, image_id,
                              from_states=('queued', 'saving'))
            return
        LOG.info('Copied image %s from an external source', image_id)

    def abandon(self):
        """The server stops while the copy runs (its thread is blocked on
        the source): kill the image and remove the partial file, from the
        stopping thread."""
        common.kill_image(self.client, self.image['id'],
                          from_states=('queued', 'saving'))
        remove = getattr(self.target_store, 'remove_partials', None)
        if remove is not None:
            remove(self.image['id'])
