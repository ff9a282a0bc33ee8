"""Routes of the v2 API (not implemented yet: every path is ``404``)."""

from harness.service import api


class API(api.Router):
    """The ``/v2`` application; routes are added with the v2 API."""

    routes = ()
