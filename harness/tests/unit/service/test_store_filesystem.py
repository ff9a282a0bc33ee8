"""Uploads into the filesystem store: streaming, limits, failures."""

import errno
import hashlib
import os
import socket
import stat
import subprocess
import sys
import textwrap
import tracemalloc

import fixtures
import h11
import testtools

from harness.service.store import errors
from harness.service.store import filesystem
from harness.service.store import streaming
from harness.service.wsgi import body
from harness.service.wsgi import chunked
from harness.service.wsgi import http
from harness.tests.unit.service import storetest_helpers as helpers


class AddTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.datadir = os.path.join(self.root, 'images')
        os.mkdir(self.datadir)
        self.store = filesystem.FilesystemStore(self.datadir)
        self.data = os.urandom(5000)

    def assertNothingLeft(self):
        self.assertEqual([], os.listdir(self.datadir))


class TestAdd(AddTestBase):

    def test_add_returns_uri_size_md5_metadata(self):
        image_id = helpers.new_id()
        result = self.store.add(image_id, helpers.Reader(self.data),
                                len(self.data))
        path = os.path.join(self.datadir, image_id)
        self.assertEqual(('file://' + path, len(self.data),
                          hashlib.md5(self.data).hexdigest(), {}), result)
        with open(path, 'rb') as handle:
            self.assertEqual(self.data, handle.read())
        self.assertEqual([image_id], os.listdir(self.datadir))

    def test_uri_keeps_datadir_as_configured(self):
        store = filesystem.FilesystemStore(self.datadir + '/./')
        image_id = helpers.new_id()
        uri = store.add(image_id, helpers.Reader(b'x'), 1)[0]
        self.assertEqual('file://%s/./%s' % (self.datadir, image_id), uri)

    def test_file_mode_is_0640(self):
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)
        image_id = helpers.new_id()
        self.store.add(image_id, helpers.Reader(self.data), 0)
        mode = os.stat(os.path.join(self.datadir, image_id)).st_mode
        self.assertEqual(0o640, stat.S_IMODE(mode))

    def test_unknown_size_reads_until_end_in_small_chunks(self):
        store = filesystem.FilesystemStore(self.datadir, chunk_size=7)
        reader = helpers.Reader(self.data)
        _, written, checksum, _ = store.add(helpers.new_id(), reader, 0)
        self.assertEqual(len(self.data), written)
        self.assertEqual(hashlib.md5(self.data).hexdigest(), checksum)
        self.assertEqual(7, reader.largest)

    def test_readinto_readers_use_rotating_buffers_correctly(self):
        # Many more chunks than buffers: a buffer refilled before it was
        # hashed would corrupt the checksum.
        store = filesystem.FilesystemStore(self.datadir, chunk_size=3)
        image_id = helpers.new_id()
        _, written, checksum, _ = store.add(
            image_id, helpers.IntoReader(self.data), 0)
        self.assertEqual(hashlib.md5(self.data).hexdigest(), checksum)
        with open(os.path.join(self.datadir, image_id), 'rb') as handle:
            self.assertEqual(self.data, handle.read())

    def test_size_stops_reading_at_declared_size(self):
        reader = helpers.Reader(self.data + b'next request')
        _, written, checksum, _ = self.store.add(helpers.new_id(), reader,
                                                 len(self.data))
        self.assertEqual(len(self.data), written)
        self.assertEqual(len(self.data), reader.consumed)
        self.assertEqual(hashlib.md5(self.data).hexdigest(), checksum)

    def test_short_body_reports_what_was_written(self):
        _, written, _, _ = self.store.add(
            helpers.new_id(), helpers.Reader(self.data), len(self.data) + 10)
        self.assertEqual(len(self.data), written)

    def test_declared_size_is_reserved_only_as_data_arrives(self):
        declared = 1 << 30
        seen = []

        class Probe(helpers.Reader):
            """After its data, records the partial file's allocation."""

            def read(inner, size=-1):
                data = super().read(size)
                if not data:
                    for name in os.listdir(self.datadir):
                        info = os.stat(os.path.join(self.datadir, name))
                        seen.append((info.st_size, info.st_blocks * 512))
                return data

        _, written, _, _ = self.store.add(helpers.new_id(), Probe(b'x' * 10),
                                          declared)
        self.assertEqual(10, written)
        [(length, allocated)] = seen
        # At most one step ahead of the 10 bytes, never the 1 GiB.
        step = streaming.PREALLOCATE_STEP
        self.assertLessEqual(length, 10 + step)
        self.assertLessEqual(allocated, 10 + step + (1 << 20))
        [name] = os.listdir(self.datadir)
        self.assertEqual(10, os.stat(os.path.join(self.datadir,
                                                  name)).st_size)

    def test_reservation_steps_follow_the_data(self):
        path = os.path.join(self.root, 'reserved')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        self.addCleanup(os.close, fd)
        space = streaming.Preallocator(fd, 100, step=30)
        space.cover(0)
        self.assertEqual(0, space.reserved)
        for end, reserved in ((10, 40), (40, 40), (41, 71), (95, 100),
                              (100, 100)):
            space.cover(end)
            self.assertEqual(reserved, space.reserved, end)
            self.assertEqual(reserved, os.fstat(fd).st_size)

    def test_empty_image(self):
        _, written, checksum, _ = self.store.add(
            helpers.new_id(), helpers.Reader(b''), 0)
        self.assertEqual((0, hashlib.md5(b'').hexdigest()),
                         (written, checksum))

    def test_memory_stays_bounded(self):
        total = 48 << 20
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        _, written, _, _ = self.store.add(helpers.new_id(),
                                          helpers.Generated(total), 0)
        peak = tracemalloc.get_traced_memory()[1]
        self.assertEqual(total, written)
        self.assertLess(peak, 16 << 20)

    def test_creates_missing_datadir_with_info_line(self):
        logger = self.useFixture(fixtures.FakeLogger(level='INFO'))
        datadir = os.path.join(self.root, 'new', 'images')
        store = filesystem.FilesystemStore(datadir)
        image_id = helpers.new_id()
        store.add(image_id, helpers.Reader(b'abc'), 3)
        self.assertEqual([image_id], os.listdir(datadir))
        self.assertIn('Directory to write image files does not exist (%s). '
                      'Creating.' % datadir, logger.output)


