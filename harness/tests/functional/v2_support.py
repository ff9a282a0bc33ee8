"""Helpers of the v2 API functional tests: JSON requests as a tenant."""

import json

from harness.tests.functional import client

TIMEOUT = 30
PATCH_V21 = 'application/openstack-images-v2.1-json-patch'
PATCH_V20 = 'application/openstack-images-v2.0-json-patch'
TENANT1 = 'user1:tenant1:member'
TENANT2 = 'user2:tenant2:member'
TENANT3 = 'user3:tenant3:member'
ADMIN = 'admin:admin_tenant:admin'


class V2(object):
    """Requests to the v2 API on *port* as *token* (``None``: none)."""

    def __init__(self, port, token=None):
        self.port = port
        self.headers = {'X-Auth-Token': token} if token else {}

    def request(self, method, path, body=None, headers=None):
        """Return ``(status, headers, body bytes)``; a non-bytes *body*
        is sent as JSON."""
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            all_headers.setdefault('Content-Type', 'application/json')
        return client.request(self.port, method, '/v2' + path, all_headers,
                              body, timeout=TIMEOUT)

    def json(self, method, path, body=None, headers=None, expect=200):
        """The decoded answer of a request that must give *expect*."""
        status, _, content = self.request(method, path, body, headers)
        if status != expect:
            raise AssertionError('%s %s answered %d, not %d: %r'
                                 % (method, path, status, expect, content))
        return json.loads(content) if content else None

    def create(self, **attrs):
        """POST /v2/images expecting 201; return the image."""
        return self.json('POST', '/images', attrs, expect=201)

    def patch(self, image_id, ops, media_type=PATCH_V21):
        """PATCH; return ``(status, headers, body bytes)``."""
        return self.request('PATCH', '/images/%s' % image_id,
                            json.dumps(ops).encode(),
                            {'Content-Type': media_type})

    def ids(self, query=''):
        """Ids of ``GET /v2/images<query>``."""
        return [image['id'] for image in
                self.json('GET', '/images' + query)['images']]


def error_text(body):
    """The one-line explanation of a webob error page body."""
    return body.decode('utf-8', 'replace')
