"""Where the v2 API's DB calls go: in-process, or the registry's ``/rpc``.

:func:`gateway` hands out an object whose methods are the DB API
functions v2 calls (keyword arguments only): :class:`DirectDB` runs them
in this process; :class:`~harness.service.registry.rpc_client.RPCClient`
sends them to the registry when ``data_api`` names it.
"""

import webob.exc

#: ``data_api`` values that route v2 through the registry's ``/rpc``.
REGISTRY_DATA_APIS = ('glance.db.registry.api',
                      'harness.service.registry.rpc_client')


def _db_api():
    # Imported on first use: the DB API pulls in SQLAlchemy, which a
    # process that never serves v2 need not load.
    from harness.service.db import api
    return api


def uses_registry(conf):
    """Whether v2 data goes through the registry's ``/rpc``."""
    return (conf.get('data_api') or '').strip() in REGISTRY_DATA_APIS


def gateway(conf, ctx):
    """The DB API for *ctx*: in-process, or the registry's ``/rpc``."""
    if uses_registry(conf):
        from harness.service.registry import rpc_client
        return rpc_client.RPCClient(conf, ctx)
    url = conf.sql_connection_url
    if not url:
        raise webob.exc.HTTPInternalServerError(
            explanation='No database configured for the v2 API.')
    timeout = conf.get('idle_timeout', 'database') or conf.sql_idle_timeout
    return DirectDB(_db_api().get_engine(url, idle_timeout=timeout), ctx)


class DirectDB(object):
    """The DB API run in-process for *ctx*.

    Each method calls the function of the same name in
    :mod:`harness.service.db.api` with this engine and context.  The
    function is looked up on that module at each call, never kept: what a
    test patches there (``Server.patch``) is what runs.
    """

    def __init__(self, engine, ctx):
        self._engine = engine
        self._ctx = ctx

    def image_create(self, **kwargs):
        return _db_api().image_create(self._engine, self._ctx, **kwargs)

    def image_update(self, **kwargs):
        return _db_api().image_update(self._engine, self._ctx, **kwargs)

    def image_destroy(self, **kwargs):
        return _db_api().image_destroy(self._engine, self._ctx, **kwargs)

    def image_get(self, **kwargs):
        return _db_api().image_get(self._engine, self._ctx, **kwargs)

    def image_get_all(self, **kwargs):
        return _db_api().image_get_all(self._engine, self._ctx, **kwargs)

    def image_member_create(self, **kwargs):
        return _db_api().image_member_create(self._engine, self._ctx, **kwargs)

    def image_member_update(self, **kwargs):
        return _db_api().image_member_update(self._engine, self._ctx, **kwargs)

    def image_member_delete(self, **kwargs):
        return _db_api().image_member_delete(self._engine, self._ctx, **kwargs)

    def image_member_find(self, **kwargs):
        return _db_api().image_member_find(self._engine, self._ctx, **kwargs)

    def image_member_count(self, **kwargs):
        return _db_api().image_member_count(self._engine, self._ctx, **kwargs)

    def image_tag_set_all(self, **kwargs):
        return _db_api().image_tag_set_all(self._engine, self._ctx, **kwargs)

    def image_tag_get_all(self, **kwargs):
        return _db_api().image_tag_get_all(self._engine, self._ctx, **kwargs)

    def image_tags_get_many(self, **kwargs):
        return _db_api().image_tags_get_many(self._engine, self._ctx, **kwargs)

    def user_get_storage_usage(self, **kwargs):
        return _db_api().user_get_storage_usage(self._engine, self._ctx,
                                                **kwargs)

    def task_create(self, **kwargs):
        return _db_api().task_create(self._engine, self._ctx, **kwargs)

    def task_update(self, **kwargs):
        return _db_api().task_update(self._engine, self._ctx, **kwargs)

    def task_get(self, **kwargs):
        return _db_api().task_get(self._engine, self._ctx, **kwargs)

    def task_delete(self, **kwargs):
        return _db_api().task_delete(self._engine, self._ctx, **kwargs)

    def task_get_all(self, **kwargs):
        return _db_api().task_get_all(self._engine, self._ctx, **kwargs)
