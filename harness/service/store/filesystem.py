"""The filesystem store: image data in ``<datadir>/<image_id>``.

Uploads are streamed into a hidden temporary file in the datadir, hashed
on the way, and published under the image id only once complete, so a
reader never sees a partial image and a failed upload leaves nothing
behind.  Locations are ``file://<datadir>/<image_id>`` with the datadir
exactly as configured.
"""

import errno
import logging
import os
import secrets
import stat
import uuid

from harness.service.store import chunks
from harness.service.store import errors
from harness.service.store import streaming

LOG = logging.getLogger(__name__)

SCHEMES = ('file', 'filesystem')
# link() failures meaning "this filesystem cannot hard-link": fall back to
# rename() after an existence check.
_NO_LINK = frozenset((errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS,
                      errno.EXDEV, errno.EMLINK))
_PARTIAL_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                  | os.O_CLOEXEC)
_READ_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK


def is_uuid_like(value):
    """True for a canonical (lower-case, dashed) UUID string."""
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError, AttributeError):
        return False


def _remove_quietly(path):
    """Remove a leftover partial file; a failure is logged, not raised,
    because the error being handled matters more."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        LOG.error('Unable to remove partial image file %s: %s', path, exc)


def _partial_prefix(image_id):
    return '.%s.partial-' % image_id


class FilesystemStore(object):
    """Image files in one directory.

    :param datadir: ``filesystem_store_datadir`` as configured (``None``:
        only reading and deleting absolute ``file://`` paths work, as in
        the cache prefetcher).
    :param chunk_size: the size of reads and writes.
    """

    schemes = SCHEMES

    def __init__(self, datadir, chunk_size=None):
        self.datadir = datadir or None
        self.chunk_size = chunk_size or chunks.CHUNK_SIZE

    # -- configuration -------------------------------------------------

    def configure(self):
        """Create the datadir if missing and check it is writable.

        Failures are logged (uploads will then fail), never raised: the
        API starts anyway.

        :returns: whether uploads can work.
        """
        if self.datadir is None:
            LOG.error('BadStoreConfiguration: Store filesystem could not be '
                      'configured correctly. Reason: Could not find '
                      'filesystem_store_datadir in configuration options.')
            return False
        try:
            self._ensure_datadir()
        except OSError as exc:
            LOG.error('BadStoreConfiguration: Store filesystem could not be '
                      'configured correctly. Reason: Unable to create '
                      'datadir %s: %s', self.datadir, exc.strerror)
            return False
        if not os.access(self.datadir, os.W_OK | os.X_OK):
            LOG.error('BadStoreConfiguration: Store filesystem could not be '
                      'configured correctly. Reason: Permission to write in '
                      '%s denied', self.datadir)
            return False
        return True

    def _ensure_datadir(self):
        if not os.path.isdir(self.datadir):
            LOG.info('Directory to write image files does not exist (%s). '
                     'Creating.', self.datadir)
            os.makedirs(self.datadir, exist_ok=True)

    # -- paths and URIs --------------------------------------------------

    def image_path(self, image_id):
        """Return ``<datadir>/<image_id>``.

        :raises BadStoreUri: *image_id* is not a canonical UUID (so it can
            hold no ``/``, ``..`` or NUL) -- checked before any disk access.
        :raises BadStoreConfiguration: no datadir is configured.
        """
        if not is_uuid_like(image_id):
            raise errors.BadStoreUri('Invalid image id %r' % (image_id,))
        if self.datadir is None:
            raise errors.BadStoreConfiguration(
                'Could not find filesystem_store_datadir in configuration '
                'options.')
        return os.path.join(self.datadir, image_id)

    def uri_for(self, image_id):
        """The location URI of *image_id*: ``file://<datadir>/<id>``."""
        return 'file://' + self.image_path(image_id)

    def path_from_uri(self, uri):
        """Return the file path of a ``file://`` or ``filesystem://`` URI.

        With a datadir configured, the path (symlinks resolved) must name
        an entry directly inside it; without one it must be absolute.

        :raises BadStoreUri: wrong scheme, empty path, NUL byte, or a path
            outside the datadir.
        """
        if not isinstance(uri, str) or '\0' in uri:
            raise errors.BadStoreUri('Invalid location %r' % (uri,))
        scheme, sep, path = uri.partition('://')
        if not sep or scheme.lower() not in SCHEMES:
            raise errors.BadStoreUri('URI %s is not a file location' % uri)
        if not path:
            raise errors.BadStoreUri('No path specified in URI: %s' % uri)
        if self.datadir is None:
            if not os.path.isabs(path):
                raise errors.BadStoreUri('Relative path in URI: %s' % uri)
            return path
        real = os.path.realpath(path)
        if os.path.dirname(real) != os.path.realpath(self.datadir):
            raise errors.BadStoreUri('Location %s is outside the image '
                                     'directory' % uri)
        return path

    # -- store API -------------------------------------------------------

    def add(self, image_id, reader, size=0, max_bytes=None):
        """Store the data read from *reader* as image *image_id*.

        :param reader: has ``read(n)`` (``wsgi.input``); ``readinto`` is
            used when present.
        :param size: the expected size; when non-zero, no more than that
            is read.  0: read until ``b''``.
        :param max_bytes: raise :class:`LimitExceeded` as soon as more
            than this many bytes arrived (``None``: no limit).
        :returns: ``(uri, bytes_written, md5_hex, metadata)``.
        :raises Duplicate: the image file already exists.
        :raises StorageFull, StorageWriteDenied, LimitExceeded: and
            whatever *reader* raises (``ClientDisconnected``...); in every
            failure the partial file is gone.
        """
        path = self.image_path(image_id)
        try:
            self._ensure_datadir()
        except OSError as exc:
            streaming.raise_mapped(exc)
        if os.path.lexists(path):
            raise errors.Duplicate('Image file %s already exists!' % path)
        partial = os.path.join(self.datadir, _partial_prefix(image_id)
                               + secrets.token_hex(8))
        try:
            fd = os.open(partial, _PARTIAL_FLAGS, 0o640)
        except OSError as exc:
            streaming.raise_mapped(exc)
        try:
            try:
                written, checksum = self._copy(reader, fd, size, max_bytes)
            finally:
                os.close(fd)
            self._publish(partial, path)
        except OSError as exc:
            # Also the reader's errors (ClientDisconnected has no errno):
            # those propagate unchanged.
            _remove_quietly(partial)
            streaming.raise_mapped(exc)
        except BaseException:
            _remove_quietly(partial)
            raise
        LOG.debug('Wrote %d bytes to %s with checksum %s',
                  written, path, checksum)
        return 'file://' + path, written, checksum, {}

    def remove_partials(self, image_id):
        """Remove what uploads of *image_id* are writing (for a stopping
        server: the threads writing them are abandoned)."""
        prefix = _partial_prefix(image_id)
        try:
            names = os.listdir(self.datadir) if self.datadir else []
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(prefix):
                _remove_quietly(os.path.join(self.datadir, name))

    def _copy(self, reader, fd, size, max_bytes):
        """Copy *reader* to *fd*; return ``(bytes, md5_hex)``."""
        space = streaming.Preallocator(fd, size)
        md5 = streaming.StreamingMd5()
        written = 0
        try:
            for data in streaming.read_chunks(reader, self.chunk_size, size,
                                              max_bytes):
                md5.update(data)
                space.cover(written + len(data))
                streaming.write_all(fd, data)
                written += len(data)
        finally:
            md5.close()
        if space.reserved > written:
            os.ftruncate(fd, written)  # drop the reserved tail
        return written, md5.hexdigest()

    def _publish(self, partial, path):
        """Give the complete *partial* file its final name, never
        replacing an existing file (link() fails atomically on EEXIST)."""
        try:
            os.link(partial, path)
        except FileExistsError:
            raise errors.Duplicate('Image file %s already exists!'
                                   % path) from None
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            if os.path.lexists(path):
                raise errors.Duplicate('Image file %s already exists!'
                                       % path) from None
            os.rename(partial, path)
            return
        # Published: a stray second name must not fail the upload.
        _remove_quietly(partial)

    def get(self, uri, offset=0, chunk_size=None):
        """Open the image at *uri*.

        :returns: ``(ChunkedReader, size)``; *size* is what the reader
            yields (the file size minus *offset*).  The file is closed when
            the reader is exhausted or closed.
        :raises NotFound: no such file.
        :raises Forbidden: the file is not readable.
        :raises BadStoreUri: not a regular file, or a URI this store
            refuses (see :meth:`path_from_uri`).
        """
        path = self.path_from_uri(uri)
        try:
            fd = os.open(path, _READ_FLAGS)
        except FileNotFoundError:
            raise errors.NotFound('Image file %s not found' % path) from None
        except PermissionError:
            raise errors.Forbidden('Permission to read image file %s '
                                   'denied' % path) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise errors.BadStoreUri('Location %s is not a regular '
                                         'file' % uri)
            os.set_blocking(fd, True)
            raw = os.fdopen(fd, 'rb', buffering=0)
        except BaseException:
            os.close(fd)
            raise
        offset = min(max(offset or 0, 0), info.st_size)
        if offset:
            raw.seek(offset)
        reader = chunks.ChunkedReader(raw, chunk_size or self.chunk_size)
        return reader, info.st_size - offset

    def get_size(self, uri):
        """Return the size in bytes of the image file at *uri*.

        :raises NotFound: no such file.
        :raises BadStoreUri: not a regular file, or a refused URI.
        """
        path = self.path_from_uri(uri)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise errors.NotFound('Image file %s not found' % path) from None
        if not stat.S_ISREG(info.st_mode):
            raise errors.BadStoreUri('Location %s is not a regular file'
                                     % uri)
        return info.st_size

    def delete(self, uri):
        """Delete the image file at *uri*.

        :raises NotFound: no such file (callers log and carry on).
        :raises Forbidden: the file cannot be removed.
        """
        path = self.path_from_uri(uri)
        try:
            os.unlink(path)
        except FileNotFoundError:
            raise errors.NotFound('Image file %s not found' % path) from None
        except OSError as exc:
            raise errors.Forbidden('You cannot delete file %s: %s'
                                   % (path, exc.strerror)) from exc
        LOG.debug('Deleted image file %s', path)
