"""The registry application: v1 image and member routes, ``POST /rpc``.

The handlers live in :mod:`.images`, :mod:`.members` and :mod:`.rpc`;
this module holds the route table and the paste factory.
"""

import logging

import webob.exc

from harness.errors import StartupError
from harness.service import process_conf
from harness.service import webapp
from harness.service.db import api as db_api
from harness.service.registry.images import ImagesController
from harness.service.registry.members import MembersController
from harness.service.registry.rpc import RPCController

LOG = logging.getLogger(__name__)

_IMAGE = r'/images/(?P<image_id>[^/]+)'
_MEMBER = _IMAGE + r'/members/(?P<member>[^/]+)'

_V1_ROUTES = (
    ('GET', r'/', 'index'),
    ('GET', r'/images', 'index'),
    ('POST', r'/images', 'create'),
    ('GET', r'/images/detail', 'detail'),
    ('GET', _IMAGE, 'show'),
    ('PUT', _IMAGE, 'update'),
    ('DELETE', _IMAGE, 'delete'),
    ('GET', _IMAGE + r'/members', 'members_index'),
    ('PUT', _IMAGE + r'/members', 'members_replace'),
    # Glance 2014.1 routed these two to actions that do not exist (500).
    ('POST', _IMAGE + r'/members', 'not_allowed'),
    ('GET', _MEMBER, 'not_allowed'),
    ('PUT', _MEMBER, 'member_update'),
    ('DELETE', _MEMBER, 'member_delete'),
    ('GET', r'/shared-images/(?P<member>[^/]+)', 'shared_images'),
)
_RPC_ROUTES = (
    ('POST', r'/rpc', 'rpc'),
)

# Compiled at import, as the routers' class routes are (webapp.Router).
webapp.compile_routes(_V1_ROUTES + _RPC_ROUTES)

#: Methods answered on the paths of the two 405 routes.
_ALLOWED = {'members': ('GET', 'PUT'), 'member': ('PUT', 'DELETE')}


class API(webapp.Router, ImagesController, MembersController,
          RPCController):
    """The registry WSGI app.

    :param conf: service configuration (default: the process one).
    :param engine: SQLAlchemy engine (default: the cached engine of
        ``conf.sql_connection_url``).
    """

    def __init__(self, conf=None, engine=None):
        self.conf = process_conf.get_conf() if conf is None else conf
        routes = ()
        if self.conf.enable_v1_registry:
            routes += _V1_ROUTES
        if self.conf.enable_v2_registry:
            routes += _RPC_ROUTES
        self.routes = routes
        super().__init__()
        self.engine = engine if engine is not None else _engine_for(self.conf)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``app_factory`` of ``[app:registryapp]``."""
        return cls()

    def not_allowed(self, req, image_id, member=None):
        """405 for the routes Glance mapped to missing actions."""
        allowed = _ALLOWED['members' if member is None else 'member']
        raise webob.exc.HTTPMethodNotAllowed(
            headers=[('Allow', ', '.join(allowed))])


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