class TestRefusedIds(AddTestBase):

    def test_bad_ids_never_touch_the_disk(self):
        datadir = os.path.join(self.root, 'absent')
        store = filesystem.FilesystemStore(datadir)
        good = helpers.new_id()
        for bad in ('../' + good, '/etc/passwd', good + '\0', good.upper(),
                    good + '/x', '..', '', None, 42, '.' + good):
            reader = helpers.Reader(b'data')
            self.assertRaises(errors.BadStoreUri, store.add, bad, reader, 4)
            self.assertEqual(0, reader.consumed)
        self.assertFalse(os.path.exists(datadir))

    def test_no_datadir_configured(self):
        store = filesystem.FilesystemStore(None)
        self.assertRaises(errors.BadStoreConfiguration, store.add,
                          helpers.new_id(), helpers.Reader(b'x'), 1)


class TestDuplicates(AddTestBase):

    def test_existing_file_is_a_duplicate(self):
        image_id = helpers.new_id()
        self.store.add(image_id, helpers.Reader(b'first'), 5)
        reader = helpers.Reader(b'second')
        error = self.assertRaises(errors.Duplicate, self.store.add, image_id,
                                  reader, 6)
        path = os.path.join(self.datadir, image_id)
        self.assertEqual('Image file %s already exists!' % path, str(error))
        self.assertEqual(0, reader.consumed)
        with open(path, 'rb') as handle:
            self.assertEqual(b'first', handle.read())
        self.assertEqual([image_id], os.listdir(self.datadir))

    def test_dangling_symlink_is_a_duplicate_and_not_followed(self):
        image_id = helpers.new_id()
        target = os.path.join(self.root, 'outside')
        os.symlink(target, os.path.join(self.datadir, image_id))
        self.assertRaises(errors.Duplicate, self.store.add, image_id,
                          helpers.Reader(b'data'), 4)
        self.assertFalse(os.path.lexists(target))

    def test_file_appearing_during_upload_is_not_replaced(self):
        image_id = helpers.new_id()
        path = os.path.join(self.datadir, image_id)

        class Racing(helpers.Reader):
            def read(inner, size=-1):
                if not os.path.exists(path):
                    with open(path, 'wb') as handle:
                        handle.write(b'winner')
                return super().read(size)

        self.assertRaises(errors.Duplicate, self.store.add, image_id,
                          Racing(self.data), len(self.data))
        with open(path, 'rb') as handle:
            self.assertEqual(b'winner', handle.read())
        self.assertEqual([image_id], os.listdir(self.datadir))


