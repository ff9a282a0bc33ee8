"""v1 facts of icehouse's final release, 2014.1.5, and
the data-file invariant: an image has a file in the store iff it is
``active`` (or ``pending_delete`` under delayed delete)."""

import json
import os
import socket

from harness.glance import functional
from harness.tests.functional import v1_support as v1
from harness.tests.functional.test_v2_races import race
from harness.tests.functional.test_v2_races import ROUNDS

RESTRICTED = ('file:///etc/passwd', 'filesystem:///etc/passwd',
              'swift+config://ref1/glance/image')
NOT_FOUND = b'HTTP datastore could not find image at URI.'
INVALID = b'The HTTP URL is invalid.'
SOURCES = ('X-Image-Meta-Location', 'X-Glance-Api-Copy-From')


class TestV1Icehouse(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.data = os.urandom(4096)
        self.remote = v1.RemoteData(self.data)
        self.addCleanup(self.remote.close)
        self.start_servers(**self.__dict__.copy())

    def headers(self, name, **extra):
        headers = v1.minimal_headers(name, **extra)
        del headers['Content-Type']
        return headers

    def assertNothingCreated(self):
        self.assertEqual([], self.api.list())
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def unreachable_url(self):
        # Bound but not listening: connecting is refused.
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        return 'http://127.0.0.1:%d/data' % sock.getsockname()[1]

    def test_restricted_schemes(self):
        for header in SOURCES:
            for url in RESTRICTED:
                status, headers, body = self.api.create(
                    self.headers('Restricted', **{header: url}))
                self.assertEqual(400, status, body)
                self.assertIn(("External source are not supported: '%s'"
                               % url).encode(), body)
                self.assertTrue(headers['content-type'].startswith(
                    'text/plain'), headers)
        self.assertNothingCreated()

    def test_unreachable_and_missing_sources(self):
        for header in SOURCES:
            for url, message in ((self.unreachable_url(), INVALID),
                                 (self.remote.url('/missing'), NOT_FOUND)):
                status, _, body = self.api.create(
                    self.headers('Remote', **{header: url}))
                self.assertEqual(400, status, body)
                self.assertIn(message, body)
        self.assertNothingCreated()

    def test_update_with_missing_location_changes_nothing(self):
        image = self.api.create_ok(self.headers('Queued'))
        path = '/v1/images/%s' % image['id']
        status, _, body = self.api.request('PUT', path, {
            'X-Image-Meta-Location': self.remote.url('/missing'),
            'X-Image-Meta-Name': 'Renamed'})
        self.assertEqual(400, status, body)
        self.assertIn(NOT_FOUND, body)
        self.assertEqual(('queued', 'Queued'), (
            self.api.status_of(image['id']),
            self.api.head(image['id'])[1]['x-image-meta-name']))

    def test_status_set_by_hand_is_refused(self):
        image = self.api.create_ok(v1.minimal_headers('Data'), self.data)
        path = '/v1/images/%s' % image['id']
        for wanted in ('queued', 'saving', 'killed', 'pending_delete'):
            status, _, body = self.api.request(
                'PUT', path, {'X-Image-Meta-Status': wanted})
            self.assertEqual(403, status, body)
            self.assertIn(b"Forbidden to modify 'status' of image.", body)
        # The 2014.1 hole: a queued image with the old file behind it.
        status, _, body = self.api.request(
            'PUT', path, {'Content-Type': 'application/octet-stream'},
            b'new data')
        self.assertEqual(409, status, body)
        self.assertEqual('active', self.api.status_of(image['id']))
        self.assertEqual([image['id']],
                         v1.image_files(self.api_server.image_dir))
        status, _, body = self.api.request('GET', path)
        self.assertEqual((200, self.data), (status, body))
        # Stating the status it has changes nothing and is allowed.
        status, _, body = self.api.request(
            'PUT', path, {'X-Image-Meta-Status': 'active',
                          'X-Image-Meta-Name': 'Same'})
        self.assertEqual(200, status, body)
        self.assertEqual('active', json.loads(body)['image']['status'])

    def test_queued_image_cannot_be_activated_by_hand(self):
        image = self.api.create_ok(self.headers('Empty'))
        status, _, body = self.api.request(
            'PUT', '/v1/images/%s' % image['id'],
            {'X-Image-Meta-Status': 'active'})
        self.assertEqual(403, status, body)
        self.assertEqual('queued', self.api.status_of(image['id']))
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_delete_wins_over_a_starting_upload(self):
        for _ in range(ROUNDS * 2):
            image = self.api.create_ok(self.headers('Racing'))
            path = '/v1/images/%s' % image['id']
            deleted, uploaded = race(
                lambda: self.api.request('DELETE', path)[0],
                lambda: self.api.request(
                    'PUT', path, {'Content-Type': 'application/octet-stream'},
                    b'd' * 65536)[0])
            # Serial: upload then delete (200, 200), or delete first (the
            # upload finds no image, 404/403, or loses it under way: 412,
            # what 2014.1 answers).
            self.assertEqual(200, deleted)
            self.assertIn(uploaded, (200, 403, 404, 412))
            self.assertIn(self.api.status_of(image['id']), ('deleted', None))
            self.assertEqual([], v1.image_files(self.api_server.image_dir))
