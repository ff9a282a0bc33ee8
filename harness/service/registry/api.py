"""The registry application: v1 image routes and ``POST /rpc`` (spec 7).

Implemented so far: ``GET /``, ``GET /images``, ``GET /images/detail``,
``GET /images/<id>`` and the request validation of ``POST /rpc`` (no RPC
command is registered yet, so every well-formed command is ``404 Command
not found``).  Every other request is ``404``.
"""

import json
import logging
import uuid

import webob.exc

from harness.errors import StartupError
from harness.service import api as wsgi_api
from harness.service import context as context_mod
from harness.service import state
from harness.service.db import api as db_api
from harness.service.db import errors

LOG = logging.getLogger(__name__)

#: Fields of the brief entries of ``GET /images``.
BRIEF_FIELDS = ('id', 'name', 'size', 'disk_format', 'container_format',
                'checksum')
SUPPORTED_FILTERS = ('name', 'status', 'container_format', 'disk_format',
                     'min_ram', 'min_disk', 'size_min', 'size_max',
                     'changes-since', 'protected')
SUPPORTED_SORT_KEYS = ('name', 'status', 'container_format', 'disk_format',
                       'size', 'id', 'created_at', 'updated_at')
SUPPORTED_SORT_DIRS = ('asc', 'desc')

_V1_ROUTES = (
    ('GET', r'/', 'index'),
    ('GET', r'/images', 'index'),
    ('GET', r'/images/detail', 'detail'),
    ('GET', r'/images/(?P<image_id>[^/]+)', 'show'),
)
_RPC_ROUTES = (
    ('POST', r'/rpc', 'rpc'),
)


class API(wsgi_api.Router):
    """The registry WSGI app.

    :param conf: service configuration (default: the process one).
    :param engine: SQLAlchemy engine (default: the cached engine of
        ``conf.sql_connection_url``).
    """

    def __init__(self, conf=None, engine=None):
        self.conf = state.get_conf() if conf is None else conf
        routes = ()
        if self.conf.enable_v1_registry:
            routes += _V1_ROUTES
        if self.conf.enable_v2_registry:
            routes += _RPC_ROUTES
        self.routes = routes
        super().__init__()
        self.engine = engine if engine is not None else _engine_for(self.conf)
        #: RPC command name -> callable ``(engine, context, **kwargs)``;
        #: empty until the RPC commands are implemented.
        self.rpc_commands = {}

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``app_factory`` of ``[app:registryapp]``."""
        return cls()

    def index(self, req):
        """``GET /images``: brief entries of the visible images."""
        images = self._get_images(req)
        return wsgi_api.json_response({'images': [
            {field: image[field] for field in BRIEF_FIELDS}
            for image in images]})

    def detail(self, req):
        """``GET /images/detail``: full entries of the visible images."""
        images = self._get_images(req)
        return wsgi_api.json_response({'images': [
            _full(image) for image in images]})

    def show(self, req, image_id):
        """``GET /images/<id>``: one full entry; hidden or missing: 404."""
        ctx = request_context(req)
        try:
            image = db_api.image_get(self.engine, ctx, image_id)
        except errors.NotFound:
            LOG.info('Image %s not found', image_id)
            raise webob.exc.HTTPNotFound() from None
        except errors.Forbidden:
            # Private images of others must not be seen to exist.
            LOG.info("Access denied to image %s but returning 'not found'",
                     image_id)
            raise webob.exc.HTTPNotFound() from None
        return wsgi_api.json_response({'image': _full(image)})

    def rpc(self, req):
        """``POST /rpc``: validate the command list (spec 7.3)."""
        try:
            body = json.loads(req.body or b'null')
        except ValueError:
            raise _bad_request('Malformed JSON in request body.') from None
        if not isinstance(body, list):
            raise _bad_request('Request must be a list of commands')
        for element in body:
            self._check_command(element)
        # Every command was found, so the list is empty: nothing to run.
        return wsgi_api.json_response([])

    def _check_command(self, element):
        if not isinstance(element, dict):
            raise _bad_request('Bad Command: %s' % (element,))
        name, kwargs = element.get('command'), element.get('kwargs')
        if (not name or not isinstance(name, str)
                or (kwargs is not None and not isinstance(kwargs, dict))):
            raise _bad_request('Wrong command structure: %s' % (element,))
        if name.startswith('_') or name not in self.rpc_commands:
            raise webob.exc.HTTPNotFound(explanation='Command not found')

    def _get_images(self, req):
        ctx = request_context(req)
        params = query_params(req, ctx, self.conf)
        if ctx.is_admin and params.get('is_public') is True:
            # Glance compatibility: an admin asking for public images (the
            # default) is answered as a regular user would be.
            params['admin_as_user'] = True
            del params['is_public']
        try:
            return db_api.image_get_all(self.engine, ctx, **params)
        except (errors.NotFound, errors.Forbidden):
            LOG.info('Invalid marker. Image %s could not be found.',
                     params.get('marker'))
            raise _bad_request(
                'Invalid marker. Image could not be found.') from None
        except errors.Invalid as exc:
            raise _bad_request(str(exc)) from None


def query_params(req, ctx, conf):
    """Return the ``image_get_all`` keyword arguments of a listing request.

    :raises webob.exc.HTTPBadRequest: with the messages of spec 7.2.
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
        raise _bad_request('limit param must be an integer') from None
    if limit < 0:
        raise _bad_request('limit param must be positive')
    return min(conf.api_limit_max, limit)


def _marker(req):
    marker = req.GET.get('marker')
    if marker and not is_uuid_like(marker):
        raise _bad_request('Invalid marker format')
    return marker or None


def _choice(req, name, default, allowed):
    value = req.GET.get(name, default)
    if value not in allowed:
        raise _bad_request('Unsupported %s. Acceptable values: %s'
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
    raise _bad_request(message)


def _lenient_bool(value):
    # oslo's bool_from_string: anything unrecognised is False.
    return value.strip().lower() in ('1', 't', 'true', 'on', 'y', 'yes')


def _parse_time(value):
    try:
        return db_api.normalize_time(value)
    except errors.Invalid:
        raise _bad_request('Unrecognized changes-since value') from None


def _bad_request(message):
    """A 400 whose page carries *message* as its explanation (Glance's
    wording of error pages)."""
    return webob.exc.HTTPBadRequest(explanation=message)


def is_uuid_like(value):
    """True for a UUID in canonical form (lower-case, with dashes)."""
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError, AttributeError):
        return False


def request_context(req):
    """Return the request context set by the pipeline's context filter.

    :raises webob.exc.HTTPInternalServerError: no context (the paste
        pipeline lacks a context filter).
    """
    ctx = context_mod.from_environ(req.environ)
    if ctx is None:
        raise webob.exc.HTTPInternalServerError(
            explanation='No request context: the pipeline lacks a context '
            'filter.')
    return ctx


def _full(image):
    return db_api.to_full_dict(image, image['properties'], image['locations'])


def _engine_for(conf):
    url = conf.sql_connection_url
    if not url:
        raise StartupError('No database configured: set [database] '
                           'connection or sql_connection')
    return db_api.get_engine(url, idle_timeout=_idle_timeout(conf))


def _idle_timeout(conf):
    """``[database] idle_timeout`` if set, else ``sql_idle_timeout``."""
    if (conf.section('database').get('idle_timeout') or '').strip():
        return conf.get('idle_timeout', 'database')
    return conf.sql_idle_timeout
