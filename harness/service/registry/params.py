"""Query parameters of the registry's listings.

:func:`query_params` turns ``GET /images`` and ``GET /images/detail``
parameters into ``image_get_all`` keyword arguments, with the exact 400
messages of Glance's registry.
"""

from harness.service import errors
from harness.service.db import api as db_api
from harness.service.registry.common import bad_request
from harness.service.registry.common import is_uuid_like

SUPPORTED_FILTERS = ('name', 'status', 'container_format', 'disk_format',
                     'min_ram', 'min_disk', 'size_min', 'size_max',
                     'changes-since', 'protected')
SUPPORTED_SORT_KEYS = ('name', 'status', 'container_format', 'disk_format',
                       'size', 'id', 'created_at', 'updated_at')
SUPPORTED_SORT_DIRS = ('asc', 'desc')


def query_params(req, ctx, conf):
    """Return the ``image_get_all`` keyword arguments of a listing request.

    :raises webob.exc.HTTPBadRequest: a filter, limit, marker or sort
        parameter Glance's registry refuses, with its message.
    """
    params = {'filters': _filters(req, ctx),
              'limit': _limit(req, conf),
              'sort_key': _choice(req, 'sort_key', 'created_at',
                                  SUPPORTED_SORT_KEYS),
              'sort_dir': _choice(req, 'sort_dir', 'desc',
                                  SUPPORTED_SORT_DIRS),
              'marker': _marker(req),
              # v1 lists every shared image whatever its member status.
              'member_status': 'all'}
    if ctx.is_admin:
        params['is_public'] = _is_public(req)
    return {key: value for key, value in params.items() if value is not None}


def _filters(req, ctx):
    filters = {}
    properties = {}
    for name, value in req.GET.items():
        if name in SUPPORTED_FILTERS:
            filters[name] = value
        elif name.startswith('property-'):
            properties[name[len('property-'):]] = value
    if 'changes-since' in filters:
        filters['changes-since'] = _parse_time(filters['changes-since'])
    if 'protected' in filters:
        filters['protected'] = _bool(filters['protected'],
                                     'protected must be True, or False')
    deleted = req.GET.get('deleted') if ctx.is_admin else None
    if deleted is not None:
        filters['deleted'] = _lenient_bool(deleted)
    elif 'changes-since' not in filters:
        filters['deleted'] = False
    if properties:
        filters['properties'] = properties
    return filters


def _limit(req, conf):
    try:
        limit = int(req.GET.get('limit', conf.limit_param_default))
    except ValueError:
        raise bad_request('limit param must be an integer') from None
    if limit < 0:
        raise bad_request('limit param must be positive')
    return min(conf.api_limit_max, limit)


def _marker(req):
    marker = req.GET.get('marker')
    if marker and not is_uuid_like(marker):
        raise bad_request('Invalid marker format')
    return marker or None


def _choice(req, name, default, allowed):
    value = req.GET.get(name, default)
    if value not in allowed:
        raise bad_request('Unsupported %s. Acceptable values: %s'
                          % (name, ', '.join(allowed)))
    return value


def _is_public(req):
    value = req.GET.get('is_public')
    if value is None:
        return True
    if value.lower() == 'none':
        return None
    return _bool(value, 'is_public must be None, True, or False')


def _bool(value, message):
    low = value.lower()
    if low in ('true', '1'):
        return True
    if low in ('false', '0'):
        return False
    raise bad_request(message)


def _lenient_bool(value):
    # oslo's bool_from_string: anything unrecognised is False.
    return value.strip().lower() in ('1', 't', 'true', 'on', 'y', 'yes')


def _parse_time(value):
    try:
        return db_api.normalize_time(value)
    except errors.Invalid:
        raise bad_request('Unrecognized changes-since value') from None
