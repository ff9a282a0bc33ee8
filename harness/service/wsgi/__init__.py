"""A small threaded HTTP/1.1 WSGI server for the reference service.

Modules: :mod:`.sockets` (adopt or bind the listening socket, TLS),
:mod:`.http` (one connection: parsing, environ), :mod:`.body`
(``wsgi.input``), :mod:`.response` (framing and streaming),
:mod:`.connections` (accept loop, graceful stop), :mod:`.workers`
(pre-fork) and :mod:`.server` (:func:`~.server.serve`).
"""
