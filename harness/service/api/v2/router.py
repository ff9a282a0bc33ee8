"""Routes of the v2 API.

The :class:`API` app holds what every v2 handler needs (configuration,
policy enforcer, property protections, the DB gateway) and hands each
route to its controller;
``doc/source/explanation/internals/v2-contracts.rst`` describes that
interface.  A path routed for other methods is ``405`` with ``Allow``;
anything else unmatched is ``404``.
"""

import webob.exc

from harness.service import api
from harness.service import webapp
from harness.service.api.v2 import data
from harness.service.api.v2 import dbgateway
from harness.service.api.v2 import images
from harness.service.api.v2 import locations
from harness.service.api.v2 import members
from harness.service.api.v2 import schemas
from harness.service.api.v2 import tags
from harness.service.api.v2 import tasks

_ID = r'(?P<image_id>[^/]+)'
_MEMBER = r'(?P<member_id>[^/]+)'
_TAG = r'(?P<tag>[^/]+)'
_TASK = r'(?P<task_id>[^/]+)'
_SCHEMA = r'(?P<name>image|images|member|members|task|tasks)'


class API(api.ImagesRouter):
    """The ``/v2`` application.

    :param conf: service configuration (default: the process one).
    :param property_rules: loaded property protections; by default loaded
        from ``conf.property_protection_file`` (``None``: disabled).
    :raises harness.errors.StartupError: invalid property protections or
        custom image schema (the API process then exits 1).
    """

    routes = (
        ('GET', r'/images', 'images.index'),
        ('POST', r'/images', 'images.create'),
        ('GET', r'/images/' + _ID, 'images.show'),
        ('PATCH', r'/images/' + _ID, 'images.update'),
        ('DELETE', r'/images/' + _ID, 'images.delete'),
        ('PUT', r'/images/%s/file' % _ID, 'data.upload'),
        ('GET', r'/images/%s/file' % _ID, 'data.download'),
        ('PUT', r'/images/%s/tags/%s' % (_ID, _TAG), 'tags.add'),
        ('DELETE', r'/images/%s/tags/%s' % (_ID, _TAG), 'tags.delete'),
        ('GET', r'/images/%s/members' % _ID, 'members.index'),
        ('POST', r'/images/%s/members' % _ID, 'members.create'),
        ('GET', r'/images/%s/members/%s' % (_ID, _MEMBER), 'members.show'),
        ('PUT', r'/images/%s/members/%s' % (_ID, _MEMBER), 'members.update'),
        ('DELETE', r'/images/%s/members/%s' % (_ID, _MEMBER),
         'members.delete'),
        ('GET', r'/schemas/' + _SCHEMA, 'schema'),
        ('POST', r'/tasks', 'tasks.create'),
        ('GET', r'/tasks', 'tasks.index'),
        ('GET', r'/tasks/' + _TASK, 'tasks.show'),
        ('DELETE', r'/tasks/' + _TASK, 'tasks.delete'),
    )

    def __init__(self, conf=None, property_rules=api.UNSET):
        super().__init__(conf, property_rules)
        self.schemas = schemas.Schemas(self.conf)
        locations.check_strategy(self.conf)
        # The controllers the routes name (``images.create``...).
        self.images = images.ImagesController(self)
        self.tags = tags.TagsController(self)
        self.members = members.MembersController(self)
        self.data = data.DataController(self)
        self.tasks = tasks.TasksController(self)

    def unmatched(self, req):
        """405 with ``Allow`` for a path routed for other methods.

        Port: 2014.1 answered 404 (its mapper had no rejecting routes);
        405 tells a careless client what it got wrong.
        """
        allowed = self.allowed_methods(req.path_info or '/',
                                       refusing=('tasks.delete',))
        if not allowed:
            raise webob.exc.HTTPNotFound()
        raise webob.exc.HTTPMethodNotAllowed(
            headers=[('Allow', ', '.join(allowed))])

    # -- what the controllers share --------------------------------------

    def context(self, req):
        """The request context of *req*."""
        return webapp.request_context(req)

    def db(self, ctx):
        """The DB API acting for *ctx* (see :func:`dbgateway.gateway`)."""
        return dbgateway.gateway(self.conf, ctx)

    def schema(self, req, name):
        """``GET /v2/schemas/<name>``: a JSON schema."""
        return webapp.json_response(self.schemas.get(name))
