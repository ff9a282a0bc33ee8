"""The image cache library (harness.service.cache) on a real directory."""

import hashlib
import os
import time

import fixtures
import testtools

from harness.glance import utils
from harness.errors import ConfigError
from harness.service import cache as cache_mod
from harness.service import config


def md5(data):
    return hashlib.md5(data).hexdigest()


def make_conf(base_dir, **options):
    values = {'image_cache_dir': base_dir}
    values.update((key, str(value)) for key, value in options.items())
    return config.Conf({'DEFAULT': values}, [])


class CacheTestBase(testtools.TestCase):
    driver = 'sqlite'

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        if self.driver == 'xattr' and not utils.xattr_writes_supported(
                self.dir):
            self.skipTest('no user xattrs in %s' % self.dir)
        self.logger = self.useFixture(fixtures.FakeLogger())
        self.cache = self.build()

    def build(self, **options):
        cache = cache_mod.ImageCache(make_conf(
            self.dir, image_cache_driver=self.driver, **options))
        self.addCleanup(cache.close)
        return cache

    def put(self, image_id, data, checksum=None):
        return self.cache.cache_image_iter(image_id, [data],
                                           checksum or md5(data))

    def read_all(self, image_id):
        with self.cache.open_for_read(image_id) as handle:
            return handle.read()


class DriverTests(object):

    def test_layout_created(self):
        for sub in ('incomplete', 'invalid', 'queue'):
            self.assertTrue(os.path.isdir(os.path.join(self.dir, sub)))
        self.assertEqual(self.driver, self.cache.driver_name)

    def test_write_read_and_hits(self):
        self.assertTrue(self.put('a', b'12345'))
        self.assertTrue(self.cache.is_cached('a'))
        self.assertEqual(0, self.cache.get_hit_count('a'))
        self.assertEqual(b'12345', self.read_all('a'))
        self.assertEqual(1, self.cache.get_hit_count('a'))
        # A partial read is not a hit.
        handle = self.cache.open_for_read('a')
        handle.read(2)
        handle.close()
        self.assertEqual(1, self.cache.get_hit_count('a'))
        [entry] = self.cache.get_cached_images()
        self.assertEqual(('a', 1, 5), (entry['image_id'], entry['hits'],
                                       entry['size']))
        self.assertGreater(entry['last_accessed'], 0)
        self.assertGreater(entry['last_modified'], 0)

    def test_listing_ordered_by_id_and_never_read(self):
        for image_id in ('c', 'a', 'b'):
            self.put(image_id, image_id.encode())
        images = self.cache.get_cached_images()
        self.assertEqual(['a', 'b', 'c'], [i['image_id'] for i in images])
        self.assertEqual([0.0] * 3, [i['last_accessed'] for i in images])
        self.assertEqual(3, self.cache.get_cache_size())

    def test_checksum_mismatch_goes_to_invalid(self):
        self.assertRaises(cache_mod.ChecksumMismatch, self.put, 'a',
                          b'data', md5(b'other'))
        self.assertFalse(self.cache.is_cached('a'))
        self.assertEqual(['a'], os.listdir(os.path.join(self.dir,
                                                        'invalid')))
        self.assertEqual([], os.listdir(os.path.join(self.dir,
                                                     'incomplete')))

    def test_second_writer_refused_while_one_writes(self):
        writer = self.cache.open_writer('a', md5(b'xy'))
        self.assertTrue(self.cache.is_being_cached('a'))
        self.assertFalse(self.cache.is_cacheable('a'))
        self.assertRaises(cache_mod.AlreadyBeingCached,
                          self.cache.open_writer, 'a')
        self.assertFalse(self.put('a', b'xy'))
        writer.write(b'x')
        writer.write(b'y')
        self.assertTrue(writer.commit())
        self.assertEqual(b'xy', self.read_all('a'))

    def test_abort_and_interrupted_iter_leave_nothing(self):
        def chunks():
            yield b'part'
            raise IOError('source failed')
        self.assertRaises(IOError, self.cache.cache_image_iter, 'a',
                          chunks())
        caching = self.cache.get_caching_iter('b', None, [b'1', b'2'])
        self.assertEqual(b'1', next(caching))
        caching.close()   # what the server does when a client goes away
        self.assertEqual([], self.cache.get_cached_images())
        self.assertEqual([], os.listdir(os.path.join(self.dir,
                                                     'incomplete')))

    def test_caching_iter_checks_size(self):
        caching = self.cache.get_caching_iter('a', None, [b'123'])
        caching.size = 4
        self.assertEqual([b'123'], list(caching))
        self.assertFalse(self.cache.is_cached('a'))
        self.assertEqual(['a'], os.listdir(os.path.join(self.dir,
                                                        'invalid')))

    def test_evicted_while_writing_publishes_nothing(self):
        writer = self.cache.open_writer('a')
        writer.write(b'data')
        self.cache.queue_image('a')
        self.cache.evict('a')
        self.assertFalse(writer.commit())
        self.assertFalse(self.cache.is_cached('a'))
        self.assertFalse(self.cache.is_queued('a'))

    def test_queue(self):
        self.assertTrue(self.cache.queue_image('q1'))
        self.assertFalse(self.cache.queue_image('q1'))
        self.cache.queue_image('q2')
        old = time.time() - 100
        os.utime(os.path.join(self.dir, 'queue', 'q2'), (old, old))
        self.assertEqual(['q2', 'q1'], self.cache.get_queued_images())
        self.put('c', b'c')
        self.assertFalse(self.cache.queue_image('c'))
        self.assertTrue(self.put('q1', b'x'))
        self.assertEqual(['q2'], self.cache.get_queued_images())
        self.assertTrue(self.cache.delete_queued_image('q2'))
        self.assertFalse(self.cache.delete_queued_image('q2'))
        self.cache.queue_image('q3')
        self.cache.queue_image('q4')
        self.assertEqual(2, self.cache.delete_all_queued_images())

    def test_delete(self):
        self.put('a', b'a')
        self.put('b', b'b')
        self.assertTrue(self.cache.delete_cached_image('a'))
        self.assertFalse(self.cache.delete_cached_image('a'))
        self.assertEqual(0, self.cache.get_hit_count('a'))
        self.assertEqual(1, self.cache.delete_all_cached_images())
        self.assertEqual([], self.cache.get_cached_images())

    def test_prune_least_recently_accessed_first(self):
        self.cache = self.build(image_cache_max_size=25)
        for image_id in ('old', 'mid', 'new'):
            self.put(image_id, b'x' * 10)
        self.read_all('mid')
        self.read_all('new')
        self.assertEqual('old', self.cache.get_least_recently_accessed())
        self.assertEqual((1, 10), self.cache.prune())
        self.assertEqual(['mid', 'new'], [
            i['image_id'] for i in self.cache.get_cached_images()])
        self.assertEqual((0, 0), self.cache.prune())

    def test_clean(self):
        self.assertRaises(cache_mod.ChecksumMismatch, self.put, 'bad',
                          b'1', md5(b'2'))
        stale = self.cache.open_writer('stale')
        stale.write(b'...')
        fresh = self.cache.open_writer('fresh')
        self.addCleanup(fresh.abort)
        old = time.time() - 1000
        os.utime(os.path.join(self.dir, 'incomplete', 'stale'), (old, old))
        self.assertEqual(2, self.cache.clean(stall_time=500))
        self.assertEqual(['fresh'], os.listdir(os.path.join(self.dir,
                                                            'incomplete')))
        self.assertEqual([], os.listdir(os.path.join(self.dir, 'invalid')))
        self.assertFalse(stale.commit())

    def test_bad_ids_refused(self):
        for bad in ('../x', 'a/b', '..', ''):
            self.assertRaises(ValueError, self.cache.is_cached, bad)

    def test_hits_from_racing_processes_all_count(self):
        # The workers of one API count hits of one entry at once.
        self.put('a', b'abc')
        pids = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    for _ in range(200):
                        self.cache.driver.hit('a')
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                 for pid in pids]
        self.assertEqual([0] * 4, codes)
        self.assertEqual(800, self.cache.get_hit_count('a'))


