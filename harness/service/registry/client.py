"""HTTP client of the registry's v1 routes (stdlib ``http.client``).

Used by the v1 API, the scrubber and the cache prefetcher.  Errors come
back as ``webob.exc`` exceptions so WSGI callers can raise them as they
are: an HTTP error status maps to the exception of that status (404 ->
``HTTPNotFound``...), with the registry's error text as its detail; a
registry that cannot be reached (refused, reset, timed out, garbage
answer) is :class:`webob.exc.HTTPServiceUnavailable`, which names the
registry address and the reason.

With ``metadata_encryption_key`` set, image locations are encrypted on
the way to the registry and decrypted on the way back: the
registry only ever stores the encrypted text.
"""

import http.client
import json
import logging
import urllib.parse

import webob.exc

LOG = logging.getLogger(__name__)

#: Paging and sorting arguments passed through as query parameters.
SUPPORTED_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir')

#: Seconds to wait for the registry before giving up on a request, unless
#: ``registry_client_timeout`` says otherwise (0: wait forever).
DEFAULT_TIMEOUT = 600

#: Padding granularity of locations encrypted on the v1/registry path.
ENCRYPTION_BLOCKSIZE = 64

PURGE_HEADER = 'X-Glance-Registry-Purge-Props'


class BaseClient(object):
    """One JSON-over-HTTP exchange per call with the registry of *conf*.

    :param conf: configuration with ``registry_host``, ``registry_port``
        and ``use_user_token``.
    :param context: request context; its ``auth_token`` is forwarded as
        ``X-Auth-Token`` when ``use_user_token`` is on.  ``None`` sends no
        identity (the registry's own pipeline decides who we are).
    :param timeout: seconds to wait for each exchange (default:
        ``registry_client_timeout``; 0 waits forever, as in Glance).
    """

    def __init__(self, conf, context=None, timeout=None):
        host = conf.registry_host or '127.0.0.1'
        # 0.0.0.0 is a listening address, not one to connect to.
        self.host = '127.0.0.1' if host == '0.0.0.0' else host
        self.port = conf.registry_port
        if timeout is None:
            timeout = getattr(conf, 'registry_client_timeout',
                              DEFAULT_TIMEOUT)
        self.timeout = timeout or None
        # No Accept header: WebOb then words errors as text/plain, which
        # error_for() unwraps.
        self.headers = {}
        token = getattr(context, 'auth_token', None)
        if conf.use_user_token and token:
            self.headers['X-Auth-Token'] = token

    def exchange(self, method, path, payload=None, headers=None):
        """Send one request; return the body bytes of a success.

        :param payload: request body bytes, or ``None``.
        :raises webob.exc.HTTPException: see the module docstring.
        """
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        status, data = self._send(method, path, payload, all_headers)
        if status >= 400:
            raise error_for(status, data)
        return data

    def _send(self, method, path, payload, headers):
        connection = http.client.HTTPConnection(self.host, self.port,
                                                timeout=self.timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise self.unavailable(method, path, exc) from exc
        finally:
            connection.close()

    def unavailable(self, method, path, reason):
        """The 503 of a registry that did not answer properly."""
        message = ('Registry at %s:%s failed to answer %s %s: %s'
                   % (self.host, self.port, method, path, reason))
        LOG.error('%s', message)
        return webob.exc.HTTPServiceUnavailable(message)


class RegistryClient(BaseClient):
    """The registry's v1 image and member routes on behalf of *context*
    (see :class:`BaseClient` for the arguments)."""

    def __init__(self, conf, context=None, timeout=None):
        super().__init__(conf, context, timeout)
        self.encryption_key = conf.metadata_encryption_key or None

    def get_images(self, **kwargs):
        """Return the brief dicts of ``GET /images``.

        :param kwargs: ``filters`` (dict; a nested ``properties`` dict
            becomes ``property-<name>`` parameters; ``None`` values are
            left out, so ask for "any visibility" with ``is_public:
            'none'``) and any of :data:`SUPPORTED_PARAMS`.
        """
        return self._list('/images', kwargs)

    def get_images_detailed(self, **kwargs):
        """Return the full dicts of ``GET /images/detail`` (see
        :meth:`get_images` for the arguments), locations decrypted."""
        return [self.decrypt_locations(image)
                for image in self._list('/images/detail', kwargs)]

    def get_image(self, image_id):
        """Return the full dict of one image (``GET /images/<id>``)."""
        image = self.request('GET', _image_path(image_id))['image']
        return self.decrypt_locations(image)

    def add_image(self, values):
        """Create an image (``POST /images {"image": values}``); return
        its full dict.  ``location`` / ``location_data`` set its
        locations."""
        body = {'image': self.encrypt_locations(values)}
        image = self.request('POST', '/images', body)['image']
        return self.decrypt_locations(image)

    def update_image(self, image_id, values, purge_props=False,
                     from_state=None):
        """Change an image (``PUT /images/<id>``); return its full dict.

        :param purge_props: delete the properties absent from
            ``values['properties']``.
        :param from_state: change it only if its status is this one
            (else 409 ``Image operation conflicts``).
        """
        body = {'image': self.encrypt_locations(values),
                'from_state': from_state}
        headers = {PURGE_HEADER: 'true'} if purge_props else None
        image = self.request('PUT', _image_path(image_id), body,
                             headers)['image']
        return self.decrypt_locations(image)

    def delete_image(self, image_id):
        """Soft-delete an image (``DELETE /images/<id>``); return its
        full dict as it was deleted."""
        image = self.request('DELETE', _image_path(image_id))['image']
        return self.decrypt_locations(image)

    def get_image_members(self, image_id):
        """Return ``[{"member_id", "can_share"}]`` of an image."""
        return self.request('GET', _image_path(image_id) + '/members')[
            'members']

    def get_member_images(self, member_id):
        """Return ``[{"image_id", "can_share"}]`` shared with a member."""
        path = '/shared-images/%s' % _quote(member_id)
        return self.request('GET', path)['shared_images']

    def replace_members(self, image_id, memberships):
        """Make *memberships* the image's member set.

        :param memberships: list of ``{"member_id", "can_share"?}`` (a
            single dict, or a ``{"memberships": [...]}`` body, also do).
        """
        if isinstance(memberships, dict):
            if 'memberships' not in memberships:
                memberships = {'memberships': [memberships]}
        else:
            memberships = {'memberships': list(memberships)}
        self.request('PUT', _image_path(image_id) + '/members', memberships)

    def add_member(self, image_id, member_id, can_share=None):
        """Add a member, or set its ``can_share`` when given."""
        body = None
        if can_share is not None:
            body = {'member': {'can_share': can_share}}
        self.request('PUT', _member_path(image_id, member_id), body)

    def delete_member(self, image_id, member_id):
        """Remove a member (404 ``Membership could not be found.`` if it
        is none)."""
        self.request('DELETE', _member_path(image_id, member_id))

    def encrypt_locations(self, values):
        """A copy of *values* with ``location`` and the
        ``location_data`` URLs encrypted (without a key: unchanged).

        A ``location_data`` URL equal to ``location`` gets the same
        ciphertext, so the registry still sees one location, not two.
        """
        values = dict(values)
        if not self.encryption_key:
            return values
        from harness.service import crypt
        plain = values.get('location')
        if plain:
            values['location'] = crypt.urlsafe_encrypt(
                self.encryption_key, plain, ENCRYPTION_BLOCKSIZE)
        if values.get('location_data'):
            values['location_data'] = [
                dict(entry, url=values['location']
                     if plain and entry['url'] == plain
                     else crypt.urlsafe_encrypt(self.encryption_key,
                                                entry['url'],
                                                ENCRYPTION_BLOCKSIZE))
                for entry in values['location_data']]
        return values

    def decrypt_locations(self, image):
        """*image* with ``location`` and the ``location_data`` URLs
        decrypted (without a key: unchanged).

        :raises harness.service.crypt.CryptError: a location that this
            key did not encrypt.
        """
        if not self.encryption_key:
            return image
        from harness.service import crypt
        if image.get('location'):
            image['location'] = crypt.urlsafe_decrypt(self.encryption_key,
                                                      image['location'])
        if image.get('location_data'):
            image['location_data'] = [
                dict(entry, url=crypt.urlsafe_decrypt(self.encryption_key,
                                                      entry['url']))
                for entry in image['location_data']]
        return image

    def request(self, method, path, body=None, headers=None):
        """Send a request and return the decoded JSON answer (or ``None``).

        :param body: JSON-serialisable object, or ``None``.
        :raises webob.exc.HTTPException: see the module docstring.
        """
        payload = None
        headers = dict(headers or {})
        if body is not None:
            payload = json.dumps(body).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        data = self.exchange(method, path, payload, headers)
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise self.unavailable(method, path,
                                   'the answer is not JSON') from None

    def _list(self, path, kwargs):
        query = urllib.parse.urlencode(list_params(**kwargs))
        if query:
            path += '?' + query
        return self.request('GET', path)['images']


def _quote(value):
    return urllib.parse.quote(str(value), safe='')


def _image_path(image_id):
    return '/images/%s' % _quote(image_id)


def _member_path(image_id, member_id):
    return '%s/members/%s' % (_image_path(image_id), _quote(member_id))


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
