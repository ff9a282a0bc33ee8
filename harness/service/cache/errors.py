"""Errors of the image cache."""

from harness.errors import HarnessError


class CacheError(HarnessError):
    """Root of the image cache's errors."""


class DriverError(CacheError):
    """A driver cannot work in the configured cache directory."""


class ChecksumMismatch(CacheError):
    """The data written for an image does not match its checksum."""

    def __init__(self, image_id, expected, actual):
        super().__init__('Checksum verification failed for image %s: '
                         'expected %s, got %s' % (image_id, expected, actual))
        self.image_id = image_id


class AlreadyBeingCached(CacheError):
    """Another request is writing the same image into the cache."""