class TestSqliteDriver(DriverTests, CacheTestBase):
    driver = 'sqlite'

    def test_table(self):
        import sqlite3
        self.put('a', b'abc')
        with sqlite3.connect(os.path.join(self.dir, 'cache.db')) as conn:
            rows = conn.execute('SELECT image_id, size, hits, checksum, '
                                'last_accessed FROM cached_images').fetchall()
        conn.close()
        self.assertEqual([('a', 3, 0, md5(b'abc'), 0.0)], rows)


class TestXattrDriver(DriverTests, CacheTestBase):
    driver = 'xattr'

    def test_hits_in_user_xattr(self):
        self.put('a', b'abc')
        self.read_all('a')
        self.assertEqual(b'1', os.getxattr(os.path.join(self.dir, 'a'),
                                           'user.hits'))
        self.assertFalse(os.path.exists(os.path.join(self.dir, 'cache.db')))
        self.assertFalse(os.path.exists(os.path.join(self.dir, 'checkme')))


class TestConfiguration(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.logger = self.useFixture(fixtures.FakeLogger())

    def test_no_cache_dir(self):
        exc = self.assertRaises(cache_mod.CacheError, cache_mod.ImageCache,
                                config.Conf({}, []))
        self.assertEqual('Failed to read image_cache_dir from config',
                         str(exc))

    def test_bad_max_size(self):
        self.assertRaises(ConfigError, cache_mod.ImageCache, make_conf(
            self.dir, image_cache_max_size='big'))

    def test_unknown_driver_falls_back_to_sqlite(self):
        cache = cache_mod.ImageCache(make_conf(
            self.dir, image_cache_driver='nosuch'))
        self.addCleanup(cache.close)
        self.assertEqual('sqlite', cache.driver_name)
        self.assertIn("Image cache driver 'nosuch' not found",
                      self.logger.output)

    def test_uncreatable_dir(self):
        path = os.path.join(self.dir, 'file')
        open(path, 'w').close()
        exc = self.assertRaises(cache_mod.CacheError, cache_mod.ImageCache,
                                make_conf(os.path.join(path, 'cache')))
        self.assertIn('Unable to create the image cache directory', str(exc))
