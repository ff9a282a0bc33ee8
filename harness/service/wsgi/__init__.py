"""A small HTTP/1.1 WSGI server for the reference service, on h11.

Modules: :mod:`.sockets` (adopt or bind the listening socket, TLS),
:mod:`.loop` (accept, handshakes, request heads, idle clients),
:mod:`.pool` (the threads that serve requests), :mod:`.head` and
:mod:`.chunked` (what h11 tolerates but we refuse), :mod:`.http` (one
request), :mod:`.request` (environ), :mod:`.body` (``wsgi.input``),
:mod:`.response` (framing and streaming through h11),
:mod:`.connections` (shared state, graceful stop), :mod:`.workers`
(pre-fork) and :mod:`.server` (:func:`~.server.serve`).
"""
