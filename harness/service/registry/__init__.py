"""The registry server: image metadata over HTTP (reference-service.md s. 7).

:mod:`.api` is the WSGI application, :mod:`.client` the HTTP client the v1
API, the scrubber and the cache prefetcher use to talk to it.
"""
