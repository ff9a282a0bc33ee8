"""The cache management API against launched servers, with both drivers."""

import os
import time
import uuid

from harness.tests.functional import cache_manage_support as support

ALL_ROUTES = (('GET', '/v1/cached_images'),
              ('DELETE', '/v1/cached_images'),
              ('GET', '/v1/queued_images'),
              ('DELETE', '/v1/queued_images'))


def one_id_routes(image_id):
    return (('DELETE', '/v1/cached_images/' + image_id),
            ('PUT', '/v1/queued_images/' + image_id),
            ('DELETE', '/v1/queued_images/' + image_id))


class CacheManageTests(object):
    """The tests, run by one subclass per driver."""

    def test_list_cached_images(self):
        self.start()
        self.assertEqual({'cached_images': []},
                         self.manage('GET', '/v1/cached_images'))
        before = time.time()
        image_id = self.create_image()
        self.cache_image(image_id)
        entry = self.cached()[image_id]
        self.assertEqual({'image_id', 'hits', 'last_accessed',
                          'last_modified', 'size'}, set(entry))
        self.assertEqual((0, support.FIVE_KB), (entry['hits'],
                                                entry['size']))
        self.assertGreaterEqual(entry['last_modified'], int(before))
        # A hit counts once the whole body went out.
        self.download(image_id, b'*' * support.FIVE_KB)
        support.v1.wait_for(lambda: self.cached()[image_id]['hits'] == 1)
        self.assertGreaterEqual(self.cached()[image_id]['last_accessed'],
                                int(before))

    def test_listing_is_ordered_by_id(self):
        self.start()
        ids = [self.create_image(name='Image%d' % n) for n in range(3)]
        for image_id in ids:
            self.cache_image(image_id)
        listing = self.manage('GET', '/v1/cached_images')['cached_images']
        self.assertEqual(sorted(ids), [e['image_id'] for e in listing])

    def test_delete_cached_image_and_all(self):
        self.start()
        first, second, third = [self.create_image(name='Image%d' % n)
                                for n in range(3)]
        for image_id in (first, second, third):
            self.cache_image(image_id)
        self.assertIsNone(self.manage('DELETE',
                                      '/v1/cached_images/' + first))
        self.assertEqual(sorted([second, third]), sorted(self.cached()))
        self.assertNotIn(first, self.files(''))
        # Deleting what is not cached is not an error (as Glance).
        self.assertIsNone(self.manage('DELETE',
                                      '/v1/cached_images/' + first))
        self.assertEqual({'num_deleted': 2},
                         self.manage('DELETE', '/v1/cached_images'))
        self.assertEqual({}, self.cached())
        self.assertEqual([], [name for name in self.files('')
                              if name in (first, second, third)])
        self.assertEqual({'num_deleted': 0},
                         self.manage('DELETE', '/v1/cached_images'))
        # The images themselves are untouched and cache again.
        self.cache_image(first)
        self.assertEqual([first], list(self.cached()))

    def test_queue_list_and_delete_queued(self):
        self.start()
        first = self.create_image(name='first')
        second = self.create_image(name='second')
        self.assertEqual([], self.queued())
        self.assertIsNone(self.manage('PUT', '/v1/queued_images/' + first))
        self.assertIsNone(self.manage('PUT', '/v1/queued_images/' + second))
        self.assertEqual(sorted([first, second]), sorted(self.queued()))
        self.assertEqual(sorted([first, second]), self.files('queue'))
        # Oldest marker first (the file system's clock is too coarse to
        # tell two requests apart, so age one marker by an hour).
        an_hour_ago = time.time() - 3600
        os.utime(self.cache_path(second, 'queue'),
                 (an_hour_ago, an_hour_ago))
        self.assertEqual([second, first], self.queued())
        # Queueing twice is a no-op.
        self.assertIsNone(self.manage('PUT', '/v1/queued_images/' + first))
        self.assertEqual([second, first], self.queued())
        self.assertIsNone(self.manage('DELETE',
                                      '/v1/queued_images/' + first))
        self.assertEqual([second], self.queued())
        self.assertEqual({'num_deleted': 1},
                         self.manage('DELETE', '/v1/queued_images'))
        self.assertEqual([], self.queued())
        self.assertEqual([], self.files('queue'))

    def test_queueing_a_cached_image_is_a_no_op(self):
        self.start()
        image_id = self.create_image()
        self.cache_image(image_id)
        self.assertIsNone(self.manage('PUT', '/v1/queued_images/' + image_id))
        self.assertEqual([], self.queued())

    def test_queue_unknown_or_deleted_image(self):
        self.start()
        unknown = str(uuid.uuid4())
        body = self.manage('PUT', '/v1/queued_images/' + unknown, 400)
        self.assertIn(b'No image found with ID ' + unknown.encode(), body)
        image_id = self.create_image()
        status, _, body = self.api.request('DELETE', '/v1/images/' + image_id)
        self.assertEqual(200, status, body)
        body = self.manage('PUT', '/v1/queued_images/' + image_id, 400)
        self.assertIn(b'cannot be queued for caching', body)
        # A NUL cannot be in a file name: refused before any file is made.
        self.manage('PUT', '/v1/queued_images/a%00b', 400)
        self.assertEqual([], self.queued())
        self.assertEqual([], self.files('queue'))

    def test_without_the_policy_every_route_is_403(self):
        self.start()
        image_id = self.create_image()
        self.cache_image(image_id)
        other = self.create_image(name='other')
        self.manage('PUT', '/v1/queued_images/' + other)
        self.set_policy_rules({'context_is_admin': 'role:admin',
                               'default': '',
                               'manage_image_cache': 'role:admin'})
        for method, path in ALL_ROUTES + one_id_routes(image_id):
            self.manage(method, path, 403)
        # Nothing changed behind the 403s.
        self.set_policy_rules({'default': ''})
        self.assertEqual([image_id], list(self.cached()))
        self.assertEqual([other], self.queued())

    def test_other_methods_fall_through_to_the_router(self):
        self.start()
        self.manage('POST', '/v1/cached_images', 404)
        self.manage('GET', '/v1/queued_images/%s' % uuid.uuid4(), 404)


class TestCacheManageSqlite(CacheManageTests, support.CacheTest):
    driver = 'sqlite'


class TestCacheManageXattr(CacheManageTests, support.CacheTest):
    driver = 'xattr'


class TestWithoutTheFilter(support.CacheTest):
    """The ``caching`` flavor has no ``cache_manage``: its paths are 404."""

    flavor = 'caching'

    def test_management_paths_are_404(self):
        self.start()
        image_id = self.create_image()
        for method, path in ALL_ROUTES + one_id_routes(image_id):
            self.manage(method, path, 404)
        self.assertEqual([], self.files('queue'))
