"""Listing parameters and ids in paths: absurd ``limit``/``marker``/
``sort_key``/``sort_dir``, filters, and bytes that are not UTF-8."""

from harness.tests.v2_corpus import get


def _list(name, query, expect=400, **kw):
    return get('list_' + name, b'/v2/images?' + query, expect, **kw)


_LISTING = (
    ('limit_negative', b'limit=-1'), ('limit_word', b'limit=ten'),
    ('limit_float', b'limit=1.5'), ('limit_empty', b'limit='),
    ('limit_hex', b'limit=0x10'), ('limit_twice', b'limit=1&limit=x'),
    ('limit_nul', b'limit=1%00'),
    ('marker_missing', b'marker={M}'), ('marker_not_uuid', b'marker=xyz'),
    ('marker_empty', b'marker='), ('marker_bad_utf8', b'marker=%FF%FE'),
    ('marker_surrogate', b'marker=%ED%A0%80'),
    ('sort_key_unknown', b'sort_key=bogus'),
    ('sort_key_property', b'sort_key=foo'),
    ('sort_key_sql', b'sort_key=name%3B%20drop%20table%20images'),
    ('sort_key_empty', b'sort_key='),
    ('sort_key_bad_utf8', b'sort_key=%C3'),
    ('sort_dir_bad', b'sort_dir=up'), ('sort_dir_upper', b'sort_dir=ASC'),
    ('sort_dir_empty', b'sort_dir='),
    ('updated_at_bad_utf8', b'updated_at=%FF'),
    ('many_filters', b'&'.join(b'p%d=v' % i for i in range(300))),
    ('many_tags', b'&'.join(b'tag=t%d' % i for i in range(300))),
    ('visibility_bad', b'visibility=bogus'),
    ('visibility_bad_utf8', b'visibility=%FF'),
    ('size_min_word', b'size_min=big'), ('size_max_float', b'size_max=1.5'),
    ('size_max_bignum', b'size_max=' + b'9' * 400),
)

#: Date-time filters whose value is not a date-time (issue 13, part A).
_DATES = (
    ('created_at_min_number', b'created_at_min=5'),
    ('updated_at_max_zero', b'updated_at_max=0'),
    ('created_at_garbage', b'created_at=garbage'),
)

#: Values the API must take or refuse, never fail on: any 2xx of these
#: changes nothing, but a 5xx, hang or torn answer fails the case.
_TOLERATED = (
    ('name_bad_utf8', b'name=%FF%FE'), ('name_surrogate', b'name=%ED%A0%80'),
    ('name_nul', b'name=a%00b'), ('tag_bad_utf8', b'tag=%C0%AF'),
    ('tag_nul', b'tag=%00'), ('property_bad_utf8', b'foo=%FF'),
    ('property_name_bad_utf8', b'%FF=1'), ('raw_high_bytes', b'name=\xff'),
    ('status_bogus', b'status=bogus'),
    ('limit_zero', b'limit=0'), ('limit_huge', b'limit=1000000000'),
    ('limit_huge_bignum', b'limit=' + b'9' * 400),
    ('limit_unicode_digit', b'limit=%D9%A3'),
    ('size_min_negative', b'size_min=-5'),
    ('protected_word', b'protected=maybe'),
    ('visibility_shared', b'visibility=shared'),
    ('disk_format_bad_utf8', b'disk_format=%FF'),
)

CASES = (
    [_list(name, query) for name, query in _LISTING]
    + [_list(name, query) for name, query in _DATES]
    + [_list(name, query, (200, 400)) for name, query in _TOLERATED]
    + [get('tasks_' + name, b'/v2/tasks?' + query, expect)
       for name, query, expect in (
           ('limit_word', b'limit=x', 400), ('sort_key_bad', b'sort_key=x',
                                             400),
           ('sort_dir_bad', b'sort_dir=x', 400),
           ('limit_negative', b'limit=-1', 400),
           ('limit_bignum', b'limit=' + b'9' * 400, (200, 400)),
           ('marker_not_uuid', b'marker=xyz', 400),
           ('status_bogus', b'status=bogus', 400),
           ('type_bogus', b'type=export', 400),
           ('marker_missing', b'marker={M}', 400),
           ('status_bad_utf8', b'status=%FF', (200, 400)),
           ('type_nul', b'type=%00', (200, 400)))]
    + [get('show_raw_high_byte_id', b'/v2/images/\xff', 400)]
    + [get('tasks_expires_at_garbage', b'/v2/tasks?expires_at=x')]
    + [get('show_' + name, target, 404) for name, target in (
        ('bad_utf8_id', b'/v2/images/%FF%FE'),
        ('surrogate_id', b'/v2/images/%ED%A0%80'),
        ('nul_id', b'/v2/images/a%00b'),
        ('long_id', b'/v2/images/' + b'a' * 5000),
        ('dot_dot_id', b'/v2/images/..%2F..%2Fetc'),
        ('missing_id', b'/v2/images/{M}'),
        ('members_bad_utf8', b'/v2/images/{Q}/members/%FF'),
        ('members_surrogate', b'/v2/images/{Q}/members/%ED%B2%80'),
        ('file_bad_utf8', b'/v2/images/%FF/file'),
        ('task_bad_utf8', b'/v2/tasks/%FF'),
        ('task_missing', b'/v2/tasks/{M}'),
        ('schema_unknown', b'/v2/schemas/bogus'),
    )]
)
