"""Malformed, deep, huge or mistyped JSON, and reserved attributes, in
``POST /v2/images`` bodies (and a few other JSON bodies)."""

import json

from harness.tests.v2_corpus import post

_IMAGES = b'/v2/images'


def _create(name, body, expect=400, **kw):
    return post(name, _IMAGES, body, expect, **kw)


_MALFORMED = (
    ('truncated', b'{"name": '),
    ('lone_brace', b'{'),
    ('lone_close', b'}'),
    ('bare_word', b'nul'),
    ('single_quotes', b"{'name': 'x'}"),
    ('trailing_comma', b'{"name": "x",}'),
    ('trailing_garbage', b'{"name": "x"} x'),
    ('two_documents', b'{"name": "x"}{"name": "y"}'),
    ('nan', b'{"min_ram": NaN}'),
    ('infinity', b'{"min_ram": Infinity}'),
    ('minus_infinity', b'{"min_disk": -Infinity}'),
    ('float_overflow', b'{"min_ram": 1e400}'),
    ('deep_arrays', b'[' * 100000),
    ('deep_objects', b'{"a":' * 5000 + b'1' + b'}' * 5000),
    ('deep_in_property', b'{"foo": ' + b'[' * 70 + b']' * 70 + b'}'),
    ('raw_nul_in_string', b'{"name": "a\x00b"}'),
    ('raw_newline_in_string', b'{"name": "a\nb"}'),
    ('bad_escape', b'{"name": "a\\qb"}'),
    ('short_unicode_escape', b'{"name": "\\u12"}'),
    ('latin1_byte', b'{"name": "caf\xe9"}'),
    ('invalid_utf8', b'{"name": "\xff\xfe"}'),
    ('overlong_utf8', b'{"name": "\xc0\xaf"}'),
    ('utf8_encoded_surrogate', b'{"name": "\xed\xa0\x80"}'),
    ('empty', b''),
    ('whitespace_only', b' \r\n\t '),
)

_NOT_OBJECTS = (
    ('array', b'[]'),
    ('string', b'"image"'),
    ('number', b'5'),
    ('null', b'null'),
    ('true', b'true'),
)

_BAD_VALUES = (
    ('name_number', b'{"name": 5}'),
    ('name_object', b'{"name": {"a": 1}}'),
    ('name_too_long', b'{"name": "%s"}' % (b'n' * 256)),
    ('min_ram_string', b'{"min_ram": "5"}'),
    ('min_ram_negative', b'{"min_ram": -1}'),
    ('min_ram_float', b'{"min_ram": 1.5}'),
    ('min_ram_bool', b'{"min_ram": true}'),
    ('min_ram_huge', b'{"min_ram": %d}' % 2 ** 40),
    ('min_disk_bignum', b'{"min_disk": %d}' % 10 ** 40),
    ('min_disk_null', b'{"min_disk": null}'),
    ('protected_string', b'{"protected": "yes"}'),
    ('protected_null', b'{"protected": null}'),
    ('visibility_shared', b'{"visibility": "shared"}'),
    ('visibility_case', b'{"visibility": "Public"}'),
    ('disk_format_unknown', b'{"disk_format": "floppy"}'),
    ('container_format_number', b'{"container_format": 5}'),
    ('tags_string', b'{"tags": "t"}'),
    ('tags_number_item', b'{"tags": [5]}'),
    ('tags_null_item', b'{"tags": [null]}'),
    ('tag_too_long', b'{"tags": ["%s"]}' % (b't' * 256)),
    ('property_number', b'{"foo": 5}'),
    ('property_object', b'{"foo": {"a": "b"}}'),
    ('property_list', b'{"foo": ["a"]}'),
    ('property_name_too_long', b'{"%s": "v"}' % (b'p' * 256)),
    ('property_nul_escape', b'{"foo": "a\\u0000b"}'),
    ('name_nul_escape', b'{"name": "a\\u0000b"}'),
    ('property_name_nul_escape', b'{"a\\u0000b": "v"}'),
    ('name_lone_surrogate', b'{"name": "\\ud800"}'),
    ('property_lone_surrogate', b'{"foo": "\\udfff"}'),
    ('property_name_surrogate', b'{"\\ud800x": "v"}'),
    ('tag_lone_surrogate', b'{"tags": ["\\ud83d"]}'),
    ('tag_nul_escape', b'{"tags": ["a\\u0000"]}'),
    ('id_not_uuid', b'{"id": "not-a-uuid"}'),
    ('id_number', b'{"id": 5}'),
    ('id_traversal', b'{"id": "../../etc/passwd"}'),
)

#: Attributes the client may not set (403 as in Glance).
_FORBIDDEN = (
    ('status', b'"active"'), ('checksum', b'"0" '), ('size', b'5'),
    ('virtual_size', b'5'), ('created_at', b'"2014-01-01T00:00:00Z"'),
    ('updated_at', b'"2014-01-01T00:00:00Z"'), ('file', b'"/x"'),
    ('schema', b'"/x"'), ('self', b'"/x"'), ('direct_url', b'"file:///x"'),
    ('owner', b'"someone"'), ('is_public', b'"true"'),
    ('deleted', b'"true"'),
    ('deleted_at', b'"2014-01-01T00:00:00Z"'),
    ('locations', b'[{"url": "file:///etc/passwd", "metadata": {}}]'),
)

CASES = (
    [_create('create_' + name, body) for name, body in _MALFORMED]
    + [_create('create_not_object_' + name, body)
       for name, body in _NOT_OBJECTS]
    + [_create('create_' + name, body) for name, body in _BAD_VALUES]
    + [_create('create_reserved_' + name,
               b'{"name": "r", "%s": %s}' % (name.encode(), value), 403)
       for name, value in _FORBIDDEN]
    + [_create('create_existing_id', b'{"id": "{Q}"}', 409),
       _create('create_over_tag_quota', json.dumps(
           {'tags': ['t%d' % i for i in range(200)]}).encode(), 413),
       _create('create_over_property_quota', json.dumps(
           {'p%d' % i: 'v' for i in range(200)}).encode(), 413),
       _create('create_huge_body', b'{"foo": "%s"}' % (b'x' * (3 << 20)),
               413),
       _create('create_bad_content_type', b'{"name": 5}', 400,
               content_type=b'text/plain'),
       _create('create_no_content_type', b'{"name": 5}', 400,
               content_type=None)]
)
