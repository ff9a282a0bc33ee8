"""Count quotas, the storage quota and the registry storage usage."""

import testtools
import webob.exc

from harness.service import quota


class TestCounts(testtools.TestCase):

    def test_within_limit(self):
        quota.enforce_count(10, 10, quota.PROPERTIES)
        quota.enforce_count(0, 0, quota.MEMBERS)

    def test_negative_is_unlimited(self):
        quota.enforce_count(-1, 10 ** 6, quota.TAGS)

    def test_messages(self):
        for what, text in ((quota.PROPERTIES, 'image properties'),
                           (quota.TAGS, 'image tags'),
                           (quota.MEMBERS, 'image members for this image'),
                           (quota.LOCATIONS, 'image locations')):
            exc = self.assertRaises(webob.exc.HTTPRequestEntityTooLarge,
                                    quota.enforce_count, 10, 11, what)
            self.assertEqual('The limit has been exceeded on the number of '
                             'allowed %s. Attempted: 11, Maximum: 10' % text,
                             exc.explanation)
            self.assertEqual(413, exc.status_int)

    def test_zero_limit(self):
        self.assertRaises(webob.exc.HTTPRequestEntityTooLarge,
                          quota.enforce_count, 0, 1, quota.PROPERTIES)


class TestStorage(testtools.TestCase):

    def test_no_quota(self):
        def usage():
            raise AssertionError('usage must not be computed')
        self.assertIsNone(quota.remaining_storage(0, usage))
        self.assertIsNone(quota.check_storage(0, usage, 10 ** 9))
        self.assertIsNone(quota.check_storage(-5, usage, None))

    def test_remaining_with_nothing_stored(self):
        self.assertEqual(100, quota.check_storage(100, 0, 99))
        self.assertEqual(100, quota.check_storage(100, 0, 100))
        exc = self.assertRaises(quota.StorageQuotaFull,
                                quota.check_storage, 100, 0, 101)
        self.assertEqual((101, 100), (exc.image_size, exc.remaining))
        self.assertEqual('The size of the data 101 will exceed the limit. '
                         '100 bytes remaining.', str(exc))

    def test_usage_callable(self):
        self.assertEqual(40, quota.check_storage(100, lambda: 60, 40))
        self.assertRaises(quota.StorageQuotaFull, quota.check_storage, 100,
                          lambda: 60, 41)

    def test_unknown_size(self):
        self.assertEqual(1, quota.check_storage(100, 99, None))
        self.assertRaises(quota.StorageQuotaFull, quota.check_storage, 100,
                          100, None)
        self.assertRaises(quota.StorageQuotaFull, quota.check_storage, 100,
                          150, None)

    def test_stored_bytes(self):
        self.assertEqual(10, quota.stored_bytes(
            {'size': 10, 'status': 'active', 'location': 'file:///a'}))
        self.assertEqual(20, quota.stored_bytes(
            {'size': 10, 'status': 'active',
             'location_data': [{'url': 'a'}, {'url': 'b'}]}))
        for image in ({'size': 10, 'status': 'killed', 'location': 'x'},
                      {'size': 10, 'status': 'pending_delete',
                       'location': 'x'},
                      {'size': 10, 'status': 'active', 'deleted': True,
                       'location': 'x'},
                      {'size': 0, 'status': 'active', 'location': 'x'},
                      {'size': None, 'status': 'queued'},
                      {'size': 10, 'status': 'queued', 'location': None}):
            self.assertEqual(0, quota.stored_bytes(image), image)


class PagingClient(object):
    """Registry client fake serving a listing in pages of *page* images."""

    def __init__(self, images, page):
        self.images = images
        self.page = page
        self.calls = []

    def get_images_detailed(self, **params):
        self.calls.append(params)
        start = 0
        if 'marker' in params:
            ids = [image['id'] for image in self.images]
            start = ids.index(params['marker']) + 1
        return self.images[start:start + self.page]


def image(ident, owner, size, status='active', locations=1):
    return {'id': ident, 'owner': owner, 'size': size, 'status': status,
            'location_data': [{'url': 'u%d' % n} for n in range(locations)]}


class TestRegistryUsage(testtools.TestCase):

    def test_sums_owner_images_over_pages(self):
        images = [image('a', 't1', 10), image('b', 't2', 1000),
                  image('c', 't1', 5, locations=2),
                  image('d', 't1', 7, status='killed'),
                  image('e', None, 3), image('f', 't1', 1)]
        client = PagingClient(images, page=2)
        self.assertEqual(21, quota.registry_storage_usage(client, 't1'))
        self.assertEqual(4, len(client.calls))
        self.assertEqual({'filters': {'is_public': 'None', 'size_min': 1},
                          'limit': 1000}, client.calls[0])
        self.assertEqual('b', client.calls[1]['marker'])
        self.assertEqual(3, quota.registry_storage_usage(
            PagingClient(images, 10), None))

    def test_excludes_image(self):
        images = [image('a', 't1', 10), image('c', 't1', 5)]
        self.assertEqual(5, quota.registry_storage_usage(
            PagingClient(images, 10), 't1', image_id='a'))

    def test_empty(self):
        client = PagingClient([], 10)
        self.assertEqual(0, quota.registry_storage_usage(client, 't1'))
        self.assertEqual(1, len(client.calls))