class TestFailures(AddTestBase):

    def test_client_disconnect_removes_partial_and_propagates(self):
        error = helpers.disconnect()
        store = filesystem.FilesystemStore(self.datadir, chunk_size=1000)
        reader = helpers.Reader(self.data, fail_after=2500, error=error)
        raised = self.assertRaises(type(error), store.add, helpers.new_id(),
                                   reader, len(self.data))
        self.assertIs(error, raised)
        self.assertEqual(2500, reader.consumed)
        self.assertNothingLeft()

    def test_limit_exceeded_stops_one_byte_past_the_limit(self):
        reader = helpers.Reader(self.data)
        error = self.assertRaises(errors.LimitExceeded, self.store.add,
                                  helpers.new_id(), reader, 0, max_bytes=100)
        self.assertEqual((100, 101), (error.limit, error.received))
        self.assertEqual(101, reader.consumed)
        self.assertNothingLeft()

    def test_limit_exceeded_with_a_declared_size(self):
        store = filesystem.FilesystemStore(self.datadir, chunk_size=64)
        reader = helpers.Reader(self.data)
        self.assertRaises(errors.LimitExceeded, store.add, helpers.new_id(),
                          reader, len(self.data), max_bytes=1000)
        self.assertEqual(1001, reader.consumed)
        self.assertNothingLeft()

    def test_exactly_max_bytes_is_accepted(self):
        _, written, _, _ = self.store.add(
            helpers.new_id(), helpers.Reader(self.data), 0,
            max_bytes=len(self.data))
        self.assertEqual(len(self.data), written)

    def _add_with_faulty(self, operation, error_number):
        faulty = helpers.FaultyOs(operation, error_number)
        with fixtures.MonkeyPatch('harness.service.store.filesystem.os',
                                  faulty), fixtures.MonkeyPatch(
                'harness.service.store.streaming.os', faulty):
            try:
                self.store.add(helpers.new_id(), helpers.Reader(self.data),
                               len(self.data))
            finally:
                self.assertEqual(1, faulty.calls)
        self.fail('add() did not fail')

    def test_write_errors_map_to_store_errors(self):
        cases = [(errno.ENOSPC, errors.StorageFull),
                 (errno.EFBIG, errors.StorageFull),
                 (errno.EDQUOT, errors.StorageFull),
                 (errno.EACCES, errors.StorageWriteDenied),
                 (errno.EPERM, errors.StorageWriteDenied),
                 (errno.EROFS, errors.StorageWriteDenied)]
        for number, expected in cases:
            # EPERM from link() means "no hard links here": see below.
            operations = ('write', 'open') if number == errno.EPERM else (
                'write', 'open', 'link')
            for operation in operations:
                self.assertRaises(expected, self._add_with_faulty,
                                  operation, number)
                self.assertNothingLeft()

    def test_other_os_errors_propagate_unchanged(self):
        error = self.assertRaises(OSError, self._add_with_faulty, 'write',
                                  errno.EIO)
        self.assertEqual(errno.EIO, error.errno)
        self.assertNothingLeft()

    def test_filesystem_without_hard_links_falls_back_to_rename(self):
        faulty = helpers.FaultyOs('link', errno.EOPNOTSUPP)
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.store.filesystem.os', faulty))
        image_id = helpers.new_id()
        self.store.add(image_id, helpers.Reader(self.data), len(self.data))
        self.assertEqual([image_id], os.listdir(self.datadir))

    def test_real_file_size_limit_is_storage_full(self):
        # A real kernel refusal: RLIMIT_FSIZE makes write() fail with
        # EFBIG (even for root), in a child so the limit stays there.
        script = textwrap.dedent('''
            import errno, resource, signal, sys, uuid
            from harness.service.store import errors, filesystem
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
            store = filesystem.FilesystemStore(sys.argv[1])
            class Big(object):
                left = 1 << 20
                def read(self, n):
                    n = min(n, self.left); self.left -= n
                    return b'x' * n
            try:
                store.add(str(uuid.uuid4()), Big(), 1 << 20)
            except errors.StorageFull as exc:
                print('StorageFull', exc.__cause__.errno == errno.EFBIG)
        ''')
        result = subprocess.run([sys.executable, '-c', script, self.datadir],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(('StorageFull True\n', 0),
                         (result.stdout, result.returncode), result.stderr)
        self.assertNothingLeft()


class TestWsgiBodies(AddTestBase):
    """Uploads read from the WSGI server's real body readers."""

    def _input(self, framing, payload, length=None, close=True):
        client, server = socket.socketpair()
        self.addCleanup(client.close)
        self.addCleanup(server.close)
        # Small payloads fit the socket buffer: no writer thread needed.
        client.sendall(payload)
        if close:
            client.shutdown(socket.SHUT_WR)
        conn = http.Connection(server, ('127.0.0.1', 0))
        if framing == 'chunked':
            protocol = h11.Connection(h11.SERVER)
            protocol.receive_data(b'PUT / HTTP/1.1\r\nHost: x\r\n'
                                  b'Transfer-Encoding: chunked\r\n\r\n')
            protocol.next_event()
            return body.ChunkedInput(conn, protocol, chunked.ChunkedCheck())
        return body.LengthInput(conn, length)

    def test_content_length_body(self):
        reader = self._input('length', self.data + b'GET / HTTP/1.1\r\n',
                             len(self.data), close=False)
        _, written, checksum, _ = self.store.add(helpers.new_id(), reader,
                                                 len(self.data))
        self.assertEqual((len(self.data), hashlib.md5(self.data).hexdigest()),
                         (written, checksum))

    def test_chunked_body(self):
        framed = b''.join(b'%x\r\n%s\r\n' % (len(part), part) for part in (
            self.data[:1000], self.data[1000:])) + b'0\r\n\r\n'
        _, written, checksum, _ = self.store.add(
            helpers.new_id(), self._input('chunked', framed, close=False), 0)
        self.assertEqual((len(self.data), hashlib.md5(self.data).hexdigest()),
                         (written, checksum))

    def test_client_vanishing_mid_body(self):
        for framing, payload in (
                ('length', self.data[:2000]),
                ('chunked', b'%x\r\n%s' % (len(self.data), self.data[:2000]))):
            reader = self._input(framing, payload, len(self.data))
            self.assertRaises(body.ClientDisconnected, self.store.add,
                              helpers.new_id(), reader, 0)
            self.assertNothingLeft()
