"""The JSON representation of v2 images and members.
"""

import urllib.parse

from harness.service import webapp

#: Core attributes shown when not null, in representation order.
CORE = ('name', 'disk_format', 'container_format', 'visibility', 'size',
        'virtual_size', 'status', 'checksum', 'protected', 'min_ram',
        'min_disk', 'owner', 'id', 'created_at', 'updated_at')
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def timestamp(value):
    """``YYYY-MM-DDTHH:MM:SSZ`` of a UTC datetime (strings kept)."""
    if value is None or isinstance(value, str):
        return value
    return value.strftime(TIME_FORMAT)


def readable_properties(api, ctx, properties):
    """The properties *ctx* may read (all without protections)."""
    rules = api.property_rules
    if rules is None:
        return dict(properties)
    return rules.filter_readable(dict(properties), ctx)


def image(api, ctx, record):
    """The v2 JSON dict of image *record* as *ctx* sees it."""
    shown = readable_properties(api, ctx, record['properties'])
    for key in CORE:
        value = record.get(key)
        if key in ('created_at', 'updated_at'):
            value = timestamp(value)
        if value is not None:
            shown[key] = value
        else:
            shown.pop(key, None)
    image_id = record['id']
    shown.update(tags=list(record['tags']),
                 self='/v2/images/%s' % image_id,
                 file='/v2/images/%s/file' % image_id,
                 schema='/v2/schemas/image')
    shown.update(location_keys(api, ctx, record))
    return shown


def location_keys(api, ctx, record):
    """``locations``/``direct_url`` as :mod:`.locations` decides."""
    # Imported here: locations.py imports this package's repo module.
    from harness.service.api.v2 import locations
    return locations.present(api, ctx, record)


def image_url(req, image_id):
    """Absolute URL of *image_id* for ``Location`` headers."""
    return '%s/v2/images/%s' % (req.host_url,
                                urllib.parse.quote(image_id, safe=''))


def image_response(api, req, ctx, record, status=200):
    """The JSON response of one image."""
    return webapp.json_response(image(api, ctx, record), status=status)


def member(row):
    """The v2 JSON dict of a member row."""
    return {'member_id': row['member'], 'image_id': row['image_id'],
            'status': row['status'],
            'created_at': timestamp(row['created_at']),
            'updated_at': timestamp(row['updated_at']),
            'schema': '/v2/schemas/member'}
