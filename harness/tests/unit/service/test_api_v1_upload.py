"""The v1 upload's status changes and its error mapping.

The registry is a small in-memory fake and the stores raise on demand:
these are the failures a functional test cannot provoke (a full disk, a
1 TiB body...).
"""

import io

import fixtures
import testtools
import webob.exc

from harness.service import quota
from harness.service.api.v1 import upload
from harness.service.context import RequestContext
from harness.service.store import errors as store_errors
from harness.service.wsgi.body import ClientDisconnected
from harness.tests.unit.service import apitest_helpers as helpers

IMAGE_ID = '71c675ab-d94f-49cd-a114-e12490b328d9'
# Deleting it after a failed activation finds nothing, as intended.
URI = 'file:///nonexistent-harness-test-dir/%s'


class FakeRegistry(object):
    """update_image/get_image/get_images_detailed over one dict."""

    def __init__(self, image, others=()):
        self.image = dict(image)
        self.others = list(others)
        self.updates = []
        self.fail_update = None
        self.deleted_meanwhile = False

    def update_image(self, image_id, values, purge_props=False,
                     from_state=None):
        self.updates.append((values, from_state))
        if self.fail_update and values.get('status') == 'active':
            if self.deleted_meanwhile:
                self.image['status'] = 'deleted'
            raise self.fail_update
        if from_state and self.image['status'] != from_state:
            raise webob.exc.HTTPConflict('Image operation conflicts')
        self.image.update(values)
        return dict(self.image)

    def get_image(self, image_id):
        return dict(self.image)

    def get_images_detailed(self, **params):
        return [] if 'marker' in params else list(self.others)


class FakeStore(object):

    def __init__(self, error=None):
        self.error = error
        self.added = []

    def add(self, image_id, reader, size, max_bytes=None):
        self.added.append((size, max_bytes))
        if self.error is not None:
            raise self.error
        data = reader.read()
        return URI % image_id, len(data), 'sum', {}


