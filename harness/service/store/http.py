"""The read-only HTTP store: image data at ``http[s]://`` URLs.

``GET``/``HEAD`` on the URL, following up to :data:`MAX_REDIRECTS`
``301``/``302`` redirects; a status >= 400 means the URI is bad.  A size
lookup is as lenient as icehouse's (2014.1.5): only a host that cannot be
reached is an error, anything else is size 0.
``user:pass@host`` credentials become HTTP Basic authentication.  Error
messages never show the password.
"""

import base64
import http.client
import logging
import ssl
import urllib.parse

from harness.service.store import chunks
from harness.service.store import errors

LOG = logging.getLogger(__name__)

SCHEMES = ('http', 'https')
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302)
#: Socket timeout (seconds) for connecting and for each read: a remote
#: that stalls must not hold an upload or a download forever.
TIMEOUT = 60.0
INVALID = 'The HTTP URL is invalid.'


class _Target(object):
    """One parsed URL: where to connect, what to ask, how to show it."""

    def __init__(self, url):
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise errors.BadStoreUri('Invalid HTTP URL: %s' % exc) from None
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise errors.BadStoreUri('Invalid HTTP URL: %s' % redact(url))
        self.https = parts.scheme == 'https'
        self.host = parts.hostname
        self.port = port
        self.path = parts.path or '/'
        if parts.query:
            self.path += '?' + parts.query
        self.headers = {}
        if parts.username is not None:
            creds = '%s:%s' % (urllib.parse.unquote(parts.username),
                               urllib.parse.unquote(parts.password or ''))
            token = base64.b64encode(creds.encode('utf-8')).decode('ascii')
            self.headers['Authorization'] = 'Basic ' + token


def redact(url):
    """*url* with any password replaced by ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return '<unparsable URL>'
    user, _, host = parts.netloc.rpartition('@')
    name = user.partition(':')[0]
    return urllib.parse.urlunsplit(parts._replace(
        netloc='%s:***@%s' % (name, host)))


class HttpStore(object):
    """Read-only access to images served over HTTP(S).

    :param timeout: socket timeout in seconds.
    :param ssl_context: for ``https`` (default: verifying system CAs).
    :param chunk_size: chunk size of the readers :meth:`get` returns.
    """

    schemes = SCHEMES

    def __init__(self, timeout=TIMEOUT, ssl_context=None, chunk_size=None):
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.chunk_size = chunk_size or chunks.CHUNK_SIZE

    def _connect(self, target):
        if target.https:
            context = self.ssl_context or ssl.create_default_context()
            return http.client.HTTPSConnection(
                target.host, target.port, timeout=self.timeout,
                context=context)
        return http.client.HTTPConnection(target.host, target.port,
                                          timeout=self.timeout)

    def _request(self, method, url):
        """Send *method* to *url*, following redirects.

        :returns: ``(connection, response)`` with a status < 400 other
            than 301/302; the caller closes both.
        :raises BadStoreUri: bad URL, status >= 400 (:class:`RemoteStatus`),
            no HTTP answer, or more than :data:`MAX_REDIRECTS` redirects.
        :raises Unreachable: a socket error: the host cannot be reached,
            the connection broke or timed out.
        """
        for _ in range(MAX_REDIRECTS + 1):
            target = _Target(url)
            conn = self._connect(target)
            try:
                conn.request(method, target.path, headers=target.headers)
                resp = conn.getresponse()
            except http.client.HTTPException as exc:
                # Before OSError: a connection closed without an answer is
                # both, and was no socket error to icehouse (BadStatusLine).
                conn.close()
                raise errors.BadStoreUri('Bad HTTP answer from %s: %r'
                                         % (redact(url), exc)) from exc
            except OSError as exc:
                conn.close()
                raise errors.Unreachable('Error contacting %s: %s'
                                         % (redact(url), exc)) from exc
            if resp.status not in _REDIRECTS and resp.status < 400:
                return conn, resp
            location = resp.getheader('Location')
            resp.close()
            conn.close()
            if resp.status >= 400:
                raise errors.RemoteStatus(
                    'HTTP URL %s returned a %d status code.'
                    % (redact(url), resp.status), resp.status)
            if not location:
                raise errors.BadStoreUri('HTTP URL %s redirected without a '
                                         'Location' % redact(url))
            url = urllib.parse.urljoin(url, location)
            LOG.debug('Following redirect to %s', redact(url))
        raise errors.BadStoreUri('The HTTP URL exceeded %d maximum '
                                 'redirects.' % MAX_REDIRECTS)

    def get(self, uri, offset=0, chunk_size=None):
        """Stream the image at *uri*.

        :returns: ``(ChunkedReader, size)``; *size* comes from
            ``Content-Length`` minus *offset* (0 when absent).  Closing the
            reader closes the connection.
        :raises BadStoreUri: see :meth:`_request`.
        """
        conn, resp = self._request('GET', uri)
        reader = chunks.ChunkedReader(resp, chunk_size or self.chunk_size,
                                      on_close=(conn.close,))
        size = _content_length(resp)
        try:
            reader.skip(offset or 0)
        except BaseException:
            reader.close()
            raise
        return reader, max(size - (offset or 0), 0)

    def get_size(self, uri):
        """Return the ``Content-Length`` of a ``HEAD`` on *uri*.

        As icehouse's HTTP store (2014.1.5): only a socket error is an
        error; any other outcome is a size of 0.

        :returns: 0 when the answer gives no size: an error status (404
            too), more than :data:`MAX_REDIRECTS` redirects, a redirect
            that cannot be followed, no HTTP answer.
        :raises BadStoreUri: ``The HTTP URL is invalid.``: the host (or
            that of a redirect) cannot be reached, or *uri* itself is
            malformed.
        """
        try:
            _Target(uri)
        except errors.BadStoreUri as exc:
            LOG.warning('Refusing to look up %s: %s', redact(uri), exc)
            raise errors.BadStoreUri(INVALID) from None
        try:
            conn, resp = self._request('HEAD', uri)
        except errors.Unreachable as exc:
            LOG.warning('Unable to get the size of %s: %s', redact(uri), exc)
            raise errors.BadStoreUri(INVALID) from None
        except errors.StoreError as exc:
            LOG.warning('Unable to get the size of %s: %s', redact(uri), exc)
            return 0
        try:
            return _content_length(resp)
        finally:
            resp.close()
            conn.close()

    def add(self, image_id, reader, size=0, max_bytes=None):
        """Refused: the HTTP store is read-only."""
        raise errors.Forbidden('The HTTP store is read-only: image data '
                               'cannot be added to it')

    def delete(self, uri):
        """Refused: the HTTP store is read-only."""
        raise errors.Forbidden('The HTTP store is read-only: %s cannot be '
                               'deleted' % redact(uri))


def _content_length(resp):
    """The response's ``Content-Length`` as an int; 0 if absent/invalid."""
    try:
        return max(int(resp.getheader('Content-Length') or 0), 0)
    except ValueError:
        return 0
