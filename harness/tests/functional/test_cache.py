"""Transparent image caching through the ``caching`` flavor.

Every test runs with both drivers (the xattr class skips where the
filesystem refuses user xattrs).  Serving from the cache is proven by
removing the data at its source (store file, remote server) first.
"""

import concurrent.futures
import http.client
import os

from harness.glance import functional
from harness.tests.functional import cache_support as cs
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support

KB = 1024


class CacheTests(object):
    """The tests; subclasses set :attr:`driver`."""

    driver = None

    def setUp(self):
        super().setUp()
        if self.driver == 'xattr' and not cs.xattr_usable(self):
            self.skipTest('filesystem of %s refuses user xattrs'
                          % self.test_dir)
        self.api_server.deployment_flavor = 'caching'
        self.api_server.image_cache_driver = self.driver
        self.start_servers(**self.__dict__.copy())
        self.api = v1.V1(self.api_port)
        self.v2 = v2_support.V2(self.api_port)

    def upload(self, data, **extra):
        return self.api.create_ok(v1.minimal_headers('Cached', **extra),
                                  data)

    def store_file(self, image_id):
        return os.path.join(self.api_server.image_dir, image_id)

    def api_log(self):
        with open(self.api_server.log_file) as handle:
            return handle.read()

    def get1(self, image_id):
        return self.api.request('GET', '/v1/images/%s' % image_id)

    def get2(self, image_id):
        return self.v2.request('GET', '/images/%s/file' % image_id)

    def test_v1_local_image_served_from_cache(self):
        data = os.urandom(5 * KB)
        image = self.upload(data)
        self.assertEqual((200, data), self.get1(image['id'])[::2])
        cs.wait_cached(self, image['id'])
        self.assertEqual(data, cs.read_cached(self, image['id']))
        self.assertEqual(0, cs.hits(self, image['id']))
        os.unlink(self.store_file(image['id']))
        status, headers, body = self.get1(image['id'])
        self.assertEqual((200, data), (status, body))
        self.assertEqual(str(len(data)), headers['content-length'])
        self.assertEqual(v1.md5(data), headers['x-image-meta-checksum'])
        self.assertEqual(v1.md5(data), headers['etag'])
        self.assertEqual('Cached', headers['x-image-meta-name'])
        self.assertEqual('active', headers['x-image-meta-status'])
        self.assertEqual(str(len(data)), headers['x-image-meta-size'])
        self.assertEqual('application/octet-stream',
                         headers['content-type'])
        cs.wait_hits(self, image['id'], 1)
        self.assertEqual([], cs.entries(self, 'incomplete'))

    def test_v2_local_image_served_from_cache(self):
        data = os.urandom(7 * KB)
        image = self.v2.create(name='v2', disk_format='raw',
                               container_format='bare')
        self.assertEqual(204, self.v2.request(
            'PUT', '/images/%s/file' % image['id'], data,
            {'Content-Type': 'application/octet-stream'})[0])
        self.assertEqual((200, data), self.get2(image['id'])[::2])
        cs.wait_cached(self, image['id'])
        os.unlink(self.store_file(image['id']))
        status, headers, body = self.get2(image['id'])
        self.assertEqual((200, data), (status, body))
        self.assertEqual(v1.md5(data), headers['content-md5'])
        self.assertEqual(str(len(data)), headers['content-length'])
        self.assertEqual('application/octet-stream',
                         headers['content-type'])
        cs.wait_hits(self, image['id'], 1)
        # The same entry serves v1.
        self.assertEqual((200, data), self.get1(image['id'])[::2])
        cs.wait_hits(self, image['id'], 2)

    def test_remote_image_cached(self):
        data = os.urandom(100 * KB + 3)
        remote = v1.RemoteData(data)
        self.addCleanup(remote.close)
        headers = v1.minimal_headers('Remote', **{
            'X-Image-Meta-Location': remote.url()})
        del headers['Content-Type']
        image = self.api.create_ok(headers)
        self.assertEqual((200, data), self.get1(image['id'])[::2])
        cs.wait_cached(self, image['id'])
        remote.close()
        status, headers, body = self.get1(image['id'])
        self.assertEqual((200, data), (status, body))
        self.assertEqual(str(len(data)), headers['content-length'])
        status, headers, body = self.get2(image['id'])
        self.assertEqual((200, data), (status, body))
        self.assertEqual(str(len(data)), headers['content-length'])

    def test_policy_enforced_on_hit(self):
        data = os.urandom(3 * KB)
        image = self.upload(data)
        self.get1(image['id'])
        cs.wait_cached(self, image['id'])
        self.set_policy_rules({'context_is_admin': 'role:admin',
                               'default': '', 'download_image': '!'})
        self.assertEqual(403, self.get1(image['id'])[0])
        self.assertEqual(403, self.get2(image['id'])[0])
        self.assertEqual(0, cs.hits(self, image['id']))
        self.set_policy_rules({'context_is_admin': 'role:admin',
                               'default': ''})
        self.assertEqual((200, data), self.get1(image['id'])[::2])

    def test_policy_denied_fill_caches_nothing(self):
        image = self.upload(os.urandom(3 * KB))
        self.set_policy_rules({'context_is_admin': 'role:admin',
                               'default': '', 'download_image': '!'})
        self.assertEqual(403, self.get1(image['id'])[0])
        self.assertEqual(403, self.get2(image['id'])[0])
        self.assertEqual([], cs.entries(self))

    def test_delete_evicts_v1_and_v2(self):
        for delete in (lambda i: self.api.request('DELETE',
                                                  '/v1/images/%s' % i),
                       lambda i: self.v2.request('DELETE', '/images/%s' % i)):
            image = self.upload(os.urandom(2 * KB))
            self.get1(image['id'])
            cs.wait_cached(self, image['id'])
            self.assertIn(delete(image['id'])[0], (200, 204))
            self.assertFalse(os.path.exists(cs.cached_file(self,
                                                           image['id'])))
            self.assertIsNone(cs.hits(self, image['id']))
            self.assertEqual(404, self.get1(image['id'])[0])
            self.assertEqual(404, self.get2(image['id'])[0])
        self.assertEqual([], cs.entries(self))

    def test_checksum_mismatch_goes_to_invalid(self):
        data = os.urandom(4 * KB)
        image = self.upload(data)
        cs.overwrite(self.store_file(image['id']), b'corrupt!')
        try:
            self.get1(image['id'])
        except (http.client.HTTPException, OSError):
            pass   # the server may end the stream abruptly
        v1.wait_for(lambda: cs.entries(self, 'invalid') == [image['id']])
        self.assertEqual([], cs.entries(self))
        self.assertEqual([], cs.entries(self, 'incomplete'))
        # The server says so on one line, not with a traceback.
        v1.wait_for(lambda: 'rror serving GET' in self.api_log())
        self.assertNotIn('Traceback', self.api_log())
        # Nothing bad is served from the cache; the store answers again.
        os.unlink(self.store_file(image['id']))
        self.assertEqual(404, self.get1(image['id'])[0])

    def test_concurrent_gets_of_uncached_image(self):
        data = os.urandom(2 * KB * KB)
        image = self.upload(data)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(
                lambda n: (self.get1 if n % 2 else self.get2)(image['id']),
                range(4)))
        self.assertEqual([(200, data)] * 4, [r[::2] for r in results])
        cs.wait_cached(self, image['id'])
        self.assertEqual(data, cs.read_cached(self, image['id']))
        self.assertEqual([], cs.entries(self, 'incomplete'))
        self.assertEqual([], cs.entries(self, 'invalid'))

    def test_concurrent_gets_with_two_workers(self):
        # Two processes fill and count hits in one directory (and, for
        # sqlite, one cache.db).
        self.stop_servers()
        self.api_server.workers = 2
        self.start_servers(**self.__dict__.copy())
        data = os.urandom(KB * KB)
        image = self.upload(data)
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda n: self.get1(image['id']),
                                    range(6)))
        self.assertEqual([(200, data)] * 6, [r[::2] for r in results])
        cs.wait_cached(self, image['id'])
        self.assertEqual(data, cs.read_cached(self, image['id']))
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda n: self.get2(image['id']),
                                    range(6)))
        self.assertEqual([(200, data)] * 6, [r[::2] for r in results])
        self.assertEqual([], cs.entries(self, 'incomplete'))
        self.assertEqual([], cs.entries(self, 'invalid'))
        # Six hits at least (the GETs that found the entry already there
        # in the first round count too).
        v1.wait_for(lambda: cs.hits(self, image['id']) >= 6)

    def test_client_disconnect_leaves_no_entry(self):
        data = os.urandom(32 * KB * KB)
        image = self.upload(data)
        raw = v1.RawUpload(self.api_port, '/v1/images/%s' % image['id'],
                           [], method='GET')
        self.assertTrue(raw.sock.recv(65536))
        raw.close()
        v1.wait_for(lambda: cs.entries(self, 'incomplete') == [])
        self.assertEqual([], cs.entries(self))
        self.assertEqual((200, data), self.get1(image['id'])[::2])
        cs.wait_cached(self, image['id'])
        self.assertEqual(v1.md5(data),
                         v1.md5(cs.read_cached(self, image['id'])))


class TestCacheSqlite(CacheTests, functional.FunctionalTest):
    driver = 'sqlite'


class TestCacheXattr(CacheTests, functional.FunctionalTest):
    driver = 'xattr'


class TestCacheOneVersion(functional.FunctionalTest):
    """The filter builds only the versions the API serves, so a setting
    only v2 reads cannot stop a v1-only caching API from starting."""

    def test_v1_only_api_caches_v1(self):
        self.api_server.deployment_flavor = 'caching'
        self.start_servers(enable_v2_api=False, location_strategy='bogus',
                           **self.__dict__.copy())
        api = v1.V1(self.api_port)
        data = os.urandom(2 * KB)
        image = api.create_ok(v1.minimal_headers('Cached'), data)
        get = api.request('GET', '/v1/images/%s' % image['id'])
        self.assertEqual((200, data), get[::2])
        cs.wait_cached(self, image['id'])
        self.assertEqual(data, cs.read_cached(self, image['id']))
