"""Members, tags and tasks: bad bodies, bad ids, missing targets."""

from harness.tests.v2_corpus import Case, JSON, post

_MEMBERS = b'/v2/images/{Q}/members'


def _member(name, body, expect=400, target=_MEMBERS):
    return post('member_add_' + name, target, body, expect)


def _tag(name, method, tag, expect=400, image=b'{Q}'):
    return Case('tag_' + name, method,
                b'/v2/images/' + image + b'/tags/' + tag, expect=expect)


def _task(name, body, expect=400, **kw):
    return post('task_' + name, b'/v2/tasks', body, expect, **kw)


_IMPORT = (b'{"type": "import", "input": {"import_from": %s, '
           b'"import_from_format": "raw", "image_properties": %s}}')

CASES = [
    _member('empty_object', b'{}'),
    _member('empty_string', b'{"member": ""}'),
    _member('number', b'{"member": 5}'),
    _member('null', b'{"member": null}'),
    _member('list', b'{"member": ["x"]}'),
    _member('too_long', b'{"member": "%s"}' % (b'm' * 256)),
    _member('surrogate', b'{"member": "\\ud800"}'),
    _member('nul', b'{"member": "a\\u0000"}'),
    _member('not_object', b'["tenant3"]'),
    _member('string_body', b'"tenant3"'),
    _member('malformed', b'{"member": '),
    _member('empty_body', b''),
    _member('existing', b'{"member": "tenant2"}', 409),
    _member('missing_image', b'{"member": "x"}', 404,
            b'/v2/images/{M}/members'),
    _member('bad_utf8_image', b'{"member": "x"}', 404,
            b'/v2/images/%FF/members'),
    Case('member_update_bad_status', b'PUT', _MEMBERS + b'/tenant2',
         b'{"status": "bogus"}', [(b'Content-Type', JSON)], (400, 403)),
    Case('member_update_no_status', b'PUT', _MEMBERS + b'/tenant2',
         b'{}', [(b'Content-Type', JSON)], (400, 403)),
    Case('member_update_malformed', b'PUT', _MEMBERS + b'/tenant2',
         b'{"status"', [(b'Content-Type', JSON)], (400, 403)),
    Case('member_update_missing', b'PUT', _MEMBERS + b'/nobody',
         b'{"status": "accepted"}', [(b'Content-Type', JSON)], (403, 404)),
    Case('member_delete_missing', b'DELETE', _MEMBERS + b'/nobody',
         expect=404),
    Case('member_delete_bad_utf8', b'DELETE', _MEMBERS + b'/%FF',
         expect=404),
    Case('member_show_missing', b'GET', _MEMBERS + b'/nobody', expect=404),
    Case('members_of_missing', b'GET', b'/v2/images/{M}/members',
         expect=404),
    _tag('too_long', b'PUT', b't' * 256),
    _tag('bad_utf8', b'PUT', b'%FF%FE', 404),
    _tag('surrogate', b'PUT', b'%ED%A0%80', 404),
    _tag('nul', b'PUT', b'a%00b'),
    _tag('raw_high_byte', b'PUT', b'\xe9t\xe9'),
    _tag('missing_image', b'PUT', b'x', 404, b'{M}'),
    _tag('delete_missing', b'DELETE', b'nope', 404),
    _tag('delete_bad_utf8', b'DELETE', b'%FF', (400, 404)),
    _tag('delete_missing_image', b'DELETE', b't1', 404, b'{M}'),
    _task('missing_type', b'{"input": {}}'),
    _task('bad_type', b'{"type": "export", "input": {}}'),
    _task('type_number', b'{"type": 5, "input": {}}'),
    _task('input_not_object', b'{"type": "import", "input": "x"}'),
    _task('input_missing', b'{"type": "import"}'),
    _task('input_null', b'{"type": "import", "input": null}'),
    _task('input_list', b'{"type": "import", "input": ["a"]}'),
    _task('type_null', b'{"type": null, "input": {}}'),
    _task('import_from_surrogate', _IMPORT % (b'"http://\\ud800/"', b'{}')),
    _task('malformed', b'{"type": '),
    _task('empty_body', b''),
    _task('not_object_list', b'[{"type": "import"}]'),
    _task('not_object_string', b'"import"'),
    _task('not_object_number', b'5'),
]
