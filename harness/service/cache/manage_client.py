"""HTTP client of the cache management API.

What ``harness-cache-manage`` talks to: ``http://<host>:<port>/v1/...``,
one request per call (stdlib ``http.client``).  A 404 is
:class:`NotFound` (the ``cache_manage`` filter is not in the pipeline), a
403 :class:`Forbidden`; any other failure -- no answer, an error status, a
body that is not what the API returns -- is :class:`ClientError` with a
message fit for a user.
"""

import http.client
import json
import os
import urllib.parse

from harness.errors import HarnessError

#: Seconds to wait for the API before giving up on a request.
DEFAULT_TIMEOUT = 60.0
DOC_ROOT = '/v1'


class ClientError(HarnessError):
    """A request to the management API failed."""


class NotFound(ClientError):
    """The API answered 404."""


class Forbidden(ClientError):
    """The API answered 403."""


def error_text(body):
    """The lines of an error body worth showing, blank ones dropped."""
    text = body.decode('utf-8', 'replace')
    return '\n'.join(line.strip() for line in text.splitlines()
                     if line.strip())


class CacheClient(object):
    """The management routes of the API at *host*:*port*.

    :param auth_token: sent as ``X-Auth-Token`` when set.
    """

    def __init__(self, host, port, auth_token=None, timeout=DEFAULT_TIMEOUT):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.headers = {'X-Auth-Token': auth_token} if auth_token else {}

    def do_request(self, method, path):
        """Send one request; return the body bytes of a 2xx answer.

        :raises NotFound, Forbidden, ClientError: see the module docstring.
        """
        status, reason, body = self._send(method, DOC_ROOT + path)
        if 200 <= status < 300:
            return body
        if status == 404:
            raise NotFound(error_text(body) or reason)
        if status == 403:
            raise Forbidden(error_text(body) or reason)
        if status == 401:
            raise ClientError('You are not authenticated.')
        raise ClientError('%d %s\n%s' % (status, reason, error_text(body)))

    def _send(self, method, path):
        headers = dict(self.headers)
        if method in ('PUT', 'POST'):
            headers['Content-Length'] = '0'
        connection = None
        try:
            # The constructor already checks the host (InvalidURL).
            connection = http.client.HTTPConnection(self.host, self.port,
                                                    timeout=self.timeout)
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            return response.status, response.reason, response.read()
        except (OSError, http.client.HTTPException, OverflowError,
                UnicodeError) as exc:
            raise ClientError('Unable to connect to %s:%s: %s'
                              % (self.host, self.port,
                                 str(exc) or exc.__class__.__name__)) from None
        finally:
            if connection is not None:
                connection.close()

    def _json(self, method, path, key):
        body = self.do_request(method, path)
        try:
            return json.loads(body)[key]
        except (ValueError, TypeError, KeyError):
            raise ClientError('Invalid response from server: %r'
                              % body[:200]) from None

    # -- the routes --------------------------------------------------------

    def get_cached_images(self):
        """The ``cached_images`` list: dicts with ``image_id``, ``hits``,
        ``last_accessed``, ``last_modified`` and ``size``."""
        images = self._json('GET', '/cached_images', 'cached_images')
        for image in images:
            if not isinstance(image, dict) or 'image_id' not in image:
                raise ClientError('Invalid response from server: %r'
                                  % (image,))
        return images

    def get_queued_images(self):
        """The ids queued for caching, oldest first."""
        return self._json('GET', '/queued_images', 'queued_images')

    def delete_cached_image(self, image_id):
        self.do_request('DELETE', '/cached_images/%s' % _quote(image_id))
        return True

    def delete_all_cached_images(self):
        """Return how many cached images were deleted."""
        return self._json('DELETE', '/cached_images', 'num_deleted')

    def queue_image_for_caching(self, image_id):
        self.do_request('PUT', '/queued_images/%s' % _quote(image_id))
        return True

    def delete_queued_image(self, image_id):
        self.do_request('DELETE', '/queued_images/%s' % _quote(image_id))
        return True

    def delete_all_queued_images(self):
        """Return how many queue entries were deleted."""
        return self._json('DELETE', '/queued_images', 'num_deleted')


def _quote(image_id):
    # An id is one path segment: never let it add segments or a query.
    return urllib.parse.quote(image_id, safe='')


def get_client(host, port, auth_token=None, auth_strategy=None,
               auth_url=None, timeout=DEFAULT_TIMEOUT):
    """A :class:`CacheClient` for the options of ``harness-cache-manage``.

    Only the ``noauth`` strategy exists here (a token, if any, is passed
    through as is); asking for ``keystone`` -- explicitly or by giving an
    auth URL, as Glance's client did -- is a :class:`ClientError`.
    """
    strategy = auth_strategy or os.environ.get('OS_AUTH_STRATEGY') or 'noauth'
    if auth_url or os.environ.get('OS_AUTH_URL'):
        strategy = 'keystone'
    if strategy != 'noauth':
        raise ClientError('Authentication strategy %r is not supported; '
                          'use noauth (with --os-auth-token if the API '
                          'needs one)' % strategy)
    token = auth_token or os.environ.get('OS_TOKEN')
    return CacheClient(host, port, auth_token=token, timeout=timeout)
