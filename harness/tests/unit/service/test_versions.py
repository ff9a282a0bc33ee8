"""The versions document, byte for byte."""

import testtools
import webob

from harness.service.api import versions
from harness.tests.unit.service import apitest_helpers as helpers

V2 = ('{"id": "v2.2", "status": "CURRENT", "links": [{"rel": "self", '
      '"href": "%(url)s/v2/"}]}, '
      '{"id": "v2.1", "status": "SUPPORTED", "links": [{"rel": "self", '
      '"href": "%(url)s/v2/"}]}, '
      '{"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", '
      '"href": "%(url)s/v2/"}]}')
V1 = ('{"id": "v1.1", "status": "CURRENT", "links": [{"rel": "self", '
      '"href": "%(url)s/v1/"}]}, '
      '{"id": "v1.0", "status": "SUPPORTED", "links": [{"rel": "self", '
      '"href": "%(url)s/v1/"}]}')


def expected(url, parts=(V2, V1)):
    """The document as a client builds it from Glance 2014.1's format
    (not from the service's code)."""
    entries = ', '.join(part % {'url': url} for part in parts)
    return ('{"versions": [%s]}' % entries).encode('utf-8')


class TestVersionsDocument(testtools.TestCase):

    def _get(self, path='/', method='GET', **conf_options):
        helpers.use_conf(self, helpers.make_conf(**conf_options))
        app = versions.create_resource({})
        req = webob.Request.blank(path, method=method,
                                  headers={'Host': '127.0.0.1:9292'})
        return req.get_response(app)

    def test_exact_document(self):
        res = self._get()
        self.assertEqual(300, res.status_int)
        self.assertEqual('application/json', res.headers['Content-Type'])
        self.assertEqual(expected('http://127.0.0.1:9292'), res.body)
        self.assertEqual(str(len(res.body)), res.headers['Content-Length'])

    def test_any_path_and_method(self):
        res = self._get('/anything/at/all', method='POST')
        self.assertEqual(300, res.status_int)
        self.assertEqual(expected('http://127.0.0.1:9292'), res.body)

    def test_v2_disabled(self):
        res = self._get(enable_v2_api=False)
        self.assertEqual(expected('http://127.0.0.1:9292', (V1,)), res.body)

    def test_v1_disabled(self):
        res = self._get(enable_v1_api=False)
        self.assertEqual(expected('http://127.0.0.1:9292', (V2,)), res.body)

    def test_host_header_and_https(self):
        app = versions.VersionsApp()
        req = webob.Request.blank('/', headers={'Host': 'example.org:8443'})
        req.scheme = 'https'
        body = req.get_response(app).body
        self.assertEqual(expected('https://example.org:8443'), body)

    def test_document_function(self):
        self.assertEqual(expected('http://h:1', ()),
                         versions.versions_document('http://h:1', False,
                                                    False))
