"""Delayed delete and the scrubber, end to end.

Images are created and deleted through the v1 API with ``delayed_delete``
on; the scrubber then runs as a real process (one-shot, or as a daemon
polled through the API with a deadline).
"""

import json
import os
import time

from harness.glance import functional
from harness.service import crypt
from harness.service import scrub_queue
from harness.tests.functional import client

#: How long the daemon may take to scrub (it wakes every 2 s).
DAEMON_DEADLINE = 30.0
POLL_INTERVAL = 0.1


class TestScrubber(functional.FunctionalTest):

    def start(self, **overrides):
        """Start the servers with delayed delete; return the kwargs."""
        kwargs = self.__dict__.copy()
        kwargs.update(delayed_delete=True, scrub_time=0)
        kwargs.update(overrides)
        self.start_servers(**kwargs)
        kwargs['registry_port'] = self.registry_port
        kwargs.pop('daemon', None)
        return kwargs

    def create_image(self, data=b'*' * 5120, name='Image1'):
        headers = {'Content-Type': 'application/octet-stream',
                   'x-image-meta-name': name,
                   'x-image-meta-is_public': 'True',
                   'x-image-meta-disk_format': 'raw',
                   'x-image-meta-container_format': 'ovf'}
        status, _, body = client.request(self.api_port, 'POST', '/v1/images',
                                         headers, data)
        self.assertEqual(201, status, body)
        image = json.loads(body)['image']
        self.assertEqual('active', image['status'])
        self.assertTrue(os.path.exists(self.image_path(image['id'])))
        return image['id']

    def image_path(self, image_id):
        return os.path.join(self.api_server.image_dir, image_id)

    def queue_path(self, image_id):
        return os.path.join(self.api_server.scrubber_datadir, image_id)

    def head(self, image_id):
        status, headers, _ = client.request(self.api_port, 'HEAD',
                                            '/v1/images/%s' % image_id)
        self.assertEqual(200, status)
        return headers

    def delete_image(self, image_id):
        status, _, body = client.request(self.api_port, 'DELETE',
                                         '/v1/images/%s' % image_id)
        self.assertEqual(200, status, body)
        self.assertEqual('pending_delete',
                         self.head(image_id)['x-image-meta-status'])
        self.assertTrue(os.path.exists(self.queue_path(image_id)))
        self.assertTrue(os.path.exists(self.image_path(image_id)))

    def queued_uris(self, image_id):
        """The plain URIs queued for *image_id* (decrypted)."""
        with open(self.queue_path(image_id)) as handle:
            records = scrub_queue.parse_queue(handle.read())
        key = self.api_server.metadata_encryption_key
        return [crypt.urlsafe_decrypt(key, record.uri) for record in records]

    def scrub_once(self, kwargs):
        exitcode, out, err = self.scrubber_daemon.start(**kwargs)
        self.assertEqual((0, ''), (exitcode, out), err)

    def assert_scrubbed(self, image_id):
        headers = self.head(image_id)
        self.assertEqual('deleted', headers['x-image-meta-status'])
        self.assertEqual('True', headers['x-image-meta-deleted'])
        self.assertFalse(os.path.exists(self.image_path(image_id)))
        self.assertFalse(os.path.exists(self.queue_path(image_id)))

    def scrubber_log(self):
        with open(self.scrubber_daemon.log_file) as handle:
            return handle.read()

    def test_delayed_delete_then_one_shot_scrub(self):
        kwargs = self.start()
        image_id = self.create_image()
        self.delete_image(image_id)
        self.assertEqual(['file://%s' % self.image_path(image_id)],
                         self.queued_uris(image_id))
        with open(self.queue_path(image_id)) as handle:
            self.assertNotIn('file://', handle.read())
        self.scrub_once(kwargs)
        self.assert_scrubbed(image_id)

    def test_one_run_scrubs_every_due_image(self):
        kwargs = self.start()
        ids = [self.create_image(name='Image%d' % n) for n in range(3)]
        for image_id in ids:
            self.delete_image(image_id)
        self.scrub_once(kwargs)
        for image_id in ids:
            self.assert_scrubbed(image_id)

    def test_records_not_due_are_kept(self):
        # The template's scrub_time: due 5 s after the delete.
        kwargs = self.start(scrub_time=5)
        image_id = self.create_image()
        self.delete_image(image_id)
        with open(self.queue_path(image_id)) as handle:
            before = handle.read()
        self.scrub_once(kwargs)
        self.assertEqual('pending_delete',
                         self.head(image_id)['x-image-meta-status'])
        self.assertTrue(os.path.exists(self.image_path(image_id)))
        with open(self.queue_path(image_id)) as handle:
            self.assertEqual(before, handle.read())

    def test_daemon_scrubs(self):
        self.start(daemon=True)
        image_id = self.create_image()
        self.delete_image(image_id)
        deadline = time.monotonic() + DAEMON_DEADLINE
        while self.head(image_id)['x-image-meta-status'] != 'deleted':
            self.assertLess(time.monotonic(), deadline,
                            'the daemon did not scrub the image in time')
            time.sleep(POLL_INTERVAL)
        self.assert_scrubbed(image_id)
        self.assertIsNone(self.scrubber_daemon.process.poll())

    def test_missing_file_is_tolerated(self):
        kwargs = self.start()
        image_id = self.create_image()
        self.delete_image(image_id)
        os.unlink(self.image_path(image_id))
        self.scrub_once(kwargs)
        self.assert_scrubbed(image_id)
        self.assertIn('Failed to delete URI from image %s' % image_id,
                      self.scrubber_log())

    def test_image_not_pending_delete_is_never_touched(self):
        kwargs = self.start()
        image_id = self.create_image()
        uri = 'file://%s' % self.image_path(image_id)
        key = self.api_server.metadata_encryption_key
        queue = scrub_queue.ScrubQueue(self.api_server.scrubber_datadir,
                                       self.api_server.lock_path)
        queue.add(image_id, crypt.urlsafe_encrypt(key, uri, 64),
                  time.time() - 1)
        self.scrub_once(kwargs)
        self.assertTrue(os.path.exists(self.image_path(image_id)))
        self.assertFalse(os.path.exists(self.queue_path(image_id)))
        self.assertEqual('active', self.head(image_id)['x-image-meta-status'])
        status, _, body = client.request(self.api_port, 'GET',
                                         '/v1/images/%s' % image_id)
        self.assertEqual((200, b'*' * 5120), (status, body))
        self.assertIn('Image %s is active, not pending_delete' % image_id,
                      self.scrubber_log())
