"""The cache prefetcher, pruner and cleaner run as real programs against
launched servers, with both drivers."""

import json
import os
import time
import uuid

from harness.tests.functional import cache_manage_support as support
from harness.tests.functional import v1_support as v1

KB5 = support.FIVE_KB


class CacheToolTests(object):
    """The tests, run by one subclass per driver."""

    def read_log(self):
        with open(os.path.join(self.test_dir, 'cache.log')) as handle:
            return handle.read()

    def read_cached(self, image_id):
        with open(self.cache_path(image_id), 'rb') as handle:
            return handle.read()

    def queue(self, image_id):
        self.assertIsNone(self.manage('PUT', '/v1/queued_images/' + image_id))

    def hit(self, image_id, count):
        """Download a cached image; wait until it counts as hit *count*."""
        self.download(image_id)
        v1.wait_for(lambda: self.cached()[image_id]['hits'] == count)

    # -- prefetcher --------------------------------------------------------

    def test_prefetch_queued_images(self):
        self.start()
        first = self.create_image(b'1' * KB5, name='first')
        second = self.create_image(b'2' * 1000, name='second')
        self.queue(first)
        self.queue(second)
        out, _ = self.run_tool('prefetcher', self.write_cache_conf())
        self.assertEqual('', out)
        self.assertEqual([], self.queued())
        entries = self.cached()
        self.assertEqual(sorted([first, second]), sorted(entries))
        self.assertEqual((KB5, 0), (entries[first]['size'],
                                    entries[first]['hits']))
        self.assertEqual(b'1' * KB5, self.read_cached(first))
        self.assertEqual(b'2' * 1000, self.read_cached(second))
        self.assertIn('Successfully cached all 2 images', self.read_log())
        # The API now serves it from the cache.
        self.hit(first, 1)

    def test_prefetch_skips_missing_and_inactive_images(self):
        self.start()
        good = self.create_image(name='good')
        status, _, body = self.api.create(v1.minimal_headers('no data'))
        self.assertEqual(201, status, body)
        inactive = json.loads(body)['image']['id']
        self.queue(good)
        self.queue(inactive)
        # A marker the API would refuse today, left by an older queue.
        unknown = str(uuid.uuid4())
        open(self.cache_path(unknown, 'queue'), 'w').close()
        out, _ = self.run_tool('prefetcher', self.write_cache_conf())
        self.assertEqual('', out)
        self.assertEqual([good], list(self.cached()))
        self.assertEqual(sorted([inactive, unknown]), sorted(self.queued()))
        log = self.read_log()
        self.assertIn("No metadata found for image '%s'" % unknown, log)
        self.assertIn("Image '%s' is not active. Not caching." % inactive,
                      log)
        self.assertIn('Failed to successfully cache all images in queue.',
                      log)

    def test_prefetch_checksum_mismatch_then_clean(self):
        self.start()
        image_id = self.create_image(b'a' * KB5)
        store_file = os.path.join(self.api_server.image_dir, image_id)
        with open(store_file, 'r+b') as handle:
            handle.write(b'b')   # same size, other bytes
        self.queue(image_id)
        conf = self.write_cache_conf()
        out, _ = self.run_tool('prefetcher', conf)
        self.assertEqual('', out)
        self.assertEqual({}, self.cached())
        self.assertEqual([image_id], self.files('invalid'))
        self.assertEqual([], self.files('incomplete'))
        self.assertEqual([image_id], self.queued())
        self.assertIn('Checksum verification failed for image %s'
                      % image_id, self.read_log())
        self.run_tool('cleaner', conf)
        self.assertEqual([], self.files('invalid'))
        self.assertEqual([image_id], self.queued())

    def test_prefetch_remote_image(self):
        data = b'remote' * 1000
        remote = v1.RemoteData(data)
        self.addCleanup(remote.close)
        self.start()
        image = self.api.create_ok(v1.minimal_headers(
            'remote', **{'X-Image-Meta-Location': remote.url()}))
        self.queue(image['id'])
        self.run_tool('prefetcher', self.write_cache_conf())
        self.assertEqual(data, self.read_cached(image['id']))
        self.assertEqual([], self.queued())

    def test_prefetch_with_the_registry_down(self):
        self.start()
        image_id = self.create_image()
        self.queue(image_id)
        conf = self.write_cache_conf()
        self.stop_servers()
        out, _ = self.run_tool('prefetcher', conf)
        self.assertEqual('', out)
        self.assertEqual([image_id], self.files('queue'))
        self.assertEqual([], self.files('incomplete'))
        self.assertFalse(os.path.exists(self.cache_path(image_id)))
        self.assertIn("Cannot read image '%s' from the registry" % image_id,
                      self.read_log())

    def test_prefetcher_without_cache_dir(self):
        path = os.path.join(self.test_dir, 'etc', 'no-dir.conf')
        with open(path, 'w') as handle:
            handle.write('[DEFAULT]\nregistry_port = 1\n')
        _, err = self.run_tool('prefetcher', path, expected_exitcode=1)
        self.assertEqual('ERROR: Failed to read image_cache_dir from '
                         'config\n', err)

    # -- pruner ------------------------------------------------------------

    def test_prune_least_recently_accessed_first(self):
        self.start()
        ids = [self.create_image(name=name) for name in 'ABC']
        for image_id in ids:
            self.cache_image(image_id)
        never, older, newer = ids
        self.hit(older, 1)
        self.hit(newer, 1)
        self.run_tool('pruner',
                      self.write_cache_conf(image_cache_max_size=3 * KB5))
        self.assertEqual(sorted(ids), sorted(self.cached()))
        self.run_tool('pruner',
                      self.write_cache_conf(image_cache_max_size=2 * KB5))
        self.assertEqual(sorted([older, newer]), sorted(self.cached()))
        self.assertFalse(os.path.exists(self.cache_path(never)))
        self.run_tool('pruner',
                      self.write_cache_conf(image_cache_max_size=KB5 + 1))
        self.assertEqual([newer], list(self.cached()))
        self.assertIn('Pruned 1 image(s), %d bytes' % KB5, self.read_log())
        # A pruned image is fetched from the store and cached again.
        self.cache_image(never)
        self.assertEqual(sorted([never, newer]), sorted(self.cached()))

    # -- cleaner -----------------------------------------------------------

    def test_clean_stalled_and_invalid_files(self):
        self.start()
        image_id = self.create_image()
        self.cache_image(image_id)
        stalled, fresh, invalid = (str(uuid.uuid4()) for _ in range(3))
        for name, kind in ((stalled, 'incomplete'), (fresh, 'incomplete'),
                           (invalid, 'invalid')):
            with open(self.cache_path(name, kind), 'wb') as handle:
                handle.write(b'partial')
        two_hours_ago = time.time() - 7200
        os.utime(self.cache_path(stalled, 'incomplete'),
                 (two_hours_ago, two_hours_ago))
        self.run_tool('cleaner',
                      self.write_cache_conf(image_cache_stall_time=3600))
        self.assertEqual([fresh], self.files('incomplete'))
        self.assertEqual([], self.files('invalid'))
        self.assertEqual([image_id], list(self.cached()))
        self.hit(image_id, 1)


class TestCacheToolsSqlite(CacheToolTests, support.CacheTest):
    driver = 'sqlite'


class TestCacheToolsXattr(CacheToolTests, support.CacheTest):
    driver = 'xattr'
