"""Routes of the v2 API (reference-service.md section 10).

The :class:`API` app holds what every v2 handler needs (configuration,
policy enforcer, property protections, the DB gateway) and hands each
route to its controller; ``doc/v2-contracts.rst`` describes that
interface.  A path routed for other methods is ``405`` with ``Allow``;
anything else unmatched is ``404``.
"""

import webob.exc

from harness.service import api
from harness.service import webapp
from harness.service.api.v2 import data
from harness.service.api.v2 import images
from harness.service.api.v2 import locations
from harness.service.api.v2 import members
from harness.service.api.v2 import repo
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
        ('GET', r'/images', 'list_images'),
        ('POST', r'/images', 'create_image'),
        ('GET', r'/images/' + _ID, 'show_image'),
        ('PATCH', r'/images/' + _ID, 'update_image'),
        ('DELETE', r'/images/' + _ID, 'delete_image'),
        ('PUT', r'/images/%s/file' % _ID, 'upload'),
        ('GET', r'/images/%s/file' % _ID, 'download'),
        ('PUT', r'/images/%s/tags/%s' % (_ID, _TAG), 'add_tag'),
        ('DELETE', r'/images/%s/tags/%s' % (_ID, _TAG), 'delete_tag'),
        ('GET', r'/images/%s/members' % _ID, 'list_members'),
        ('POST', r'/images/%s/members' % _ID, 'create_member'),
        ('GET', r'/images/%s/members/%s' % (_ID, _MEMBER), 'show_member'),
        ('PUT', r'/images/%s/members/%s' % (_ID, _MEMBER), 'update_member'),
        ('DELETE', r'/images/%s/members/%s' % (_ID, _MEMBER),
         'delete_member'),
        ('GET', r'/schemas/' + _SCHEMA, 'schema'),
        ('POST', r'/tasks', 'create_task'),
        ('GET', r'/tasks', 'list_tasks'),
        ('GET', r'/tasks/' + _TASK, 'show_task'),
        ('DELETE', r'/tasks/' + _TASK, 'delete_task'),
    )

    def __init__(self, conf=None, property_rules=api.UNSET):
        super().__init__(conf, property_rules)
        self.schemas = schemas.Schemas(self.conf)
        locations.check_strategy(self.conf)
        self._images = images.ImagesController(self)
        self._tags = tags.TagsController(self)
        self._members = members.MembersController(self)
        self._data = data.DataController(self)
        self._tasks = tasks.TasksController(self)

    def unmatched(self, req):
        """405 with ``Allow`` for a path routed for other methods.

        Port: 2014.1 answered 404 (its mapper had no rejecting routes);
        405 tells a careless client what it got wrong.
        """
        allowed = self.allowed_methods(req.path_info or '/',
                                       refusing=('delete_task',))
        if not allowed:
            raise webob.exc.HTTPNotFound()
        raise webob.exc.HTTPMethodNotAllowed(
            headers=[('Allow', ', '.join(allowed))])

    # -- what the controllers share --------------------------------------

    def context(self, req):
        """The request context of *req*."""
        return webapp.request_context(req)

    def db(self, ctx):
        """The DB API acting for *ctx* (see :func:`repo.gateway`)."""
        return repo.gateway(self.conf, ctx)

    # -- images ------------------------------------------------------------

    def list_images(self, req):
        return self._images.index(req)

    def create_image(self, req):
        return self._images.create(req)

    def show_image(self, req, image_id):
        return self._images.show(req, image_id)

    def update_image(self, req, image_id):
        return self._images.update(req, image_id)

    def delete_image(self, req, image_id):
        return self._images.delete(req, image_id)

    # -- data and tasks --------------------------------------------------

    def upload(self, req, image_id):
        return self._data.upload(req, image_id)

    def download(self, req, image_id):
        return self._data.download(req, image_id)

    def create_task(self, req):
        return self._tasks.create(req)

    def list_tasks(self, req):
        return self._tasks.index(req)

    def show_task(self, req, task_id):
        return self._tasks.show(req, task_id)

    def delete_task(self, req, task_id):
        return self._tasks.delete(req, task_id)

    # -- tags, members, schemas ------------------------------------------

    def add_tag(self, req, image_id, tag):
        return self._tags.add(req, image_id, tag)

    def delete_tag(self, req, image_id, tag):
        return self._tags.delete(req, image_id, tag)

    def list_members(self, req, image_id):
        return self._members.index(req, image_id)

    def create_member(self, req, image_id):
        return self._members.create(req, image_id)

    def show_member(self, req, image_id, member_id):
        return self._members.show(req, image_id, member_id)

    def update_member(self, req, image_id, member_id):
        return self._members.update(req, image_id, member_id)

    def delete_member(self, req, image_id, member_id):
        return self._members.delete(req, image_id, member_id)

    def schema(self, req, name):
        return webapp.json_response(self.schemas.get(name))
