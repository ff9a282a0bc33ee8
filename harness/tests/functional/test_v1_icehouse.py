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
INVALID = b'The HTTP URL is invalid.'
LOCATION, COPY_FROM = SOURCES = ('X-Image-Meta-Location',
                                 'X-Glance-Api-Copy-From')
#: Remote answers that give a size of 0 (icehouse's HTTP store
#: ``get_size``): missing, failing, a redirect loop.
SIZE_0_PATHS = ('/missing', '/status/500', '/status/503', '/loop')


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

    def test_unreachable_sources(self):
        # Only a failure to connect refuses the source (2014.1.5).
        for header in SOURCES:
            status, _, body = self.api.create(
                self.headers('Remote', **{header: self.unreachable_url()}))
            self.assertEqual(400, status, body)
            self.assertIn(INVALID, body)
        self.assertNothingCreated()

    def test_remote_errors_are_size_0(self):
        # Icehouse-final: a location whose remote end answers an error
        # (or loops) is size 0 and the image active at once.
        for path in SIZE_0_PATHS:
            image = self.api.create_ok(self.headers(path, **{
                LOCATION: self.remote.url(path)}))
            self.assertEqual(('active', 0), (image['status'], image['size']))
        self.assertEqual(len(SIZE_0_PATHS), len(self.api.list()))
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_copy_from_remote_errors_end_killed(self):
        # Glance's v1.test_copy_to_file test_copy_from_http_nonexistent:
        # 201 queued, the copy fails behind the response, the image is
        # killed and its data 404; it can be deleted.
        for path in SIZE_0_PATHS:
            image = self.api.create_ok(self.headers(path, **{
                COPY_FROM: self.remote.url(path)}))
            self.assertEqual(('queued', 0), (image['status'], image['size']))
            v1.wait_for(lambda: self.api.status_of(image['id']) == 'killed')
            image_path = '/v1/images/%s' % image['id']
            self.assertEqual(404, self.api.request('GET', image_path)[0])
            self.assertEqual(200, self.api.request('DELETE', image_path)[0])
        self.assertNothingCreated()

    def test_update_with_unreachable_location_changes_nothing(self):
        image = self.api.create_ok(self.headers('Queued'))
        path = '/v1/images/%s' % image['id']
        status, _, body = self.api.request('PUT', path, {
            'X-Image-Meta-Location': self.unreachable_url(),
            'X-Image-Meta-Name': 'Renamed'})
        self.assertEqual(400, status, body)
        self.assertIn(INVALID, body)
        self.assertEqual(('queued', 'Queued'), (
            self.api.status_of(image['id']),
            self.api.head(image['id'])[1]['x-image-meta-name']))

    def test_update_with_missing_location_activates_with_size_0(self):
        image = self.api.create_ok(self.headers('Queued'))
        status, _, body = self.api.request(
            'PUT', '/v1/images/%s' % image['id'], {
                'X-Image-Meta-Location': self.remote.url('/missing'),
                'X-Image-Meta-Name': 'Renamed'})
        self.assertEqual(200, status, body)
        image = json.loads(body)['image']
        self.assertEqual(('active', 0, 'Renamed'),
                         (image['status'], image['size'], image['name']))

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
