"""Hostile raw HTTP against the launched API and registry (issue 7, A).

A subset of :mod:`harness.tests.http_corpus`: each request gets exactly
one 4xx with ``Connection: close`` and the close; the valid request
pipelined behind it is never served; the servers log no traceback.
"""

import os

from harness.glance import functional
from harness.tests import http_corpus
from harness.tests.functional import v1_support as v1


class TestHTTPParsing(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.start_servers(**self.__dict__.copy())

    def assertOneRejection(self, port, name, request, expected):
        status, headers, body, rest = http_corpus.exchange(port, request)
        self.assertEqual(expected, status, '%s: %r' % (name, body or rest))
        self.assertEqual('close', headers.get('connection'), name)
        self.assertEqual(b'', rest, name)

    def assertNoTraceback(self, server):
        with open(server.log_file, encoding='utf-8',
                  errors='replace') as handle:
            log = handle.read()
        self.assertNotIn('Traceback', log)
        self.assertNotIn(' 500 ', log)

    def test_api_refuses_each_case_alone(self):
        cases = http_corpus.api_cases()
        self.assertEqual(len(http_corpus.API_CASE_NAMES), len(cases))
        for name, request, expected in cases:
            self.assertOneRejection(self.api_port, name, request, expected)
        # The API still serves, nothing was created, nothing went wrong.
        status, headers, body, rest = http_corpus.exchange(
            self.api_port, b'GET /v1/images HTTP/1.1\r\nHost: x\r\n'
            b'Connection: close\r\n\r\n')
        self.assertEqual((200, b'{"images": []}'), (status, body))
        self.assertEqual([], os.listdir(self.api_server.image_dir))
        self.assertNoTraceback(self.api_server)

    def test_x_roles_underscore_never_reaches_the_context(self):
        # With "-", X-Roles is honoured (fake auth); "_" must not alias it.
        request = (b'POST /v1/images HTTP/1.1\r\nHost: x\r\n'
                   b'X_Roles: admin\r\nX-Image-Meta-Name: a\r\n'
                   b'Content-Length: 0\r\n\r\n')
        self.assertOneRejection(self.api_port, 'x_roles', request, 400)

    def test_glance_underscore_headers_still_work(self):
        api = v1.V1(self.api_port)
        image = api.create_ok({
            'Content-Type': 'application/octet-stream',
            'x-image-meta-name': 'u', 'x-image-meta-disk_format': 'raw',
            'x-image-meta-container_format': 'bare',
            'x-image-meta-is_public': 'True',
            'x-image-meta-property-x_foo': 'bar'}, b'data')
        self.assertEqual(('raw', 'bare', True, {'x_foo': 'bar'}), (
            image['disk_format'], image['container_format'],
            image['is_public'], image['properties']))

    def test_file_download_is_byte_exact(self):
        # Sent from the file's descriptor (wsgi.file_wrapper), in blocks.
        api = v1.V1(self.api_port)
        data = os.urandom(1 << 20) * 3 + b'tail'
        image = api.create_ok(v1.minimal_headers('big'), data)
        status, headers, body = api.request('GET',
                                            '/v1/images/%s' % image['id'])
        self.assertEqual((200, str(len(data)), True), (
            status, headers.get('content-length'), body == data))

    def test_registry_refuses_smuggling_too(self):
        for name in ('cl_and_te', 'bare_lf_head', 'chunk_ext_bare_cr'):
            request, expected = [(r, s) for n, r, s in http_corpus.CASES
                                 if n == name][0]
            request = request.replace(b'/echo ', b'/images ')
            self.assertOneRejection(self.registry_port, name, request,
                                    expected)
        self.assertNoTraceback(self.registry_server)
