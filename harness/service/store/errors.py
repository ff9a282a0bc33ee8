"""Errors raised by the image stores.

Every store error is a :class:`StoreError` (a
:class:`harness.errors.HarnessError`); the API maps each class to its HTTP
status (:mod:`harness.service.api.imagedata.limits`).  Messages are the
store's own text, which the API embeds after its prefix (``Image storage
media is full: <e>``).
"""

from harness.errors import HarnessError


class StoreError(HarnessError):
    """Root of the store errors."""


class NotFound(StoreError):
    """The image data does not exist at the location."""


class Duplicate(StoreError):
    """Image data already exists under that image id."""


class StorageFull(StoreError):
    """The storage media ran out of space (ENOSPC, EFBIG, EDQUOT)."""

    def __init__(self, message=None):
        super().__init__(message or 'There is not enough disk space on the '
                         'image storage media.')


class StorageWriteDenied(StoreError):
    """The storage media refused the write (EACCES, EPERM, EROFS)."""

    def __init__(self, message=None):
        super().__init__(message or 'Permission to write image storage '
                         'media denied.')


class Forbidden(StoreError):
    """The operation is not allowed (read-only store, undeletable file)."""


class BadStoreUri(StoreError):
    """A location URI or image id the store cannot (or must not) use."""


class Unreachable(BadStoreUri):
    """The remote end of a location could not be reached."""


class RemoteStatus(BadStoreUri):
    """The remote end of a location answered an error status.

    :ivar status: the HTTP status it answered.
    """

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class BadStoreConfiguration(StoreError):
    """A store cannot work with the configuration it was given."""


class UnknownScheme(StoreError):
    """No store handles this URI scheme.

    :ivar scheme: the scheme asked for.
    """

    def __init__(self, scheme):
        super().__init__('Store for scheme %s not found' % scheme)
        self.scheme = scheme


class LimitExceeded(StoreError):
    """More bytes arrived than the caller allowed (storage quota, size cap).

    :ivar limit: the ``max_bytes`` the caller passed.
    :ivar received: how many bytes had arrived when writing stopped (at
        least ``limit + 1``; the rest of the body was not read).
    """

    def __init__(self, limit, received):
        super().__init__('The size of the data %d will exceed the limit. '
                         '%d bytes remaining.' % (received, limit))
        self.limit = limit
        self.received = received
