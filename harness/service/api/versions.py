"""The versions document.

Clients compare it byte for byte, so the key order and the separators of
``json.dumps`` matter.
"""

import json

import webob
import webob.dec

from harness.service import process_conf

# (id, status, major) from newest to oldest, in document order.
_VERSIONS = (
    ('v2.2', 'CURRENT', 2),
    ('v2.1', 'SUPPORTED', 2),
    ('v2.0', 'SUPPORTED', 2),
    ('v1.1', 'CURRENT', 1),
    ('v1.0', 'SUPPORTED', 1),
)


def versions_document(host_url, enable_v1=True, enable_v2=True):
    """Return the versions document body (bytes) for *host_url*."""
    enabled = {1: enable_v1, 2: enable_v2}
    versions = [
        {'id': version_id, 'status': status,
         'links': [{'rel': 'self',
                    'href': '%s/v%d/' % (host_url, major)}]}
        for version_id, status, major in _VERSIONS if enabled[major]]
    return json.dumps({'versions': versions},
                      separators=(', ', ': ')).encode('utf-8')


class VersionsApp(object):
    """WSGI app answering every request with ``300`` and the document."""

    def __init__(self, enable_v1=True, enable_v2=True):
        self.enable_v1 = enable_v1
        self.enable_v2 = enable_v2

    @webob.dec.wsgify
    def __call__(self, req):
        # req.host_url is scheme://Host (a default port is dropped, as
        # WebOb did for Glance).
        body = versions_document(req.host_url, self.enable_v1,
                                 self.enable_v2)
        return webob.Response(body=body, status=300,
                              content_type='application/json',
                              charset=None)


def app_for(conf):
    """Return the versions app for the enabled APIs of *conf*."""
    return VersionsApp(conf.enable_v1_api, conf.enable_v2_api)


def create_resource(global_conf=None, **local_conf):
    """paste ``app_factory`` of ``[app:apiversions]``."""
    return app_for(process_conf.get_conf())
