"""Streaming image data out of a store in bounded chunks.

:class:`ChunkedReader` is what ``store.get()`` returns: an iterator of
``bytes`` chunks (a WSGI app iterable: the server calls :meth:`close`) that
also reads like a file, so a ``get()`` result can be handed straight to
another store's ``add()`` (copy-from, cache fill).
"""

#: Default chunk size: large enough that per-chunk Python overhead is noise
#: next to the copying, small enough to keep memory bounded.
CHUNK_SIZE = 1 << 20


class ChunkedReader(object):
    """Bounded-chunk iterator and file-like reader over a raw stream.

    :param raw: an object with ``read(n)``, ``readinto(b)`` and ``close()``
        (a ``FileIO``, an ``http.client.HTTPResponse``).
    :param chunk_size: the largest chunk iteration yields.
    :param on_close: callables run once by :meth:`close` after the stream
        is closed (closing an HTTP connection, for instance).
    """

    def __init__(self, raw, chunk_size=None, on_close=()):
        self._raw = raw
        self.chunk_size = chunk_size or CHUNK_SIZE
        self._on_close = list(on_close)
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        if self.closed:
            raise StopIteration
        data = self._raw.read(self.chunk_size)
        if not data:
            self.close()
            raise StopIteration
        return data

    def _check_open(self):
        if self.closed:
            raise ValueError('I/O operation on closed image data stream')

    def read(self, size=-1):
        """Return up to *size* bytes (everything left when negative);
        ``b''`` at the end of the data."""
        self._check_open()
        if size is None or size < 0:
            return self._raw.read()
        return self._raw.read(size)

    def readinto(self, buffer):
        """Fill *buffer* with the next bytes; return how many (0: end)."""
        self._check_open()
        return self._raw.readinto(buffer)

    def fileno(self):
        """The descriptor of the underlying stream (lets the server read a
        file-backed reader into its own buffer)."""
        self._check_open()
        return self._raw.fileno()

    def tell(self):
        """The position in the underlying stream (files only)."""
        self._check_open()
        return self._raw.tell()

    def skip(self, count):
        """Read and drop *count* bytes (for streams that cannot seek)."""
        while count > 0:
            data = self.read(min(count, self.chunk_size))
            if not data:
                return
            count -= len(data)

    def close(self):
        """Close the stream and run the ``on_close`` callables (once)."""
        if self.closed:
            return
        self.closed = True
        callbacks, self._on_close = self._on_close, []
        try:
            self._raw.close()
        finally:
            for callback in callbacks:
                callback()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
