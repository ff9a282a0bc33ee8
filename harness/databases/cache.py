"""The harness's cache directory: synced sqlite databases and the
initialised data directories of private database servers.

Shared by every test process of the user (``HARNESS_DB_CACHE_DIR``, else
``$XDG_CACHE_HOME/harness``, else ``~/.cache/harness``); each entry is
named after what it depends on, and written under a lock.
"""

import os

from harness import contract

CACHE_DIR_ENV = contract.DB_CACHE_DIR


def cache_dir():
    """Directory of the synced-DB cache (created on demand)."""
    path = os.environ.get(CACHE_DIR_ENV) or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
        'harness')
    os.makedirs(path, exist_ok=True)
    return path
