"""Image stores: where image data lives.

``file``/``filesystem`` give the :class:`~.filesystem.FilesystemStore`
(``conf.filesystem_store_datadir``), ``http``/``https`` the read-only
:class:`~.http.HttpStore`.  Every store has::

    add(image_id, reader, size, max_bytes=None)
        -> (uri, bytes_written, md5_hex, metadata)
    get(uri, offset=0, chunk_size=None) -> (iterator of bytes, size)
    get_size(uri) -> int
    delete(uri)

and raises the errors of :mod:`harness.service.store.errors`.
"""

import urllib.parse

from harness.service.store import errors
from harness.service.store import filesystem
from harness.service.store import http

#: Every scheme with a store.
SCHEMES = filesystem.SCHEMES + http.SCHEMES


def get_store(conf, scheme):
    """Return the store for *scheme* configured from *conf*.

    :raises UnknownScheme: no store handles *scheme*.
    """
    if scheme in filesystem.SCHEMES:
        return filesystem.FilesystemStore(
            getattr(conf, 'filesystem_store_datadir', None))
    if scheme in http.SCHEMES:
        return http.HttpStore()
    raise errors.UnknownScheme(scheme)


def scheme_of(uri):
    """Return the (lower-cased) scheme of *uri* ('' when it has none).

    :raises BadStoreUri: *uri* is not a string or cannot be parsed.
    """
    if not isinstance(uri, str):
        raise errors.BadStoreUri('Invalid location %r' % (uri,))
    try:
        return urllib.parse.urlsplit(uri).scheme
    except ValueError as exc:
        raise errors.BadStoreUri('Invalid location: %s' % exc) from None


def get_store_from_uri(conf, uri):
    """Return the store that handles location *uri*.

    :raises UnknownScheme: no store handles its scheme.
    :raises BadStoreUri: *uri* cannot be parsed.
    """
    return get_store(conf, scheme_of(uri))


def configure_stores(conf):
    """Start-up checks of the API.

    Checks that ``default_store`` names a store, then creates the
    filesystem datadir if missing (logging that it does).  A missing
    setting or an unwritable datadir is logged, not fatal: uploads will
    then fail.

    :raises UnknownScheme: ``default_store`` has no store.
    """
    default = getattr(conf, 'default_store', None) or 'file'
    get_store(conf, default)
    datadir = getattr(conf, 'filesystem_store_datadir', None)
    if datadir or default in filesystem.SCHEMES:
        filesystem.FilesystemStore(datadir).configure()
