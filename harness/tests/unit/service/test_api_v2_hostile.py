"""The v2 fixes the hostile corpus led to (issue 13), one test each, on
the in-process stack of :mod:`.test_v2_corpus`."""

import json

import testtools

from harness.tests.unit.service import test_v2_corpus
from harness.tests.v2_corpus import runner
from harness.tests.v2_corpus import wire


class TestV2Hostile(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.stack = test_v2_corpus.CorpusStack(self)
        self.corpus = runner.Runner(self.stack.send, self.stack.image_dir)
        self.corpus.make_fixtures()
        self.image = b'/v2/images/' + self.corpus.ids[b'Q']

    def send(self, method, target, body=b'', headers=()):
        return self.stack.send(wire.request(
            method, target, [runner.AUTH] + list(headers), body))

    def test_wrong_method_is_405_with_allow(self):
        for method, target, allow in (
                (b'PUT', b'/v2/images', 'GET, POST'),
                (b'POST', self.image, 'DELETE, GET, PATCH'),
                (b'GET', self.image + b'/tags/t1', 'DELETE, PUT'),
                (b'POST', b'/v2/tasks/x', 'GET')):
            reply = self.send(method, target)
            self.assertEqual((405, allow),
                             (reply.status, reply.headers.get('allow')),
                             target)
        # A path no route has stays 404.
        self.assertEqual(404, self.send(b'GET', b'/v2/nothing').status)

    def test_tag_with_nul_is_refused_everywhere(self):
        before = self.send(b'GET', self.image).body
        self.assertEqual(400, self.send(b'PUT',
                                        self.image + b'/tags/a%00b').status)
        patch = json.dumps([{'op': 'replace', 'path': '/tags',
                             'value': ['a\0b']}]).encode()
        reply = self.send(b'PATCH', self.image, patch, [
            (b'Content-Type',
             b'application/openstack-images-v2.1-json-patch')])
        self.assertEqual(400, reply.status)
        self.assertEqual(before, self.send(b'GET', self.image).body)
        reply = self.send(b'POST', b'/v2/images', b'{"tags": ["a\\u0000"]}',
                          [(b'Content-Type', b'application/json')])
        self.assertEqual(400, reply.status)
        self.assertIn(b'NUL', reply.body)

    def test_too_many_filters_is_400(self):
        query = b'&'.join(b'p%d=v' % i for i in range(21))
        reply = self.send(b'GET', b'/v2/images?' + query)
        self.assertEqual(400, reply.status)
        self.assertIn(b'Too many filters: 21 (at most 20).', reply.body)
        query = b'&'.join(b'tag=t%d' % i for i in range(20))
        self.assertEqual(200, self.send(b'GET',
                                        b'/v2/images?' + query).status)
