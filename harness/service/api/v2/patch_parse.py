"""Parse and check a v2 JSON patch body before anything is applied: media
types, operation objects, JSON pointers, read-only and reserved
attributes, and the values against the image schema.

The result is a list of ``(op, path, value)``: *path* the decoded
pointer segments, *value* ``None`` for ``remove``.
"""

import re

import webob.exc

from harness.service import webapp

MEDIA_TYPES = {
    'application/openstack-images-v2.0-json-patch': 'v2.0',
    'application/openstack-images-v2.1-json-patch': 'v2.1',
}
OPERATIONS = ('add', 'remove', 'replace')
#: Path roots clients may never change.  Port: ``id`` too (2014.1 took
#: ``/id`` for an extra property).
READ_ONLY = ('created_at', 'updated_at', 'status', 'checksum', 'size',
             'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id')
RESERVED = ('owner', 'is_public', 'location', 'deleted', 'deleted_at')
#: Pointer depth per operation where it is not 1.
DEPTHS = {'locations': {'add': 2, 'remove': 2, 'replace': 1}}
#: Attributes the image schema types as arrays (values of a deeper path
#: are validated as one array element).
ARRAYS = ('locations', 'tags')


def bad_request(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def check_media_type(req):
    """415 with ``Accept-Patch`` unless *req* is a JSON patch type."""
    if req.content_type not in MEDIA_TYPES:
        raise webob.exc.HTTPUnsupportedMediaType(
            headers=[('Accept-Patch', ', '.join(sorted(MEDIA_TYPES)))])
    return MEDIA_TYPES[req.content_type]


def decode_pointer(pointer):
    """The segments of JSON *pointer*, ``~1``/``~0`` unescaped."""
    if not isinstance(pointer, str) or not pointer.startswith('/'):
        raise bad_request('Pointer `%s` does not start with "/".'
                          % (pointer,))
    if re.search(r'/\s*?/', pointer[1:]):
        raise bad_request('Pointer `%s` contains adjacent "/".' % pointer)
    if len(pointer) > 1 and pointer.endswith('/'):
        raise bad_request('Pointer `%s` end with "/".' % pointer)
    if re.search('~[^01]', pointer) or pointer.endswith('~'):
        raise bad_request('Pointer `%s` contains "~" not part of a '
                          'recognized escape sequence.' % pointer)
    return [part.replace('~1', '/').replace('~0', '~')
            for part in pointer[1:].split('/')]


def _op_v21(raw):
    for key in ('op', 'path'):
        if key not in raw:
            raise bad_request("Unable to find '%s' in JSON Schema change"
                              % key)
    op = raw['op']
    if op not in OPERATIONS:
        raise bad_request('Invalid operation: `%s`. It must be one of the '
                          'following: %s.' % (op, ', '.join(OPERATIONS)))
    return op, raw['path']


def _op_v20(raw):
    found = [key for key in OPERATIONS if key in raw]
    if not found:
        raise bad_request('Operation objects must contain exactly one '
                          'member named "add", "remove", or "replace".')
    if len(found) > 1:
        raise bad_request('Operation objects must contain only one member '
                          'named "add", "remove", or "replace".')
    return found[0], raw[found[0]]


def check_path(op, path):
    """Depth and attribute rules of one decoded path."""
    root = path[0]
    depth = DEPTHS.get(root, {}).get(op, 1)
    if len(path) != depth or not root:
        raise bad_request("Invalid JSON pointer for this resource: '/%s'"
                          % '/'.join(path))
    if root in READ_ONLY:
        raise webob.exc.HTTPForbidden(
            explanation="Attribute '%s' is read-only." % root)
    if root in RESERVED:
        raise webob.exc.HTTPForbidden(
            explanation="Attribute '%s' is reserved." % root)


def check_value(schemas, path, value):
    """Validate the value of an operation on *path* (400 on mismatch)."""
    root = path[0]
    if len(path) == 1:
        schemas.validate_image({root: value})
    elif root in ARRAYS:
        schemas.validate_image({root: [value]})


def parse(req, schemas):
    """The checked operations of PATCH *req*.

    :raises webob.exc.HTTPException: 415 (media type), 400 (body,
        operation or pointer) or 403 (a read-only or reserved
        attribute).
    """
    version = check_media_type(req)
    body = webapp.read_json(req, missing=webapp.BODY_EXPECTED)
    if not isinstance(body, list):
        raise bad_request('Request body must be a JSON array of operation '
                          'objects.')
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise bad_request('Operations must be JSON objects.')
        op, pointer = (_op_v21 if version == 'v2.1' else _op_v20)(raw)
        path = decode_pointer(pointer)
        check_path(op, path)
        value = None
        if op != 'remove':
            if 'value' not in raw:
                raise bad_request('Operation "%s" requires a member named '
                                  '"value".' % op)
            value = raw['value']
            check_value(schemas, path, value)
        changes.append((op, path, value))
    return changes
