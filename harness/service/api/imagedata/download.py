"""The body of a download: a store reader as a WSGI iterable (the v1
``GET /v1/images/<id>`` and the v2 ``GET /v2/images/<id>/file``).

The server closes the iterator, which closes the file or connection; it
may send from the reader's descriptor (``wsgi.file_wrapper``).
"""

import logging

LOG = logging.getLogger(__name__)


class ImageData(object):
    """WSGI iterable over a store reader that checks the byte count.

    Fewer bytes than announced are logged (the server then closes the
    connection, so the client sees a short body, not a wrong image).
    """

    def __init__(self, reader, expected, image_id):
        self._reader = reader
        self.expected = expected
        self.image_id = image_id
        self.sent = 0

    def __iter__(self):
        return self

    def __next__(self):
        chunk = self.read(self._reader.chunk_size)
        if not chunk:
            raise StopIteration
        return chunk

    def read(self, size=-1):
        """Read like a file (for ``wsgi.file_wrapper``), counted too."""
        data = self._reader.read(size)
        if not data and self.sent != self.expected:
            LOG.error('Image %s: sent %d bytes of the %d expected',
                      self.image_id, self.sent, self.expected)
        self.sent += len(data)
        return data

    def fileno(self):
        """The store reader's descriptor: the server may send from it."""
        return self._reader.fileno()

    def tell(self):
        return self._reader.tell()

    def close(self):
        """Close the store reader (the server calls this)."""
        close = getattr(self._reader, 'close', None)
        if close is not None:
            close()
