"""Scrubber runs against a fake registry and a fake deleter."""

import os
import uuid

import fixtures
import testtools
import webob.exc

from harness.service import crypt
from harness.service import scrub_queue
from harness.service import scrubber
from harness.tests.unit.service import apitest_helpers

NOW = 1400000000
DAY = 86400
KEY = '012345678901234567890123456789ab'


def new_id():
    return str(uuid.uuid4())


class FakeRegistry(object):
    """The registry client methods the scrubber uses, over a dict.

    :ivar down: every call answers 503, as the client does when the
        registry cannot be reached.
    """

    def __init__(self):
        self.images = {}
        self.calls = []
        self.down = False
        self.update_error = None

    def add(self, status='pending_delete', **values):
        image_id = new_id()
        self.images[image_id] = dict(values, id=image_id, status=status)
        return image_id

    def _check(self):
        if self.down:
            raise webob.exc.HTTPServiceUnavailable('registry is down')

    def get_image(self, image_id):
        self.calls.append(('get_image', image_id))
        self._check()
        if image_id not in self.images:
            raise webob.exc.HTTPNotFound()
        return dict(self.images[image_id])

    def update_image(self, image_id, values, from_state=None):
        self.calls.append(('update_image', image_id, values))
        self._check()
        if self.update_error is not None:
            raise self.update_error
        if from_state and self.images[image_id]['status'] != from_state:
            raise webob.exc.HTTPConflict('Image operation conflicts')
        self.images[image_id].update(values)
        return dict(self.images[image_id])

    def get_images_detailed(self, filters=None, limit=None, marker=None):
        self.calls.append(('get_images_detailed', filters, limit, marker))
        self._check()
        found = sorted((image for image in self.images.values()
                        if image['status'] == filters['status']),
                       key=lambda image: image['id'])
        if marker is not None:
            found = [image for image in found if image['id'] > marker]
        return [dict(image) for image in found[:limit]]

    def updates(self):
        return [call[1:] for call in self.calls if call[0] == 'update_image']


class ScrubberTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        root = self.useFixture(fixtures.TempDir()).path
        self.datadir = os.path.join(root, 'scrubber')
        self.conf = self.make_conf(scrubber_datadir=self.datadir,
                                   lock_path=root)
        self.queue = scrub_queue.ScrubQueue(self.datadir, root)
        self.registry = FakeRegistry()
        self.deleted = []
        self.logger = self.useFixture(fixtures.FakeLogger())

    def make_conf(self, **values):
        return apitest_helpers.make_conf(**values)

    def deleter(self, conf, uri, image_id):
        self.deleted.append((uri, image_id))

    def scrubber(self, deleter=None):
        return scrubber.Scrubber(self.conf, self.registry,
                                 deleter or self.deleter)

    def run_scrubber(self, deleter=None, now=NOW):
        return self.scrubber(deleter).run(now)

    def queued(self, uri='file:///data', delete_time=NOW, status=None,
               image_id=None):
        """Queue *uri* for a new (or the given) image; return its id."""
        if image_id is None:
            image_id = self.registry.add(status=status or 'pending_delete')
        self.queue.add(image_id, uri, delete_time)
        return image_id


