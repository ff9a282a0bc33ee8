"""Callers who may not do what they ask: the fixture image's member
(``tenant2``, pending), a stranger (``tenant3``), no or a malformed token,
and identity headers a client adds to its own token's."""

from harness.tests.v2_corpus import JSON, PATCH_V21, Case

MEMBER = b'user2:tenant2:member'
STRANGER = b'user3:tenant3:member'
_Q = b'/v2/images/{Q}'
_PATCH = (b'[{"op": "replace", "path": "/name", "value": "x"}]')
_OCTETS = (b'Content-Type', b'application/octet-stream')


def _as(token, name, method, target, expect, body=b'', headers=()):
    who = {MEMBER: 'member', STRANGER: 'stranger', b'': 'anonymous'}.get(
        token, 'token')
    return Case('%s_%s' % (who, name), method, target, body, headers,
                expect, token=token)


_PATCH_TYPE = [(b'Content-Type', PATCH_V21)]
_JSON_TYPE = [(b'Content-Type', JSON)]

CASES = [
    _as(MEMBER, 'patch', b'PATCH', _Q, 403, _PATCH, _PATCH_TYPE),
    _as(MEMBER, 'delete', b'DELETE', _Q, 403),
    _as(MEMBER, 'upload', b'PUT', _Q + b'/file', (403, 404), b'data',
        [_OCTETS]),
    _as(MEMBER, 'add_tag', b'PUT', _Q + b'/tags/x', 403),
    _as(MEMBER, 'delete_tag', b'DELETE', _Q + b'/tags/t1', 403),
    _as(MEMBER, 'add_member', b'POST', _Q + b'/members', 403,
        b'{"member": "tenant3"}', _JSON_TYPE),
    _as(MEMBER, 'delete_self', b'DELETE', _Q + b'/members/tenant2', 403),
    _as(MEMBER, 'bad_status', b'PUT', _Q + b'/members/tenant2', 400,
        b'{"status": "owner"}', _JSON_TYPE),
    _as(MEMBER, 'status_null', b'PUT', _Q + b'/members/tenant2', 400,
        b'{"status": null}', _JSON_TYPE),
    _as(MEMBER, 'roles_header_spoof', b'DELETE', _Q, 403,
        headers=[(b'X-Roles', b'admin'), (b'X-Tenant-Id', b'corpus_tenant')]),
    _as(STRANGER, 'show', b'GET', _Q, 404),
    _as(STRANGER, 'patch', b'PATCH', _Q, 404, _PATCH, _PATCH_TYPE),
    _as(STRANGER, 'delete', b'DELETE', _Q, 404),
    _as(STRANGER, 'upload', b'PUT', _Q + b'/file', 404, b'data', [_OCTETS]),
    _as(STRANGER, 'download', b'GET', b'/v2/images/{A}/file', 404),
    _as(STRANGER, 'members', b'GET', _Q + b'/members', 404),
    _as(STRANGER, 'accept', b'PUT', _Q + b'/members/tenant3', (403, 404),
        b'{"status": "accepted"}', _JSON_TYPE),
    _as(STRANGER, 'accept_for_member', b'PUT', _Q + b'/members/tenant2',
        (403, 404), b'{"status": "accepted"}', _JSON_TYPE),
    _as(STRANGER, 'add_tag', b'PUT', _Q + b'/tags/x', 404),
    _as(STRANGER, 'make_public', b'PATCH', _Q, 404,
        b'[{"op": "replace", "path": "/visibility", "value": "public"}]',
        _PATCH_TYPE),
    _as(STRANGER, 'create_as_other_owner', b'POST', b'/v2/images', 403,
        b'{"name": "p", "owner": "corpus_tenant"}', _JSON_TYPE),
    _as(b'', 'create', b'POST', b'/v2/images', (401, 403),
        b'{"name": "p"}', _JSON_TYPE),
    _as(b'a:b', 'malformed_token', b'GET', _Q, 401),
    _as(b'\xff:\xfe:member', 'non_utf8_token', b'GET', _Q, (400, 401, 404)),
    _as(b'\xff:\xfe:member', 'non_utf8_token_patch', b'PATCH', _Q,
        (400, 401, 404), _PATCH, _PATCH_TYPE),
]
