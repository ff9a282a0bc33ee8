"""The DB API of the reference service: engines and data functions.

Every data function takes the engine first and the request context second
(Glance's DB API took the context first and found the engine itself);
the registry, its RPC endpoint and the v2 API all go through this module.
The functions live in :mod:`.images`, :mod:`.properties`,
:mod:`.members`, :mod:`.tags`, :mod:`.tasks`, :mod:`.usage` and
:mod:`.access`; errors are those of :mod:`.errors`.
"""

import threading

import sqlalchemy as sa

from harness.service.db.access import is_image_mutable
from harness.service.db.access import is_image_visible
from harness.service.db.common import can_show_deleted
from harness.service.db.filters import normalize_time
from harness.service.db.images import IMAGE_ATTRS
from harness.service.db.images import image_create
from harness.service.db.images import image_destroy
from harness.service.db.images import image_get
from harness.service.db.images import image_get_all
from harness.service.db.images import image_update
from harness.service.db.images import STATUSES
from harness.service.db.images import to_full_dict
from harness.service.db.members import image_member_count
from harness.service.db.members import image_member_create
from harness.service.db.members import image_member_delete
from harness.service.db.members import image_member_find
from harness.service.db.members import image_member_update
from harness.service.db.members import image_members_replace
from harness.service.db.properties import image_property_create
from harness.service.db.properties import image_property_delete
from harness.service.db.tags import image_tag_create
from harness.service.db.tags import image_tag_delete
from harness.service.db.tags import image_tag_get_all
from harness.service.db.tags import image_tag_set_all
from harness.service.db.tags import image_tags_get_many
from harness.service.db.tasks import task_create
from harness.service.db.tasks import task_delete
from harness.service.db.tasks import task_get
from harness.service.db.tasks import task_get_all
from harness.service.db.tasks import task_update
from harness.service.db.usage import user_get_storage_usage

#: The data functions of the DB API, by name: what the registry RPC
#: exposes.  Each is ``f(engine, context, **kwargs)``.
FUNCTIONS = {function.__name__: function for function in (
    image_create, image_update, image_destroy, image_get, image_get_all,
    image_property_create, image_property_delete,
    image_member_create, image_member_update, image_member_delete,
    image_member_find, image_member_count,
    image_tag_set_all, image_tag_create, image_tag_delete,
    image_tag_get_all, image_tags_get_many, user_get_storage_usage,
    is_image_visible, is_image_mutable,
    task_create, task_update, task_get, task_delete, task_get_all)}

# image_members_replace is the registry v1's own (Glance's RPC had none).
__all__ = ['FUNCTIONS', 'IMAGE_ATTRS', 'STATUSES', 'can_show_deleted',
           'dispose_engines', 'get_engine', 'image_members_replace',
           'normalize_time', 'to_full_dict'] + sorted(FUNCTIONS)

_ENGINES = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(url, idle_timeout=3600):
    """Return the process-wide engine of *url*, creating it on first use.

    :param idle_timeout: seconds after which a pooled connection is
        replaced (``sql_idle_timeout`` / ``[database] idle_timeout``).

    As in Glance, SQLite foreign keys are left off: the service soft-deletes
    rows and never relies on the database to cascade or refuse.
    """
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            # A server restart must not break the first request after it;
            # SQLite files need no such check.
            networked = sa.engine.make_url(url).get_backend_name() != 'sqlite'
            engine = sa.create_engine(url, pool_recycle=idle_timeout,
                                      pool_pre_ping=networked)
            _ENGINES[url] = engine
        return engine


def dispose_engines():
    """Close every cached engine (tests, and after a fork)."""
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
    for engine in engines:
        engine.dispose()