class TestScrubberRun(ScrubberTestBase):

    def test_empty_run_creates_the_directory_and_asks_nothing(self):
        self.assertEqual(0, self.run_scrubber())
        self.assertTrue(os.path.isdir(self.datadir))
        self.assertEqual([], self.registry.calls)

    def test_due_records_are_deleted_and_the_image_set_deleted(self):
        image_id = self.queued('file:///a', NOW - 1)
        self.queue.add(image_id, 'file:///b', NOW)
        self.assertEqual(2, self.run_scrubber())
        self.assertEqual([('file:///a', image_id), ('file:///b', image_id)],
                         self.deleted)
        self.assertFalse(os.path.exists(self.queue.path(image_id)))
        self.assertEqual([(image_id, {'status': 'deleted'})],
                         self.registry.updates())
        self.assertEqual('deleted', self.registry.images[image_id]['status'])

    def test_records_not_due_stay_and_the_image_stays_pending(self):
        image_id = self.queued('file:///now', NOW)
        self.queue.add(image_id, 'file:///later', NOW + 60)
        self.assertEqual(1, self.run_scrubber())
        self.assertEqual([('file:///now', image_id)], self.deleted)
        self.assertEqual([scrub_queue.Record('file:///later', NOW + 60)],
                         self.queue.read(image_id))
        self.assertEqual([], self.registry.updates())
        self.assertEqual('pending_delete',
                         self.registry.images[image_id]['status'])

    def test_nothing_due_asks_the_registry_nothing(self):
        image_id = self.queued('file:///later', NOW + 1)
        self.assertEqual(0, self.run_scrubber())
        self.assertEqual([], self.deleted)
        self.assertEqual([], self.registry.calls)
        self.assertEqual(1, len(self.queue.read(image_id)))

    def test_failed_deletes_are_logged_and_dropped(self):
        image_id = self.queued('file:///gone')

        def failing(conf, uri, image_id):
            raise scrubber.DeleteFailed('Image file %s not found' % uri)
        self.assertEqual(1, self.run_scrubber(failing))
        self.assertEqual([], self.queue.image_ids())
        self.assertIn('Failed to delete URI from image %s: Image file '
                      'file:///gone not found' % image_id,
                      self.logger.output)
        # The data is gone either way: the image ends up deleted.
        self.assertEqual('deleted', self.registry.images[image_id]['status'])

    def test_images_not_pending_delete_are_never_touched(self):
        ids = {status: self.queued('file:///%s' % status, status=status)
               for status in ('active', 'deleted', 'queued', 'killed')}
        self.assertEqual(4, self.run_scrubber())
        self.assertEqual([], self.deleted)
        self.assertEqual([], self.queue.image_ids())
        self.assertEqual([], self.registry.updates())
        for status, image_id in ids.items():
            self.assertEqual(status, self.registry.images[image_id]['status'])
            self.assertIn('Image %s is %s, not pending_delete: dropping its '
                          'scrub queue file without deleting any data'
                          % (image_id, status), self.logger.output)

    def test_image_unknown_to_the_registry_is_never_touched(self):
        image_id = new_id()
        self.queued('file:///orphan', image_id=image_id)
        self.assertEqual(1, self.run_scrubber())
        self.assertEqual([], self.deleted)
        self.assertEqual([], self.queue.image_ids())
        self.assertIn('Image %s is unknown to the registry, not '
                      'pending_delete' % image_id, self.logger.output)

    def test_registry_down_keeps_everything_for_the_next_run(self):
        image_id = self.queued('file:///a')
        self.registry.down = True
        self.assertEqual(0, self.run_scrubber())
        self.assertEqual([], self.deleted)
        self.assertEqual([scrub_queue.Record('file:///a', NOW)],
                         self.queue.read(image_id))
        self.assertIn('Cannot read image %s from the registry, keeping its '
                      'queued data for a later run' % image_id,
                      self.logger.output)
        self.registry.down = False
        self.assertEqual(1, self.run_scrubber())
        self.assertEqual([('file:///a', image_id)], self.deleted)
        self.assertEqual('deleted', self.registry.images[image_id]['status'])

    def test_failed_status_update_is_logged(self):
        image_id = self.queued('file:///a')
        self.registry.update_error = webob.exc.HTTPForbidden('no')
        self.assertEqual(1, self.run_scrubber())
        self.assertEqual([], self.queue.image_ids())
        self.assertIn('Failed to set the status of image %s to deleted'
                      % image_id, self.logger.output)

    def test_a_record_queued_meanwhile_is_kept(self):
        image_id = self.queued('file:///a')
        scrub = self.scrubber()
        status = scrub._status

        def status_then_enqueue(image):
            # The API appends while the scrubber asks the registry.
            self.queue.add(image, 'file:///late', NOW + 30)
            return status(image)
        scrub._status = status_then_enqueue
        self.assertEqual(1, scrub.run(NOW))
        self.assertEqual([('file:///a', image_id)], self.deleted)
        self.assertEqual([scrub_queue.Record('file:///late', NOW + 30)],
                         self.queue.read(image_id))
        self.assertEqual([], self.registry.updates())

    def test_malformed_file_is_left_alone(self):
        os.makedirs(self.datadir)
        image_id = self.registry.add()
        with open(self.queue.path(image_id), 'w') as handle:
            handle.write('file:///x\nlater')
        self.assertEqual(0, self.run_scrubber())
        self.assertEqual([], self.deleted)
        with open(self.queue.path(image_id)) as handle:
            self.assertEqual('file:///x\nlater', handle.read())
        self.assertIn('Skipping unreadable scrub queue file',
                      self.logger.output)

    def test_queue_file_gone_meanwhile_is_tolerated(self):
        image_id = self.queued('file:///a')
        scrub = self.scrubber()
        status = scrub._status

        def status_then_vanish(image):
            result = status(image)
            self.queue.write(image, [])
            return result
        scrub._status = status_then_vanish
        self.assertEqual(0, scrub.run(NOW))
        self.assertEqual([], self.deleted)
        self.assertEqual([], self.registry.updates())
        self.assertEqual('pending_delete',
                         self.registry.images[image_id]['status'])


