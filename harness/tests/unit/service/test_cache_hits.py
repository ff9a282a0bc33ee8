"""The ``cache`` filter against its hit sources, in-process
(``Request.blank``) over a real cache directory: the v1 source asking a
registry served on a socket, the v2 source on a real SQLite database,
and a source over a dict for what every version shares.
"""

import hashlib
import os

import fixtures
import testtools
import webob
import webob.dec

from harness.service import policy
from harness.service.api.imagedata import cache_hits
from harness.service.api.middleware import cache
from harness.service.api.middleware import context as context_mw
from harness.service.api.middleware import fakeauth
from harness.service.api.v1.cache_hits import V1Hits
from harness.service.api.v2.cache_hits import V2Hits
from harness.service.context import ENVIRON_KEY
from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.service.db import migrate
from harness.service.registry import api as registry_api
from harness.tests.unit.service import apitest_helpers as helpers
from harness.tests.unit.service import dbtest_helpers
from harness.tests.unit.service import test_registry_client

IMAGE = '71c675ab-d94f-49cd-a114-e12490b328d9'
DATA = b'0123456789' * 1000
CHECKSUM = hashlib.md5(DATA).hexdigest()
ADMIN = RequestContext(is_admin=True)
OWNER = RequestContext(tenant='t1', user='u1', auth_token='u1:t1:member')
OTHER = RequestContext(tenant='t2', user='u2', auth_token='u2:t2:member')
#: Everything allowed; admin by role only (the registry asks).
POLICY = {'default': '', 'context_is_admin': 'role:admin'}


class ImageApp(object):
    """Stands for the API behind the filter: answers every GET with
    *DATA* (and its ``Content-MD5``), or 404 once ``gone`` is set (so
    nothing refills the cache); counts what reached it."""

    def __init__(self):
        self.reached = []
        self.gone = False

    @webob.dec.wsgify
    def __call__(self, req):
        self.reached.append((req.method, req.path_info))
        if req.method == 'DELETE':
            return webob.Response(status=204)
        if self.gone:
            return webob.Response(status=404)
        response = webob.Response(body=DATA, charset=None,
                                  content_type='application/octet-stream')
        response.headers['Content-MD5'] = CHECKSUM
        return response


class FilterTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(self.tmp, 'policy.json')
        helpers.write_policy(self.policy_file, POLICY)
        self.app = ImageApp()

    def make_conf(self, **options):
        return helpers.make_conf(
            policy_file=self.policy_file,
            image_cache_dir=os.path.join(self.tmp, 'cache'), **options)

    def get(self, path, ctx):
        req = webob.Request.blank(path)
        req.environ[ENVIRON_KEY] = ctx
        return req.get_response(self.filter)

    def reached(self, path, ctx):
        """Whether a GET of *path* reached the API; its body is read."""
        before = len(self.app.reached)
        response = self.get(path, ctx)
        self.assertEqual(200, response.status_int)
        self.assertEqual(DATA, response.body)
        return len(self.app.reached) > before


class TestV2Source(FilterTestBase):
    """The v2 hit source reading a real SQLite database in-process."""

    path = '/v2/images/%s/file' % IMAGE

    def setUp(self):
        super().setUp()
        url = dbtest_helpers.sqlite_url(self)
        migrate.db_sync(url)
        # The v2 source's gateway caches an engine per URL.
        self.addCleanup(db_api.dispose_engines)
        conf = self.make_conf(sql_connection=url)
        self.engine = db_api.get_engine(url)
        self.filter = cache.CacheFilter(
            self.app, conf,
            sources={'v2': V2Hits(conf, policy.Enforcer(conf))})

    def create(self, **values):
        values = dict(dict(
            id=IMAGE, status='active', owner='t1', is_public=False,
            size=len(DATA), checksum=CHECKSUM,
            locations=[{'url': 'file:///images/' + IMAGE, 'metadata': {}}]),
            **values)
        db_api.image_create(self.engine, ADMIN, values)

    def update(self, **values):
        db_api.image_update(self.engine, ADMIN, IMAGE, values)

    def test_miss_fills_then_hit_answers(self):
        self.create()
        self.assertTrue(self.reached(self.path, OWNER))
        self.assertTrue(self.filter.cache.is_cached(IMAGE))
        response = self.get(self.path, OWNER)
        self.assertEqual(DATA, response.body)
        self.assertEqual(CHECKSUM, response.headers['Content-MD5'])
        self.assertEqual(len(DATA), response.content_length)
        self.assertEqual(1, len(self.app.reached))

    def test_invisible_image_goes_to_the_api(self):
        self.create()
        self.reached(self.path, OWNER)
        self.assertTrue(self.reached(self.path, OTHER))

    def test_image_no_longer_active_goes_to_the_api(self):
        self.create()
        self.reached(self.path, OWNER)
        self.update(status='saving')
        self.assertTrue(self.reached(self.path, OWNER))
        self.assertTrue(self.filter.cache.is_cached(IMAGE))

    def test_deleted_image_goes_to_the_api(self):
        self.create()
        self.reached(self.path, OWNER)
        db_api.image_destroy(self.engine, ADMIN, IMAGE)
        self.assertTrue(self.reached(self.path, OWNER))

    def test_policy_refusal_goes_to_the_api(self):
        self.create()
        self.reached(self.path, OWNER)
        helpers.write_policy(self.policy_file,
                             dict(POLICY, download_image='!'))
        self.assertTrue(self.reached(self.path, OWNER))

    def test_wrong_size_is_evicted(self):
        self.create()
        self.reached(self.path, OWNER)
        self.update(size=len(DATA) + 1)
        self.app.gone = True
        self.assertEqual(404, self.get(self.path, OWNER).status_int)
        self.assertEqual(2, len(self.app.reached))
        self.assertFalse(self.filter.cache.is_cached(IMAGE))


