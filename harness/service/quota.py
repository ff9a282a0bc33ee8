"""Quotas on image metadata and on stored bytes.

Count quotas (``image_property_quota``, ``image_tag_quota``,
``image_member_quota``, ``image_location_quota``) refuse a change that
would leave more items than the limit, with ``413`` and Glance's
message; a negative limit means unlimited.

``user_storage_quota`` limits the bytes an owner stores.  Its usage is the
DB API's ``user_get_storage_usage``; the v1 API computes it from a
registry listing (:func:`registry_storage_usage`), the v2 API can pass its
own.  :func:`check_storage` refuses a known size over the remainder and
returns the remainder, which the caller uses to cut off a body of unknown
size.
"""

import logging

import webob.exc

from harness.errors import HarnessError

LOG = logging.getLogger(__name__)

#: What each count quota counts, as the messages name it.
PROPERTIES = 'image properties'
TAGS = 'image tags'
MEMBERS = 'image members for this image'
LOCATIONS = 'image locations'

#: Statuses whose data does not count against the storage quota.
_NOT_STORED = ('killed', 'pending_delete', 'deleted')
#: Page size used to walk an owner's images (the registry may cap it).
_PAGE = 1000


class StorageQuotaFull(HarnessError):
    """Storing *image_size* bytes would exceed the owner's storage quota.

    :ivar image_size: bytes attempted (``None``: unknown).
    :ivar remaining: bytes the owner may still store.
    """

    def __init__(self, image_size, remaining):
        super().__init__('The size of the data %s will exceed the limit. '
                         '%s bytes remaining.' % (image_size, remaining))
        self.image_size = image_size
        self.remaining = remaining


def count_exceeded_message(what, attempted, maximum):
    """The 413 text of a count quota (identical in v1 and v2)."""
    return ('The limit has been exceeded on the number of allowed %s. '
            'Attempted: %d, Maximum: %d' % (what, attempted, maximum))


def enforce_count(limit, attempted, what):
    """Refuse *attempted* items of kind *what* above *limit*.

    :param limit: the configured quota; negative means unlimited.
    :raises webob.exc.HTTPRequestEntityTooLarge: over the limit.
    """
    if limit < 0 or attempted <= limit:
        return
    message = count_exceeded_message(what, attempted, limit)
    LOG.info('%s', message)
    raise webob.exc.HTTPRequestEntityTooLarge(explanation=message)


def remaining_storage(quota, usage):
    """Bytes left under *quota* given *usage* (``None``: no quota).

    :param usage: bytes used, or a callable returning them, called only
        when a quota is set (computing usage may cost a registry walk).
    """
    if quota <= 0:
        return None
    used = usage() if callable(usage) else usage
    return quota - used


def check_storage(quota, usage, image_size):
    """Refuse *image_size* more bytes if they cannot fit.

    :param image_size: bytes about to be stored; ``None`` when unknown
        (then only a quota already used up refuses).
    :returns: the remaining bytes before storing (``None``: no quota).
    :raises StorageQuotaFull: the data cannot fit.
    """
    remaining = remaining_storage(quota, usage)
    if remaining is None:
        return None
    if image_size is None:
        if remaining <= 0:
            raise StorageQuotaFull(image_size, remaining)
    elif image_size > remaining:
        raise StorageQuotaFull(image_size, remaining)
    return remaining


def stored_bytes(image):
    """Bytes image dict *image* counts for: size times its locations."""
    size = image.get('size') or 0
    if size <= 0 or image.get('status') in _NOT_STORED or \
            image.get('deleted'):
        return 0
    locations = image.get('location_data')
    if locations is None:
        count = 1 if image.get('location') else 0
    else:
        count = len(locations)
    return size * count


def registry_storage_usage(client, owner, image_id=None):
    """Storage usage of *owner* from the registry's listings.

    Walks every page of the caller's detailed listing with
    ``is_public=None`` (all images for an admin, else those the caller
    may see) and sums :func:`stored_bytes` over the images of *owner*.

    :param client: a registry client acting for the caller.
    :param image_id: an image left out of the sum (the one being
        uploaded).
    """
    total = 0
    marker = None
    while True:
        # 'None' as text: the client drops None values, and the registry
        # reads is_public=None (admins only) as "no condition".
        params = {'filters': {'is_public': 'None', 'size_min': 1},
                  'limit': _PAGE}
        if marker is not None:
            params['marker'] = marker
        page = client.get_images_detailed(**params)
        if not page:
            return total
        for image in page:
            if image.get('owner') == owner and image.get('id') != image_id:
                total += stored_bytes(image)
        marker = page[-1]['id']
