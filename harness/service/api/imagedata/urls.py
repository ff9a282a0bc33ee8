"""Which URLs a client may give as the place of an image's data: a v1
location or copy-from source, a v2 location."""

from harness.service import store
from harness.service.store import errors as store_errors

#: Schemes a client may never name (2014.1.5): they would expose the
#: server's own files or its configured Swift account.
RESTRICTED_SCHEMES = ('file', 'filesystem', 'swift+config')


def is_external(url):
    """Whether *url* names a known store scheme a client may use."""
    try:
        scheme = store.scheme_of(url).lower()
    except store_errors.BadStoreUri:
        return False
    return scheme in store.SCHEMES and scheme not in RESTRICTED_SCHEMES