class TestV1Source(FilterTestBase):
    """The v1 hit source asking a registry (fakeauth, context, registry
    app on a SQLite database) served on a socket in this process."""

    path = '/v1/images/' + IMAGE

    def setUp(self):
        super().setUp()
        self.engine = dbtest_helpers.synced_engine(self)
        url = self.engine.url.render_as_string(hide_password=False)
        registry_conf = helpers.make_conf(sql_connection=url,
                                          policy_file=self.policy_file)
        registry = fakeauth.FakeAuthMiddleware(context_mw.ContextMiddleware(
            registry_api.API(registry_conf, engine=self.engine),
            conf=registry_conf))
        port = test_registry_client.serve(self, registry)
        conf = self.make_conf(registry_host='127.0.0.1',
                              registry_port=port)
        self.filter = cache.CacheFilter(
            self.app, conf,
            sources={'v1': V1Hits(conf, policy.Enforcer(conf))})
        db_api.image_create(self.engine, ADMIN, dict(
            id=IMAGE, status='active', owner='t1', is_public=False,
            name='cached', size=len(DATA), checksum=CHECKSUM,
            properties={'distro': 'x'},
            locations=[{'url': 'file:///images/' + IMAGE, 'metadata': {}}]))
        self.reached(self.path, OWNER)   # the miss fills the cache

    def test_hit_answers_with_the_v1_headers(self):
        response = self.get(self.path, OWNER)
        self.assertEqual(DATA, response.body)
        self.assertEqual(1, len(self.app.reached))
        headers = response.headers
        self.assertEqual(IMAGE, headers['x-image-meta-id'])
        self.assertEqual('cached', headers['x-image-meta-name'])
        self.assertEqual(str(len(DATA)), headers['x-image-meta-size'])
        self.assertEqual('x', headers['x-image-meta-property-distro'])
        self.assertEqual(CHECKSUM, headers['ETag'])
        self.assertEqual('http://localhost/v1/images/' + IMAGE,
                         headers['Location'])
        self.assertNotIn('x-image-meta-location', headers)

    def test_invisible_image_goes_to_the_api(self):
        self.assertTrue(self.reached(self.path, OTHER))

    def test_pending_delete_is_evicted(self):
        db_api.image_update(self.engine, ADMIN, IMAGE,
                            {'status': 'pending_delete'})
        self.app.gone = True
        self.assertEqual(404, self.get(self.path, OWNER).status_int)
        self.assertEqual(2, len(self.app.reached))
        self.assertFalse(self.filter.cache.is_cached(IMAGE))


class DictHits(object):
    """A hit source over ``{image_id: Hit, GONE or None}``."""

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def find(self, ctx, image_id):
        self.asked.append((ctx, image_id))
        return self.answers.get(image_id)


class TestAnySource(FilterTestBase):
    """What the filter does with a source's answers, whatever the
    version."""

    path = '/v1/images/' + IMAGE

    def setUp(self):
        super().setUp()
        self.source = DictHits({})
        self.filter = cache.CacheFilter(self.app, self.make_conf(),
                                        sources={'v1': self.source})
        self.reached(self.path, OWNER)   # the miss fills the cache

    def test_hit_gets_the_sources_headers(self):
        def add_headers(response, req):
            response.headers['X-Size'] = str(response.content_length)
            response.headers['X-Path'] = req.path_info
        self.source.answers[IMAGE] = cache_hits.Hit(0, add_headers)
        response = self.get(self.path, OWNER)
        self.assertEqual(DATA, response.body)
        self.assertEqual(str(len(DATA)), response.headers['X-Size'])
        self.assertEqual(self.path, response.headers['X-Path'])
        self.assertEqual([(OWNER, IMAGE)], self.source.asked)
        self.assertEqual(1, len(self.app.reached))

    def test_none_goes_to_the_api_and_keeps_the_entry(self):
        self.assertTrue(self.reached(self.path, OWNER))
        self.assertTrue(self.filter.cache.is_cached(IMAGE))

    def test_gone_is_evicted(self):
        self.source.answers[IMAGE] = cache_hits.GONE
        self.app.gone = True
        self.assertEqual(404, self.get(self.path, OWNER).status_int)
        self.assertEqual(2, len(self.app.reached))
        self.assertFalse(self.filter.cache.is_cached(IMAGE))

    def test_no_context_never_asks(self):
        self.source.answers[IMAGE] = cache_hits.Hit(0, lambda r, q: None)
        self.assertTrue(self.reached(self.path, None))
        self.assertEqual([], self.source.asked)

    def test_version_without_a_source_passes_through(self):
        path = '/v2/images/%s/file' % IMAGE
        self.assertTrue(self.reached(path, OWNER))
        self.assertEqual([], self.source.asked)
        self.assertEqual(('GET', path), self.app.reached[-1])

    def test_delete_evicts(self):
        req = webob.Request.blank(self.path, method='DELETE')
        req.environ[ENVIRON_KEY] = OWNER
        self.assertEqual(204, req.get_response(self.filter).status_int)
        self.assertFalse(self.filter.cache.is_cached(IMAGE))