def foreign_ciphertext(uri):
    """*uri* encrypted with another key, as a text that does not decrypt
    with ``KEY``.

    A wrong key yields garbage, and about one garbage block in 170 passes
    the padding and UTF-8 checks (a NUL early in the block), so a text is
    drawn until the wrong key is seen as wrong.
    """
    for _ in range(100):
        text = crypt.urlsafe_encrypt('x' * 32, uri, 64)
        try:
            crypt.urlsafe_decrypt(KEY, text)
        except crypt.CryptError:
            return text
    raise AssertionError('100 texts all decrypted with the wrong key')


class TestRealDeletion(ScrubberTestBase):
    """The default deleter: the filesystem store and the cipher."""

    def make_conf(self, **values):
        self.images = self.useFixture(fixtures.TempDir()).path
        return apitest_helpers.make_conf(filesystem_store_datadir=self.images,
                                         metadata_encryption_key=KEY,
                                         **values)

    def image_file(self, image_id):
        path = os.path.join(self.images, image_id)
        with open(path, 'wb') as handle:
            handle.write(b'data')
        return 'file://' + path

    def test_encrypted_location_is_decrypted_and_deleted(self):
        image_id = self.registry.add()
        uri = self.image_file(image_id)
        self.queued(crypt.urlsafe_encrypt(KEY, uri, 64), image_id=image_id)
        other = self.registry.add(status='active')
        self.image_file(other)
        self.assertEqual(1, scrubber.Scrubber(self.conf, self.registry).run(
            NOW))
        self.assertEqual([other], os.listdir(self.images))
        self.assertEqual('deleted', self.registry.images[image_id]['status'])

    def test_undecryptable_location_is_logged_and_dropped(self):
        image_id = self.registry.add()
        uri = self.image_file(image_id)
        self.queued(foreign_ciphertext(uri), image_id=image_id)
        self.assertEqual(1, scrubber.Scrubber(self.conf, self.registry).run(
            NOW))
        self.assertEqual([image_id], os.listdir(self.images))
        self.assertIn('Failed to delete URI from image %s: the queued '
                      'location does not decrypt' % image_id,
                      self.logger.output)

    def test_plain_locations_without_a_key(self):
        self.conf = apitest_helpers.make_conf(
            filesystem_store_datadir=self.images,
            scrubber_datadir=self.datadir, lock_path=self.queue.lock_path)
        image_id = self.registry.add()
        self.queued(self.image_file(image_id), image_id=image_id)
        scrubber.Scrubber(self.conf, self.registry).run(NOW)
        self.assertEqual([], os.listdir(self.images))

    def test_store_errors_become_delete_failed(self):
        missing = 'file://%s/%s' % (self.images, new_id())
        for uri, message in (
                (missing, 'Image file %s not found' % missing[7:]),
                ('http://example.com/x', 'The HTTP store is read-only'),
                ('swift://x/y', 'swift'),
                ('file:///etc/passwd', 'outside the image directory')):
            error = self.assertRaises(scrubber.DeleteFailed,
                                      scrubber.delete_uri, self.conf, uri,
                                      new_id())
            self.assertIn(message, str(error))
        self.assertTrue(os.path.exists('/etc/passwd'))