class TestUpload(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger())
        self.conf = helpers.make_conf(image_size_cap=1000)
        self.ctx = RequestContext(user='u', tenant='t')
        self.registry = FakeRegistry({'id': IMAGE_ID, 'status': 'queued',
                                      'size': 0, 'checksum': None})

    def run_upload(self, store, data=b'abc', length=3, conf=None):
        job = upload.Upload(conf or self.conf, self.ctx, self.registry,
                            dict(self.registry.image))
        return job.run(io.BytesIO(data), length, store)

    def statuses(self):
        return [values.get('status') for values, _ in self.registry.updates]

    def test_success(self):
        store = FakeStore()
        image = self.run_upload(store)
        self.assertEqual(['saving', 'active'], self.statuses())
        self.assertEqual(('active', 3, 'sum', URI % IMAGE_ID),
                         (image['status'], image['size'], image['checksum'],
                          image['location']))
        self.assertEqual('saving', self.registry.updates[-1][1])
        self.assertEqual([(3, 1000)], store.added)

    def assertFails(self, error, http_class, message, killed=True):
        exc = self.assertRaises(http_class, self.run_upload,
                                FakeStore(error))
        self.assertIn(message, exc.explanation)
        # Never left saving; every change a compare-and-set.
        final = 'killed' if killed else 'queued'
        self.assertEqual([('saving', 'queued'), (final, 'saving')],
                         [(values['status'], from_state)
                          for values, from_state in self.registry.updates])
        self.assertEqual(final, self.registry.image['status'])

    def test_store_failures(self):
        cases = (
            (store_errors.StorageFull(), webob.exc.HTTPRequestEntityTooLarge,
             'Image storage media is full: There is not enough disk space'),
            (store_errors.StorageWriteDenied(),
             webob.exc.HTTPServiceUnavailable,
             'Insufficient permissions on image storage media: '),
            (store_errors.Forbidden('read-only'), webob.exc.HTTPForbidden,
             'Forbidden upload attempt: read-only'),
            (store_errors.LimitExceeded(1000, 1001),
             webob.exc.HTTPRequestEntityTooLarge,
             'Denying attempt to upload image larger than 1000 bytes.'),
            (ClientDisconnected('gone'), webob.exc.HTTPBadRequest,
             'Client disconnected before sending all data to backend'),
            (store_errors.BadStoreConfiguration('no datadir'),
             webob.exc.HTTPInternalServerError,
             'Failed to upload image %s' % IMAGE_ID))
        for error, http_class, message in cases:
            self.registry.updates = []
            self.registry.image['status'] = 'queued'
            self.assertFails(error, http_class, message)

    def test_duplicate_not_killed(self):
        self.assertFails(store_errors.Duplicate('exists'),
                         webob.exc.HTTPConflict,
                         'Attempt to upload duplicate image: exists',
                         killed=False)

    def test_storage_quota_limit_while_writing(self):
        conf = helpers.make_conf(image_size_cap=1000, user_storage_quota=100)
        self.registry.others = [{'id': 'other', 'owner': 't', 'size': 60,
                                 'status': 'active', 'location': 'x'}]
        store = FakeStore(store_errors.LimitExceeded(40, 41))
        exc = self.assertRaises(webob.exc.HTTPRequestEntityTooLarge,
                                self.run_upload, store, length=0,
                                conf=conf)
        self.assertIn('Denying attempt to upload image because it exceeds '
                      'the .quota: The size of the data 41 will exceed the '
                      'limit. 40 bytes remaining.', exc.explanation)
        self.assertEqual([(0, 40)], store.added)
        self.assertEqual(['saving', 'killed'], self.statuses())

    def test_storage_quota_before_writing(self):
        conf = helpers.make_conf(user_storage_quota=100)
        self.registry.others = [{'id': 'other', 'owner': 't', 'size': 99,
                                 'status': 'active', 'location': 'x'}]
        store = FakeStore()
        exc = self.assertRaises(webob.exc.HTTPRequestEntityTooLarge,
                                self.run_upload, store, conf=conf)
        self.assertIn('exceeds the .quota: The size of the data 3 will '
                      'exceed the limit. 1 bytes remaining.',
                      exc.explanation)
        self.assertEqual([], store.added)

    def test_not_queued_changes_nothing(self):
        for status in ('saving', 'active', 'killed'):
            self.registry.image['status'] = status
            self.registry.updates = []
            store = FakeStore()
            exc = self.assertRaises(webob.exc.HTTPConflict, self.run_upload,
                                    store)
            self.assertEqual('Cannot upload to an unqueued image',
                             exc.explanation)
            self.assertEqual([({'status': 'saving'}, 'queued')],
                             self.registry.updates)
            self.assertEqual(status, self.registry.image['status'])
            self.assertEqual([], store.added)

    def test_failed_activation_kills(self):
        self.registry.fail_update = webob.exc.HTTPServiceUnavailable()
        self.assertRaises(webob.exc.HTTPServiceUnavailable, self.run_upload,
                          FakeStore())
        self.assertEqual('killed', self.registry.image['status'])
        self.assertEqual(('killed', 'saving'),
                         (self.registry.updates[-1][0]['status'],
                          self.registry.updates[-1][1]))

    def test_image_gone_after_upload(self):
        self.registry.fail_update = webob.exc.HTTPConflict()
        self.registry.deleted_meanwhile = True
        exc = self.assertRaises(webob.exc.HTTPPreconditionFailed,
                                self.run_upload, FakeStore())
        self.assertIn('could not be found after upload', exc.explanation)

    def test_conflict_after_upload(self):
        self.registry.fail_update = webob.exc.HTTPConflict()
        exc = self.assertRaises(webob.exc.HTTPConflict, self.run_upload,
                                FakeStore())
        self.assertEqual('Image operation conflicts', exc.explanation)

    def test_not_found_after_upload(self):
        self.registry.fail_update = webob.exc.HTTPNotFound()
        self.assertRaises(webob.exc.HTTPPreconditionFailed, self.run_upload,
                          FakeStore())

    def test_usage_excludes_nothing_without_quota(self):
        self.assertIsNone(quota.check_storage(0, None, 5))

    def test_unknown_store_scheme(self):
        exc = self.assertRaises(webob.exc.HTTPBadRequest,
                                upload.get_store_or_400, self.conf, 'tape')
        self.assertEqual('Store for scheme tape not found', exc.explanation)
