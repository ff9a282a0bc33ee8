"""A small WebOb middleware base usable as a paste filter factory."""

import webob.dec
import webob.exc


class Middleware(object):
    """Wrap a WSGI *application* with request and response hooks.

    Subclasses override :meth:`process_request` (return a response to
    short-circuit the application, or raise ``webob.exc.HTTP*``) and/or
    :meth:`process_response`.
    """

    def __init__(self, application):
        self.application = application

    @classmethod
    def factory(cls, global_conf, **local_conf):
        """paste ``filter_factory``: ``[filter:x] paste.filter_factory``."""
        def make_filter(app):
            return cls(app)
        return make_filter

    def process_request(self, req):
        """Inspect or change *req*; a non-``None`` result is the answer."""
        return None

    def process_response(self, response):
        """Inspect or change *response* (``response.request`` is set)."""
        return response

    @webob.dec.wsgify
    def __call__(self, req):
        response = self.process_request(req)
        if response is not None:
            return response
        response = req.get_response(self.application)
        response.request = req
        try:
            return self.process_response(response)
        except webob.exc.HTTPException as exc:
            return exc