class TestCleanup(ScrubberTestBase):

    def make_conf(self, **values):
        return apitest_helpers.make_conf(cleanup_scrubber=True,
                                         cleanup_scrubber_time=DAY, **values)

    def old_image(self, *urls, deleted_at='2014-05-12T16:26:40.123456'):
        # 2014-05-12T16:26:40 is NOW - 2 days.
        return self.registry.add(
            deleted=True, deleted_at=deleted_at,
            location_data=[{'url': url, 'metadata': {}} for url in urls])

    def marker(self):
        return os.path.join(self.datadir, scrubber.CLEANUP_FILE)

    def read_marker(self):
        with open(self.marker()) as handle:
            return handle.read()

    def test_first_run_only_starts_the_clock(self):
        self.old_image('file:///old')
        self.run_scrubber()
        self.assertEqual(str(NOW), self.read_marker())
        self.assertEqual([], self.registry.calls)
        self.run_scrubber(now=NOW + DAY - 1)
        self.assertEqual(str(NOW), self.read_marker())
        self.assertEqual([], self.registry.calls)

    def test_old_pending_deletes_are_scrubbed(self):
        os.makedirs(self.datadir)
        with open(self.marker(), 'w') as handle:
            handle.write(str(NOW - DAY))
        old = self.old_image('file:///o1', 'file:///o2')
        recent = self.old_image('file:///r', deleted_at='2014-05-13T16:26:40')
        queued = self.old_image('file:///q')
        self.queue.add(queued, 'file:///q', NOW + 60)
        active = self.registry.add(status='active', location_data=[
            {'url': 'file:///a', 'metadata': {}}])
        self.scrubber().cleanup(NOW)
        self.assertEqual([('file:///o1', old), ('file:///o2', old)],
                         self.deleted)
        self.assertEqual([(old, {'status': 'deleted'})],
                         self.registry.updates())
        for image_id in (recent, queued):
            self.assertEqual('pending_delete',
                             self.registry.images[image_id]['status'])
        self.assertEqual('active', self.registry.images[active]['status'])
        self.assertEqual(str(NOW), self.read_marker())
        listing = [call for call in self.registry.calls
                   if call[0] == 'get_images_detailed']
        self.assertEqual({'deleted': True, 'is_public': 'none',
                          'status': 'pending_delete'}, listing[0][1])

    def test_pages_through_the_listing(self):
        os.makedirs(self.datadir)
        with open(self.marker(), 'w') as handle:
            handle.write(str(NOW - DAY))
        ids = [self.old_image('file:///%d' % n)
               for n in range(scrubber.CLEANUP_PAGE + 1)]
        self.assertEqual(len(ids), self.scrubber().cleanup(NOW))
        self.assertEqual(sorted(ids), sorted(i for _, i in self.deleted))

    def test_registry_down(self):
        os.makedirs(self.datadir)
        with open(self.marker(), 'w') as handle:
            handle.write('garbage')
        self.registry.down = True
        self.assertEqual(0, self.scrubber().cleanup(NOW))
        self.assertIn('Ignoring unreadable cleanup file', self.logger.output)
        self.assertEqual(str(NOW), self.read_marker())
        self.assertEqual(0, self.scrubber().cleanup(NOW + DAY))
        self.assertIn('Cannot list pending_delete images',
                      self.logger.output)
