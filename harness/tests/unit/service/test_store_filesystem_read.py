"""Reading and deleting filesystem store locations; URI confinement."""

import os

import fixtures
import testtools

from harness.service.store import errors
from harness.service.store import filesystem
from harness.tests.unit.service import storetest_helpers as helpers


def open_fds():
    return len(os.listdir('/proc/self/fd'))


class ReadTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.datadir = os.path.join(self.root, 'images')
        self.store = filesystem.FilesystemStore(self.datadir)
        self.data = os.urandom(3000)
        self.image_id = helpers.new_id()
        self.uri = self.store.add(self.image_id, helpers.Reader(self.data),
                                  len(self.data))[0]
        self.path = os.path.join(self.datadir, self.image_id)


class TestGet(ReadTestBase):

    def test_get_streams_bounded_chunks_and_size(self):
        reader, size = self.store.get(self.uri, chunk_size=1000)
        chunks = list(reader)
        self.assertEqual(len(self.data), size)
        self.assertEqual([1000, 1000, 1000], [len(c) for c in chunks])
        self.assertEqual(self.data, b''.join(chunks))

    def test_exhausting_the_iterator_closes_the_file(self):
        before = open_fds()
        reader, _ = self.store.get(self.uri)
        self.assertEqual(before + 1, open_fds())
        self.assertEqual(self.data, b''.join(reader))
        self.assertTrue(reader.closed)
        self.assertEqual(before, open_fds())

    def test_close_before_the_end_closes_the_file(self):
        before = open_fds()
        reader, _ = self.store.get(self.uri, chunk_size=10)
        self.assertEqual(self.data[:10], next(reader))
        reader.close()
        reader.close()
        self.assertEqual(before, open_fds())
        self.assertEqual([], list(reader))
        self.assertRaises(ValueError, reader.read, 1)

    def test_offset(self):
        reader, size = self.store.get(self.uri, offset=1000)
        with reader:
            self.assertEqual((self.data[1000:], 2000),
                             (b''.join(reader), size))

    def test_reader_can_feed_another_add(self):
        reader, size = self.store.get(self.uri)
        copy_id = helpers.new_id()
        with reader:
            _, written, checksum, _ = self.store.add(copy_id, reader, size)
        with open(os.path.join(self.datadir, copy_id), 'rb') as handle:
            self.assertEqual(self.data, handle.read())

    def test_missing_file_is_not_found(self):
        os.unlink(self.path)
        error = self.assertRaises(errors.NotFound, self.store.get, self.uri)
        self.assertEqual('Image file %s not found' % self.path, str(error))
        self.assertRaises(errors.NotFound, self.store.get_size, self.uri)

    def test_get_size(self):
        self.assertEqual(len(self.data), self.store.get_size(self.uri))

    def test_filesystem_scheme_is_accepted(self):
        uri = 'filesystem://' + self.path
        self.assertEqual(len(self.data), self.store.get_size(uri))

    def test_directory_is_refused(self):
        other = helpers.new_id()
        os.mkdir(os.path.join(self.datadir, other))
        uri = 'file://%s/%s' % (self.datadir, other)
        self.assertRaises(errors.BadStoreUri, self.store.get, uri)
        self.assertRaises(errors.BadStoreUri, self.store.get_size, uri)

    def test_fifo_is_refused_without_blocking(self):
        other = helpers.new_id()
        os.mkfifo(os.path.join(self.datadir, other))
        before = open_fds()
        self.assertRaises(errors.BadStoreUri, self.store.get,
                          'file://%s/%s' % (self.datadir, other))
        self.assertEqual(before, open_fds())


class TestDelete(ReadTestBase):

    def test_delete(self):
        self.store.delete(self.uri)
        self.assertFalse(os.path.exists(self.path))

    def test_missing_is_not_found(self):
        self.store.delete(self.uri)
        error = self.assertRaises(errors.NotFound, self.store.delete,
                                  self.uri)
        self.assertEqual('Image file %s not found' % self.path, str(error))

    def test_unlink_failure_is_forbidden(self):
        # unlink() of a directory fails (EISDIR) even for root.
        other = helpers.new_id()
        os.mkdir(os.path.join(self.datadir, other))
        self.assertRaises(errors.Forbidden, self.store.delete,
                          'file://%s/%s' % (self.datadir, other))
        self.assertTrue(os.path.isdir(os.path.join(self.datadir, other)))


class TestConfinement(ReadTestBase):

    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.root, 'precious')
        with open(self.outside, 'wb') as handle:
            handle.write(b'keep me')

    def assertRefused(self, uri):
        self.assertRaises(errors.BadStoreUri, self.store.get, uri)
        self.assertRaises(errors.BadStoreUri, self.store.get_size, uri)
        self.assertRaises(errors.BadStoreUri, self.store.delete, uri)
        self.assertTrue(os.path.exists(self.outside))

    def test_outside_paths_are_refused(self):
        self.assertRefused('file://' + self.outside)
        self.assertRefused('file://%s/../precious' % self.datadir)
        self.assertRefused('file://%s' % self.datadir)
        self.assertRefused('file://%s/' % self.datadir)

    def test_symlink_out_of_the_datadir_is_refused(self):
        link = os.path.join(self.datadir, helpers.new_id())
        os.symlink(self.outside, link)
        self.assertRefused('file://' + link)
        self.assertTrue(os.path.islink(link))

    def test_malformed_uris_are_refused(self):
        for uri in ('file://', 'file://%s\0' % self.path, self.path,
                    'http://' + self.path, None, b'file:///x'):
            self.assertRaises(errors.BadStoreUri, self.store.get, uri)
            self.assertRaises(errors.BadStoreUri, self.store.delete, uri)
        self.assertTrue(os.path.exists(self.path))

    def test_relative_datadir(self):
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.root)
        store = filesystem.FilesystemStore('images')
        self.assertEqual('file://images/' + self.image_id,
                         store.uri_for(self.image_id))
        self.assertEqual(len(self.data),
                         store.get_size(store.uri_for(self.image_id)))
        self.assertRaises(errors.BadStoreUri, store.get_size,
                          'file://precious')

    def test_without_datadir_absolute_paths_are_readable(self):
        # The cache prefetcher has no filesystem_store_datadir.
        store = filesystem.FilesystemStore(None)
        reader, size = store.get('file://' + self.outside)
        with reader:
            self.assertEqual((b'keep me', 7), (b''.join(reader), size))
        self.assertRaises(errors.BadStoreUri, store.get, 'file://precious')
