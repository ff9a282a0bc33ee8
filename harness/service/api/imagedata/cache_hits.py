"""What the cache filter asks of an API version before it serves an image
from the cache.

The ``cache`` filter (:mod:`harness.service.api.middleware.cache`) knows
the image cache, not the APIs it wraps.  For each API version it serves,
it holds a *hit source*: an object built as ``source(conf, enforcer)``
(the service configuration and the filter's
:class:`~harness.service.policy.Enforcer`) with one method::

    find(ctx, image_id) -> Hit, GONE or None

It answers as that version's API would answer *ctx* asking for the data
of *image_id*, without reading the data:

* ``None``: the API must answer (unknown or invisible image, not active,
  refused by policy): the filter passes the request on;
* :data:`GONE`: the image is deleted: the filter evicts it from the cache
  and passes the request on;
* a :class:`Hit`: the cached file may be the answer.

The v1 and v2 sources live with their APIs
(``harness.service.api.v1.cache_hits``,
``harness.service.api.v2.cache_hits``); the filter is given them by name
(:func:`load`), so that it imports none of the apps it wraps.
"""

import importlib


class _Gone(object):
    __slots__ = ()

    def __repr__(self):
        return 'GONE'


#: What ``find`` returns for a deleted image (the cache drops it).
GONE = _Gone()


class Hit(object):
    """An image a hit source lets the cache serve.

    :ivar size: the image's size as the API knows it (0: unknown).  The
        cached file must have this size (else it is evicted); when it is
        unknown, the cached file's size is the answer's.
    :ivar add_headers: ``add_headers(response, req)`` sets the version's
        headers on the answer (its ``Content-Length`` already set).
    """

    def __init__(self, size, add_headers):
        self.size = size
        self.add_headers = add_headers


def load(name):
    """The hit source class (or factory) named ``module:attribute``, as a
    paste file names a factory.

    :raises ImportError: the module cannot be imported.
    :raises AttributeError: the module has no such attribute.
    """
    module, _colon, attribute = name.partition(':')
    return getattr(importlib.import_module(module), attribute)
