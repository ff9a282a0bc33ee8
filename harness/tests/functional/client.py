"""A minimal HTTP client for functional tests (stdlib http.client)."""

import http.client
import json


def request(port, method, path, headers=None, body=None, timeout=30):
    """Send one request to 127.0.0.1:*port*; return (status, headers, body).

    Header names in the returned dict are lower-cased.
    """
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                resp.read())
    finally:
        conn.close()


def versions_document(port, v1=True, v2=True):
    """The versions document the API must return, byte for byte."""
    href = 'http://127.0.0.1:%d/v%%d/' % port
    entries = []
    if v2:
        entries += [('v2.2', 'CURRENT'), ('v2.1', 'SUPPORTED'),
                    ('v2.0', 'SUPPORTED')]
    if v1:
        entries += [('v1.1', 'CURRENT'), ('v1.0', 'SUPPORTED')]
    versions = [{'id': ident, 'status': status,
                 'links': [{'rel': 'self', 'href': href % int(ident[1])}]}
                for ident, status in entries]
    return json.dumps({'versions': versions}).encode()
