"""HTTP client of the registry's v1 routes (stdlib ``http.client``).

Used by the v1 API, the scrubber and the cache prefetcher.  Errors come
back as ``webob.exc`` exceptions so WSGI callers can raise them as they
are: an HTTP error status maps to the exception of that status (404 ->
``HTTPNotFound``...), with the registry's error text as its detail; a
registry that cannot be reached (refused, reset, timed out, garbage
answer) is :class:`webob.exc.HTTPServiceUnavailable`, which names the
registry address and the reason.
"""

import http.client
import json
import logging
import urllib.parse

import webob.exc

LOG = logging.getLogger(__name__)

#: Paging and sorting arguments passed through as query parameters.
SUPPORTED_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir')

#: Seconds to wait for the registry before giving up on a request.
DEFAULT_TIMEOUT = 60.0


class RegistryClient(object):
    """Talk to the registry of *conf* on behalf of request *context*.

    :param conf: configuration with ``registry_host``, ``registry_port``
        and ``use_user_token``.
    :param context: request context; its ``auth_token`` is forwarded as
        ``X-Auth-Token`` when ``use_user_token`` is on.  ``None`` sends no
        identity (the registry's own pipeline decides who we are).
    """

    def __init__(self, conf, context=None, timeout=DEFAULT_TIMEOUT):
        host = conf.registry_host or '127.0.0.1'
        # 0.0.0.0 is a listening address, not one to connect to.
        self.host = '127.0.0.1' if host == '0.0.0.0' else host
        self.port = conf.registry_port
        self.timeout = timeout
        # No Accept header: WebOb then words errors as text/plain, which
        # error_for() unwraps.
        self.headers = {}
        token = getattr(context, 'auth_token', None)
        if conf.use_user_token and token:
            self.headers['X-Auth-Token'] = token

    def get_images(self, **kwargs):
        """Return the brief dicts of ``GET /images``.

        :param kwargs: ``filters`` (dict; a nested ``properties`` dict
            becomes ``property-<name>`` parameters) and any of
            :data:`SUPPORTED_PARAMS`.
        """
        return self._list('/images', kwargs)

    def get_images_detailed(self, **kwargs):
        """Return the full dicts of ``GET /images/detail`` (see
        :meth:`get_images` for the arguments)."""
        return self._list('/images/detail', kwargs)

    def get_image(self, image_id):
        """Return the full dict of one image (``GET /images/<id>``)."""
        path = '/images/%s' % urllib.parse.quote(image_id, safe='')
        return self.request('GET', path)['image']

    def _list(self, path, kwargs):
        query = urllib.parse.urlencode(list_params(**kwargs))
        if query:
            path += '?' + query
        return self.request('GET', path)['images']

    def request(self, method, path, body=None, headers=None):
        """Send a request and return the decoded JSON answer (or ``None``).

        :param body: JSON-serialisable object, or ``None``.
        :raises webob.exc.HTTPException: see the module docstring.
        """
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode('utf-8')
            all_headers['Content-Type'] = 'application/json'
        status, data = self._send(method, path, payload, all_headers)
        if status >= 400:
            raise error_for(status, data)
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise self._unavailable(method, path,
                                    'the answer is not JSON') from None

    def _send(self, method, path, payload, headers):
        connection = http.client.HTTPConnection(self.host, self.port,
                                                timeout=self.timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise self._unavailable(method, path, exc) from exc
        finally:
            connection.close()

    def _unavailable(self, method, path, reason):
        message = ('Registry at %s:%s failed to answer %s %s: %s'
                   % (self.host, self.port, method, path, reason))
        LOG.error('%s', message)
        return webob.exc.HTTPServiceUnavailable(message)


def list_params(filters=None, **kwargs):
    """Flatten listing arguments into ``[(name, value), ...]``.

    ``None`` values are dropped; booleans are sent as ``True``/``False``.
    """
    params = []
    for name, value in (filters or {}).items():
        if name == 'properties':
            params += [('property-%s' % key, val)
                       for key, val in (value or {}).items()]
        else:
            params.append((name, value))
    params += [(name, kwargs[name]) for name in SUPPORTED_PARAMS
               if name in kwargs]
    return [(name, str(value)) for name, value in params
            if value is not None]


def error_for(status, body):
    """Return the ``webob.exc`` exception of an HTTP error *status*.

    Its detail is the registry's explanation: the text/plain error page
    without its ``<status> <reason>`` first line.
    """
    text = body.decode('utf-8', 'replace').strip() if body else ''
    first, _sep, rest = text.partition('\n')
    if first.startswith('%d ' % status):
        text = rest.strip()
    kind = webob.exc.status_map.get(status)
    if kind is None or not issubclass(kind, webob.exc.HTTPError):
        kind = webob.exc.HTTPInternalServerError
    return kind(detail=text or None)
