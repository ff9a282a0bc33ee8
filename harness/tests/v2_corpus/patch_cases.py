"""PATCH bodies: JSON-pointer edges, bad operations and values, reserved
attributes, both patch media types."""

import json

from harness.tests.v2_corpus import PATCH_V20, PATCH_V21
from harness.tests.v2_corpus import image, patch


def _ops(name, ops, expect=400, media=PATCH_V21, **kw):
    return patch(name, json.dumps(ops).encode(), expect, media, **kw)


#: A location no one answers at (a loopback port nothing listens on: no
#: name to resolve, refused at once).
_UNREACHABLE = {'url': 'http://127.0.0.1:1/b', 'metadata': {}}


def _add(path, value='v'):
    return [{'op': 'add', 'path': path, 'value': value}]


def _remove_name():
    return [{'op': 'remove', 'path': '/name'}]


def _replace(path, value='v'):
    return [{'op': 'replace', 'path': path, 'value': value}]


#: ``(name, pointer, status)`` of an ``add`` with value ``'v'``.
_POINTERS = (
    ('empty', '', 400), ('no_slash', 'foo', 400), ('root', '/', 400),
    ('trailing_slash', '/foo/', 400), ('double_slash', '//foo', 400),
    ('inner_double_slash', '/foo//bar', 400), ('tilde_2', '/a~2b', 400),
    ('tilde_end', '/foo~', 400), ('tilde_letter', '/~x', 400),
    ('deep_property', '/foo/bar', 400), ('deep_name', '/name/0', 400),
    ('tags_dash', '/tags/-', 400),
    ('locations_no_index', '/locations/', 400),
    ('locations_deep', '/locations/0/url', 400),
    ('pointer_not_string', 5, 400), ('pointer_null', None, 400),
    ('pointer_list', ['/foo'], 400),
)

#: Attributes no PATCH may touch (403).
_READ_ONLY = ('id', 'status', 'checksum', 'size', 'virtual_size',
              'created_at', 'updated_at', 'file', 'schema', 'self',
              'direct_url', 'owner', 'is_public', 'location', 'deleted',
              'deleted_at')

_CASES = [_ops('pointer_' + name, _add(pointer), status)
          for name, pointer, status in _POINTERS]
_CASES += [_ops('read_only_replace_' + name, _replace('/' + name), 403)
           for name in _READ_ONLY]
_CASES += [_ops('read_only_add_' + name, _add('/' + name), 403)
           for name in ('id', 'status', 'self', 'owner')]
_CASES += [_ops('read_only_remove_' + name,
                [{'op': 'remove', 'path': '/' + name}], 403)
           for name in ('checksum', 'file', 'deleted')]
_CASES += [_ops('escaped_read_only_status', _replace('/st~0atus'), 409),
           _ops('escaped_slash_property_missing', _replace('/fo~1o'), 409)]

_BAD_OPS = (
    ('op_missing', [{'path': '/foo', 'value': 'v'}], 400),
    ('path_missing', [{'op': 'add', 'value': 'v'}], 400),
    ('value_missing', [{'op': 'add', 'path': '/x'}], 400),
    ('op_unknown', [{'op': 'move', 'path': '/x', 'from': '/foo'}], 400),
    ('op_test', [{'op': 'test', 'path': '/foo', 'value': 'bar'}], 400),
    ('op_copy', [{'op': 'copy', 'path': '/x', 'from': '/foo'}], 400),
    ('op_upper', [{'op': 'ADD', 'path': '/x', 'value': 'v'}], 400),
    ('op_null', [{'op': None, 'path': '/x', 'value': 'v'}], 400),
    ('op_list', [{'op': ['add'], 'path': '/x', 'value': 'v'}], 400),
    ('op_not_object', ['add'], 400),
    ('op_null_item', [None], 400),
    ('body_object', {'op': 'add', 'path': '/x', 'value': 'v'}, 400),
    ('body_string', 'add', 400),
    ('body_null', None, 400),
    ('value_null_property', _add('/x', None), 400),
    ('value_number_property', _add('/x', 5), 400),
    ('value_object_property', _add('/x', {'a': 'b'}), 400),
    ('value_nul_property', _add('/x', 'a\x00b'), 400),
    ('value_surrogate_property', _add('/x', '\ud800'), 400),
    ('name_surrogate_property', _add('/x\udc80', 'v'), 400),
    ('name_nul_property', _add('/x\x00y', 'v'), 400),
    ('name_too_long_property', _add('/' + 'p' * 256), 400),
    ('name_null', _replace('/name', 5), 400),
    ('name_too_long', _replace('/name', 'n' * 256), 400),
    ('name_surrogate', _replace('/name', '\udfff'), 400),
    ('min_ram_string', _replace('/min_ram', '1'), 400),
    ('min_ram_negative', _replace('/min_ram', -1), 400),
    ('min_disk_huge', _replace('/min_disk', 2 ** 40), 400),
    ('min_disk_float', _replace('/min_disk', 0.5), 400),
    ('protected_string', _replace('/protected', 'true'), 400),
    ('visibility_bad', _replace('/visibility', 'shared'), 400),
    ('disk_format_bad', _replace('/disk_format', 'floppy'), 400),
    ('tags_not_list', _replace('/tags', 't'), 400),
    ('tags_bad_item', _replace('/tags', ['ok', 5]), 400),
    ('tags_too_long', _replace('/tags', ['t' * 256]), 400),
    ('tags_surrogate', _replace('/tags', ['\ud800']), 400),
    ('tags_nul', _replace('/tags', ['a\x00']), 400),
    ('add_core_name', _add('/name', 'n'), 409),
    ('remove_core_name', [{'op': 'remove', 'path': '/name'}], 403),
    ('remove_missing_property', [{'op': 'remove', 'path': '/nope'}], 409),
    ('replace_missing_property', _replace('/nope'), 409),
    ('add_existing_property', _add('/foo'), 409),
    ('second_op_bad', _replace('/name', 'ok') + _replace('/min_ram', -1),
     400),
    ('second_op_conflict', _replace('/name', 'ok') + _add('/foo'), 409),
    ('locations_add_not_object', _add('/locations/-', 'file:///x'), 400),
    ('locations_add_no_url', _add('/locations/-', {'metadata': {}}), 400),
    ('locations_add_bad_index', _add('/locations/01', _UNREACHABLE), 400),
    ('locations_add_index_range', _add('/locations/7', _UNREACHABLE), 400),
    ('locations_remove_out_of_range',
     [{'op': 'remove', 'path': '/locations/3'}], 400),
    ('locations_remove_dash', [{'op': 'remove', 'path': '/locations/-'}],
     400),
    ('locations_replace_not_list', _replace('/locations', {'url': 'x'}),
     400),
    ('locations_add_negative_index', _add('/locations/-1', _UNREACHABLE),
     400),
    ('locations_add_float_index', _add('/locations/1e0', _UNREACHABLE), 400),
    ('locations_remove_missing_on_queued',
     [{'op': 'remove', 'path': '/locations/0'}], 400),
    ('locations_add_file_scheme', _add('/locations/-', {
        'url': 'file:///etc/passwd', 'metadata': {}}), 400),
)

