"""The ``cache_manage`` filter in-process (``Request.blank``), over a real
cache directory; the registry is a recorded stand-in."""

import json
import os

import fixtures
import testtools
import webob
import webob.exc

from harness.service.api.middleware import cache_manage
from harness.service.context import ENVIRON_KEY
from harness.service.context import RequestContext
from harness.tests.unit.service import apitest_helpers as helpers

LIVE = '11111111-1111-1111-1111-111111111111'
KILLED = '22222222-2222-2222-2222-222222222222'
MISSING = '33333333-3333-3333-3333-333333333333'


class Registry(object):
    """``get_image`` over a dict; unknown ids are 404."""

    images = {LIVE: {'status': 'active', 'deleted': False},
              KILLED: {'status': 'killed', 'deleted': False}}

    def __init__(self, asked):
        self.asked = asked

    def get_image(self, image_id):
        self.asked.append(image_id)
        if image_id not in self.images:
            raise webob.exc.HTTPNotFound()
        return self.images[image_id]


class TestCacheManageFilter(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(tmp, 'policy.json')
        helpers.write_policy(self.policy_file, {'default': ''})
        self.cache_dir = os.path.join(tmp, 'cache')
        conf = helpers.make_conf(policy_file=self.policy_file,
                                 image_cache_dir=self.cache_dir)
        self.asked = []
        controller = cache_manage.CacheController(
            conf, client_factory=lambda conf, ctx: Registry(self.asked))
        self.filter = cache_manage.CacheManageFilter(
            self.downstream, conf=conf, controller=controller)
        self.passed = []

    def downstream(self, environ, start_response):
        self.passed.append((environ['REQUEST_METHOD'],
                            environ['PATH_INFO']))
        start_response('404 Not Found', [('Content-Length', '0')])
        return [b'']

    def call(self, method, path, status=200):
        req = webob.Request.blank(path, method=method)
        req.environ[ENVIRON_KEY] = RequestContext(is_admin=True)
        res = req.get_response(self.filter)
        self.assertEqual(status, res.status_int, res.body)
        if status == 200:
            self.assertEqual('application/json', res.content_type)
            return json.loads(res.body)
        return res.body

    def test_queue_list_delete(self):
        self.assertEqual({'queued_images': []},
                         self.call('GET', '/v1/queued_images'))
        self.assertIsNone(self.call('PUT', '/v1/queued_images/' + LIVE))
        self.assertEqual([LIVE], os.listdir(os.path.join(self.cache_dir,
                                                         'queue')))
        self.assertEqual({'queued_images': [LIVE]},
                         self.call('GET', '/v1/queued_images'))
        self.assertIsNone(self.call('DELETE', '/v1/queued_images/' + LIVE))
        self.assertEqual({'num_deleted': 0},
                         self.call('DELETE', '/v1/queued_images'))
        self.assertEqual([], self.passed)

    def test_cached_images(self):
        with open(os.path.join(self.cache_dir, LIVE), 'wb') as handle:
            handle.write(b'12345')
        listing = self.call('GET', '/v1/cached_images')['cached_images']
        self.assertEqual([(LIVE, 5)], [(e['image_id'], e['size'])
                                       for e in listing])
        self.assertEqual({'num_deleted': 1},
                         self.call('DELETE', '/v1/cached_images'))
        self.assertIsNone(self.call('DELETE', '/v1/cached_images/' + LIVE))

    def test_queue_refuses_unknown_dead_and_malformed_ids(self):
        body = self.call('PUT', '/v1/queued_images/' + MISSING, 400)
        self.assertIn(b'No image found with ID ' + MISSING.encode(), body)
        body = self.call('PUT', '/v1/queued_images/' + KILLED, 400)
        self.assertIn(b'Image %s is killed' % KILLED.encode(), body)
        self.call('PUT', '/v1/queued_images/..', 400)
        self.call('DELETE', '/v1/cached_images/..', 400)
        self.call('DELETE', '/v1/queued_images/a/b', 400)
        # The malformed id never reached the registry.
        self.assertEqual([MISSING, KILLED], self.asked)
        self.assertEqual([], os.listdir(os.path.join(self.cache_dir,
                                                     'queue')))

    def test_policy(self):
        helpers.write_policy(self.policy_file,
                             {'default': '', 'manage_image_cache': '!'})
        for method, path in (('GET', '/v1/cached_images'),
                             ('PUT', '/v1/queued_images/' + LIVE),
                             ('DELETE', '/v1/queued_images')):
            self.call(method, path, 403)
        self.assertEqual([], self.asked)

    def test_everything_else_passes_through(self):
        for method, path in (('GET', '/v1/images'),
                             ('POST', '/v1/cached_images'),
                             ('GET', '/v1/cached_images/' + LIVE),
                             ('GET', '/v2/cached_images'),
                             ('GET', '/v1/cached_images/a/b')):
            self.call(method, path, 404)
        self.assertEqual(5, len(self.passed))
