"""Image metadata in v1 headers.

Requests carry metadata as ``x-image-meta-<field>`` and
``x-image-meta-property-<name>`` headers; HEAD and GET answers carry the
image the same way.  Header values travel as latin-1 text in WSGI; UTF-8
bytes are decoded on the way in and encoded on the way out.
"""

import re

import webob.exc

from harness.service.api.imagedata import limits
from harness.service.db import values

META_PREFIX = 'x-image-meta-'
PROPERTY_PREFIX = 'x-image-meta-property-'
COPY_FROM_HEADER = 'x-glance-api-copy-from'
PURGE_PROPS_HEADER = 'x-glance-registry-purge-props'

#: Fields accepted in ``x-image-meta-<field>`` headers.
IMAGE_META_FIELDS = ('location', 'size', 'is_public', 'disk_format',
                     'container_format', 'name', 'status', 'copy_from',
                     'uri', 'checksum', 'created_at', 'updated_at',
                     'deleted_at', 'min_ram', 'min_disk', 'owner', 'store',
                     'id', 'protected', 'deleted')
_INT_FIELDS = ('size', 'min_ram', 'min_disk')
_BOOL_FIELDS = ('is_public', 'protected', 'deleted')
_TRUE = ('1', 't', 'true', 'on', 'y', 'yes')
_AMAZON_FORMATS = ('aki', 'ari', 'ami')
_INTEGER = re.compile(r'\s*[-+]?[0-9]+\s*')
# What may appear in a header name (RFC 7230 token).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
MAX_NAME_LENGTH = 255
#: Never sent to the client: locations may hold credentials.
HIDDEN_FIELDS = ('location', 'location_data')


def bool_from_string(value):
    """oslo's lenient boolean: true iff one of ``1 t true on y yes``."""
    if value is None:
        return False
    return str(value).strip().lower() in _TRUE


def _decode(value):
    """Header text (latin-1 code points) -> the UTF-8 text the client sent.
    """
    try:
        return value.encode('latin-1').decode('utf-8')
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _encode(value):
    """Text -> header text whose latin-1 code points are its UTF-8 bytes.
    """
    text = ' '.join(str(value).splitlines())
    return text.encode('utf-8').decode('latin-1')


def _invalid(key, value, extra):
    return webob.exc.HTTPBadRequest(
        explanation="Invalid value '%s' for parameter '%s': %s"
        % (value, key, extra))


def _to_int(key, value):
    if value is None or not _INTEGER.fullmatch(value):
        raise _invalid(key, value, "Cannot convert image %s '%s' to an "
                       "integer." % (key, value))
    maximum = values.IMAGE_INT_MAX[key]
    try:
        number = int(value)
    except ValueError:
        # More digits than int() reads: beyond the column either way.
        number = -1 if value.strip().startswith('-') else maximum + 1
    if number < 0:
        raise _invalid(key, value, "Image %s must be >= 0 ('%s' "
                       "specified)." % (key, value))
    if number > maximum:
        raise _invalid(key, value, "Image %s must be <= %d ('%s' "
                       "specified)." % (key, maximum, value))
    return number


def parse_image_meta(headers):
    """Return the image metadata of request *headers*.

    :param headers: mapping of header names to values (``req.headers``).
    :returns: dict of fields plus ``properties`` (a dict, maybe empty).
        Empty header values are ``None``; ``size``, ``min_ram`` and
        ``min_disk`` are ints, ``is_public``, ``protected`` and ``deleted``
        bools.
    :raises webob.exc.HTTPBadRequest: unknown field (``Bad header: ...``)
        or invalid integer.
    """
    meta = {}
    properties = {}
    for name, raw in headers.items():
        key = name.lower()
        if not key.startswith(META_PREFIX):
            continue
        value = _decode(raw) if raw != '' else None
        if key.startswith(PROPERTY_PREFIX):
            field = key[len(PROPERTY_PREFIX):].replace('-', '_')
            properties[field] = value
            continue
        field = key[len(META_PREFIX):].replace('-', '_')
        if field not in IMAGE_META_FIELDS:
            raise webob.exc.HTTPBadRequest(
                explanation='Bad header: %s' % key)
        meta[field] = value
    for field in _INT_FIELDS:
        if field in meta:
            meta[field] = _to_int(field, meta[field])
    for field in _BOOL_FIELDS:
        if field in meta:
            meta[field] = bool_from_string(meta[field])
    meta['properties'] = properties
    return meta


def validate_image_meta(conf, meta):
    """Check formats and name of *meta*; fill in an amazon format.

    Only fields present in *meta* are checked (a present ``None`` format
    is invalid).

    :returns: *meta*, changed in place.
    :raises webob.exc.HTTPBadRequest: ``Invalid disk format '<f>' for
        image.`` (container format, name: likewise) or the mismatch of
        an Amazon format.
    """
    disk_format = meta.get('disk_format')
    container_format = meta.get('container_format')
    if 'disk_format' in meta and disk_format not in conf.get(
            'disk_formats', 'image_format'):
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid disk format '%s' for image." % disk_format)
    if 'container_format' in meta and container_format not in conf.get(
            'container_formats', 'image_format'):
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid container format '%s' for image."
            % container_format)
    name = meta.get('name')
    if name and len(name) > MAX_NAME_LENGTH:
        raise webob.exc.HTTPBadRequest(
            explanation='Image name too long: %d' % len(name))
    if (disk_format in _AMAZON_FORMATS
            or container_format in _AMAZON_FORMATS):
        if disk_format is None:
            meta['disk_format'] = container_format
        elif container_format is None:
            meta['container_format'] = disk_format
        elif disk_format != container_format:
            raise webob.exc.HTTPBadRequest(explanation=(
                "Invalid mix of disk and container formats. When setting a "
                "disk or container format to one of 'aki', 'ari', or 'ami', "
                "the container and disk formats must match."))
    return meta


def check_size_cap(conf, meta, content_length):
    """Refuse a body or declared size above ``image_size_cap``.

    Both ``Content-Length`` and ``x-image-meta-size`` are checked (a
    declared size over the cap is refused even with a small body); a
    chunked body with no declared size is cut off while it is stored.

    :raises webob.exc.HTTPBadRequest: over the cap.
    """
    for size in (content_length, meta.get('size')):
        if size is not None and size > conf.image_size_cap:
            raise webob.exc.HTTPBadRequest(
                explanation=limits.cap_message(conf))


def has_body(environ):
    """Whether the request carries a body (chunked or a non-zero length)."""
    if environ.get('HTTP_TRANSFER_ENCODING'):
        return True
    return limits.content_length(environ) > 0


def _text(value):
    if isinstance(value, bool):
        return 'True' if value else 'False'
    return _encode(value)


def image_meta_headers(image):
    """Return the ``x-image-meta-*`` headers of image dict *image*.

    Every non-null field but the locations, then one
    ``x-image-meta-property-<name>`` per non-null property.
    """
    headers = []
    for field, value in image.items():
        if value is None or field in HIDDEN_FIELDS:
            continue
        if field == 'properties':
            for name, prop in value.items():
                # A name set through another API may not fit in a header.
                if prop is not None and _TOKEN.fullmatch(name):
                    headers.append(('%s%s' % (PROPERTY_PREFIX, name.lower()),
                                    _text(prop)))
            continue
        headers.append((META_PREFIX + field.lower(), _text(value)))
    return headers
