"""Store lookup by scheme and URI, start-up configuration, StreamingMd5."""

import hashlib
import os
import threading

import fixtures
import testtools

from harness.service import store
from harness.service.store import errors
from harness.service.store import filesystem
from harness.service.store import streaming
from harness.service.store import http as http_store
from harness.tests.unit.service import apitest_helpers


class TestGetStore(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = apitest_helpers.make_conf(
            filesystem_store_datadir='/srv/images')

    def test_schemes(self):
        for scheme in ('file', 'filesystem'):
            found = store.get_store(self.conf, scheme)
            self.assertIsInstance(found, filesystem.FilesystemStore)
            self.assertEqual('/srv/images', found.datadir)
        for scheme in ('http', 'https'):
            self.assertIsInstance(store.get_store(self.conf, scheme),
                                  http_store.HttpStore)

    def test_unknown_scheme(self):
        for scheme in ('swift', 'FILE', '', None):
            error = self.assertRaises(errors.UnknownScheme, store.get_store,
                                      self.conf, scheme)
            self.assertEqual('Store for scheme %s not found' % scheme,
                             str(error))
            self.assertEqual(scheme, error.scheme)

    def test_from_uri(self):
        self.assertIsInstance(
            store.get_store_from_uri(self.conf, 'file:///srv/images/x'),
            filesystem.FilesystemStore)
        self.assertIsInstance(
            store.get_store_from_uri(self.conf, 'HTTPS://example.com/x'),
            http_store.HttpStore)
        error = self.assertRaises(errors.UnknownScheme,
                                  store.get_store_from_uri, self.conf,
                                  's3://bucket/key')
        self.assertEqual('Store for scheme s3 not found', str(error))
        self.assertRaises(errors.UnknownScheme, store.get_store_from_uri,
                          self.conf, '/no/scheme')
        self.assertRaises(errors.BadStoreUri, store.get_store_from_uri,
                          self.conf, None)
        self.assertRaises(errors.BadStoreUri, store.get_store_from_uri,
                          self.conf, 'http://[::1/x')

    def test_errors_are_harness_errors(self):
        from harness.errors import HarnessError
        for name in ('NotFound', 'Duplicate', 'StorageFull',
                     'StorageWriteDenied', 'Forbidden', 'BadStoreUri',
                     'UnknownScheme', 'LimitExceeded'):
            self.assertTrue(issubclass(getattr(errors, name), HarnessError))


class TestConfigureStores(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.root = self.useFixture(fixtures.TempDir()).path

    def test_creates_the_datadir_and_says_so(self):
        datadir = os.path.join(self.root, 'images')
        store.configure_stores(apitest_helpers.make_conf(
            filesystem_store_datadir=datadir))
        self.assertTrue(os.path.isdir(datadir))
        self.assertEqual('Directory to write image files does not exist '
                         '(%s). Creating.\n' % datadir, self.logger.output)

    def test_existing_datadir_is_quiet(self):
        store.configure_stores(apitest_helpers.make_conf(
            filesystem_store_datadir=self.root))
        self.assertEqual('', self.logger.output)

    def test_unknown_default_store_fails(self):
        error = self.assertRaises(
            errors.UnknownScheme, store.configure_stores,
            apitest_helpers.make_conf(default_store='swift',
                                      filesystem_store_datadir=self.root))
        self.assertEqual('Store for scheme swift not found', str(error))

    def test_unusable_datadir_is_logged_not_raised(self):
        blocker = os.path.join(self.root, 'file')
        with open(blocker, 'w') as handle:
            handle.write('not a directory')
        datadir = os.path.join(blocker, 'images')
        self.assertFalse(filesystem.FilesystemStore(datadir).configure())
        store.configure_stores(apitest_helpers.make_conf(
            filesystem_store_datadir=datadir))
        self.assertIn('BadStoreConfiguration: Store filesystem could not be '
                      'configured correctly. Reason: Unable to create '
                      'datadir %s' % datadir, self.logger.output)

    def test_missing_datadir_setting_is_logged(self):
        store.configure_stores(apitest_helpers.make_conf())
        self.assertIn('Could not find filesystem_store_datadir',
                      self.logger.output)


class TestStreamingMd5(testtools.TestCase):

    def test_many_chunks(self):
        chunks = [os.urandom(n) for n in range(1, 200)]
        md5 = streaming.StreamingMd5(depth=2)
        for chunk in chunks:
            md5.update(chunk)
        self.assertEqual(hashlib.md5(b''.join(chunks)).hexdigest(),
                         md5.hexdigest())

    def test_single_chunk_starts_no_thread(self):
        before = threading.active_count()
        md5 = streaming.StreamingMd5()
        md5.update(b'abc')
        self.assertEqual(before, threading.active_count())
        self.assertEqual(hashlib.md5(b'abc').hexdigest(), md5.hexdigest())

    def test_thread_error_is_raised_and_never_blocks_the_producer(self):
        before = threading.active_count()
        md5 = streaming.StreamingMd5(depth=1)
        md5.update(b'first')
        md5.update(42)
        for _ in range(20):
            md5.update(b'more')
        self.assertRaises(TypeError, md5.hexdigest)
        self.assertEqual(before, threading.active_count())

    def test_close_ends_the_thread(self):
        before = threading.active_count()
        md5 = streaming.StreamingMd5()
        md5.update(b'a')
        md5.update(b'b')
        self.assertEqual(before + 1, threading.active_count())
        md5.close()
        md5.close()
        self.assertEqual(before, threading.active_count())
