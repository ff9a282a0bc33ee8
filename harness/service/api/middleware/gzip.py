"""Compress responses for clients that accept gzip.

Image data (``application/octet-stream``) is compressed chunk by chunk as
it is sent, so a large image is never held in memory; other bodies are
compressed at once and keep an exact ``Content-Length``.
"""

import re
import zlib

from harness.service.api.middleware import base

_ACCEPTS_GZIP = re.compile(r'\bgzip\b')
# wbits 16 + MAX_WBITS: zlib writes the gzip container (header, crc32).
_GZIP_WBITS = 16 + zlib.MAX_WBITS
# Nothing to compress: no body by definition.
_NO_BODY_STATUSES = (204, 304)


def _compressor():
    return zlib.compressobj(9, zlib.DEFLATED, _GZIP_WBITS)


def gzip_bytes(data):
    """Return *data* compressed in gzip format."""
    compressor = _compressor()
    return compressor.compress(data) + compressor.flush()


def gzip_iter(app_iter):
    """Yield the gzip stream of the chunks of *app_iter*.

    The original iterator is closed at the end (WSGI requires it; image
    files are released that way).
    """
    compressor = _compressor()
    try:
        for chunk in app_iter:
            data = compressor.compress(chunk)
            if data:
                yield data
        yield compressor.flush()
    finally:
        close = getattr(app_iter, 'close', None)
        if close is not None:
            close()


class GzipMiddleware(base.Middleware):
    """gzip-encode responses when ``Accept-Encoding`` names gzip."""

    def process_response(self, response):
        request = response.request
        accept_encoding = request.headers.get('Accept-Encoding', '')
        if not _ACCEPTS_GZIP.search(accept_encoding):
            return response
        if (request.method == 'HEAD' or response.content_encoding
                or response.status_code in _NO_BODY_STATUSES):
            return response
        # Setting the body or app_iter may drop Content-MD5 (the checksum
        # of the uncompressed image): keep it.
        checksum = response.headers.get('Content-MD5')
        if response.content_type == 'application/octet-stream':
            response.app_iter = gzip_iter(response.app_iter)
            response.content_length = None
        else:
            response.body = gzip_bytes(response.body)
        response.content_encoding = 'gzip'
        if checksum:
            response.headers['Content-MD5'] = checksum
        return response
