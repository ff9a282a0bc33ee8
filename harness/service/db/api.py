"""The DB API of the reference service: engines and data functions.

Every data function takes the engine first and the request context second
(Glance's DB API took the context first and found the engine itself);
the registry and the v2 API both go through this module.
"""

import threading

import sqlalchemy as sa

from harness.service.db.filters import normalize_time
from harness.service.db.images import can_show_deleted
from harness.service.db.images import IMAGE_ATTRS
from harness.service.db.images import image_create
from harness.service.db.images import image_get
from harness.service.db.images import image_get_all
from harness.service.db.images import is_image_visible
from harness.service.db.images import STATUSES
from harness.service.db.images import to_full_dict

__all__ = ['IMAGE_ATTRS', 'STATUSES', 'can_show_deleted', 'dispose_engines',
           'get_engine', 'image_create', 'image_get', 'image_get_all',
           'is_image_visible', 'normalize_time', 'to_full_dict']

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
