"""The registry server: image metadata over HTTP.

:mod:`.api` is the WSGI application (route table and paste factory) whose
handlers live in :mod:`.images`, :mod:`.members` and :mod:`.rpc`;
:mod:`.client` is the HTTP client the v1 API, the scrubber and the cache
prefetcher use to talk to it, :mod:`.rpc_client` the client of ``POST
/rpc``.
"""
