"""The limits of an upload, v1 and v2 alike: the size cap, the storage
quota, the request's length and the store's refusals."""

import logging

import webob.exc

from harness.errors import HarnessError
from harness.service import quota
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)

DISCONNECTED = 'Client disconnected before sending all data to backend'


def cap_message(conf):
    """The text of both size-cap refusals (400 on headers, 413 on data)."""
    return ('Denying attempt to upload image larger than %d bytes.'
            % conf.image_size_cap)


def content_length(environ):
    """The request's ``Content-Length`` as an int (0 when absent)."""
    raw = (environ.get('CONTENT_LENGTH') or '').strip()
    return int(raw) if raw.isdigit() else 0


#: The store's refusals and their HTTP errors (v1 and v2 uploads alike).
_REFUSALS = (
    (store_errors.Duplicate, webob.exc.HTTPConflict,
     'Attempt to upload duplicate image: %s'),
    (store_errors.Forbidden, webob.exc.HTTPForbidden,
     'Forbidden upload attempt: %s'),
    (store_errors.StorageFull, webob.exc.HTTPRequestEntityTooLarge,
     'Image storage media is full: %s'),
    (store_errors.StorageWriteDenied, webob.exc.HTTPServiceUnavailable,
     'Insufficient permissions on image storage media: %s'),
)


def store_refusal(exc):
    """The HTTP error of a store refusal (full, denied...), else None."""
    for kind, error, text in _REFUSALS:
        if isinstance(exc, kind):
            return error(explanation=text % exc)
    return None


def over_limit(exc, remaining, conf):
    """A store's :class:`LimitExceeded` as what it stands for.

    :param remaining: bytes left in the storage quota (None: no quota).
    :returns: a :class:`quota.StorageQuotaFull` when the quota was the
        tighter limit, else the size cap's 413; *exc* unchanged when it is
        not a limit.
    """
    if not isinstance(exc, store_errors.LimitExceeded):
        return exc
    if remaining is not None and remaining < conf.image_size_cap:
        return quota.StorageQuotaFull(exc.received, remaining)
    return webob.exc.HTTPRequestEntityTooLarge(
        explanation=cap_message(conf))


def log_internal(exc, image_id):
    """Log an unexpected upload failure (a traceback only when it is not
    one of ours or an OS error)."""
    if isinstance(exc, (HarnessError, OSError, ValueError)):
        LOG.error('Failed to upload image %s: %s', image_id, exc)
    else:
        LOG.exception('Failed to upload image %s', image_id)