_CASES += [_ops(name, ops, status, **(extra[0] if extra else {}))
           for name, ops, status, *extra in _BAD_OPS]

#: The v2.0 media type's own document shape.
_V20 = (
    ('v20_no_operation', [{'path': '/x', 'value': 'v'}], 400),
    ('v20_two_operations', [{'add': '/x', 'replace': '/y', 'value': 'v'}],
     400),
    ('v20_v21_shape', [{'op': 'add', 'path': '/x', 'value': 'v'}], 400),
    ('v20_read_only', [{'replace': '/status', 'value': 'active'}], 403),
    ('v20_bad_pointer', [{'add': 'x', 'value': 'v'}], 400),
    ('v20_missing_value', [{'add': '/x'}], 400),
    ('v20_trailing_slash', [{'add': '/x/', 'value': 'v'}], 400),
    ('v20_bad_escape', [{'remove': '/a~3'}], 400),
    ('v20_pointer_number', [{'replace': 5, 'value': 'v'}], 400),
    ('v20_reserved', [{'add': '/owner', 'value': 'me'}], 403),
    ('v20_remove_missing', [{'remove': '/nope'}], 409),
)
_CASES += [_ops(name, ops, status, PATCH_V20) for name, ops, status in _V20]
_CASES.append(_ops('v20_locations_index', [{'remove': '/locations/00'}],
                   400, PATCH_V20))

_RAW = (
    ('json_content_type', b'[]', 415, b'application/json'),
    ('merge_patch_type', b'{}', 415, b'application/merge-patch+json'),
    ('patch_type_v22', b'[]', 415,
     b'application/openstack-images-v2.2-json-patch'),
    ('malformed_body', b'[{"op": ', 400, PATCH_V21),
    ('deep_body', b'[' * 1000, 400, PATCH_V21),
    ('empty_body', b'', 400, PATCH_V21),
    ('latin1_body', b'[{"op": "add", "path": "/x", "value": "\xe9"}]', 400,
     PATCH_V21),
)
_CASES += [patch('patch_' + name, body, status, media)
           for name, body, status, media in _RAW]
_CASES += [
    _ops('patch_missing_image', _replace('/name', 'x'), 404,
         target=image(b'M')),
    _ops('patch_deleted_id_shape', _replace('/name', 'x'), 404,
         target=b'/v2/images/not-a-uuid'),
    _ops('patch_active_disk_format', _replace('/disk_format', 'qcow2'),
         403, target=image(b'A')),
]
# Long patches whose last operation fails: none of the others is kept.
_MANY = [{'op': 'add', 'path': '/p%d' % i, 'value': 'v'} for i in range(2000)]
_CASES += [
    _ops('many_ops_then_bad_value', _MANY + _replace('/min_ram', -1), 400),
    _ops('many_ops_then_conflict', _MANY + _add('/foo'), 409),
    _ops('many_ops_then_read_only', _MANY + _replace('/status', 'active'),
         403),
    _ops('many_tag_replaces_then_bad', [
        {'op': 'replace', 'path': '/tags', 'value': ['x%d' % i]}
        for i in range(500)] + _remove_name(), 403),
]
_CASES += [
    _ops('over_tag_quota', _replace('/tags', ['t%d' % i
                                              for i in range(200)]), 413),
    _ops('over_property_quota', [{'op': 'add', 'path': '/q%d' % i,
                                  'value': 'v'} for i in range(200)], 413),
]
CASES = _CASES
