"""State changes are atomic (issue 7 B): racing uploads, member lists
replaced whole or not at all, disk space reserved only as data arrives.

Each test checks the answer and that nothing changed that should not.
"""

import json
import os
import threading

from harness.glance import functional
from harness.tests.functional import client as http
from harness.tests.functional import v1_support as v1

ROUNDS = 20
UNQUEUED = b'Cannot upload to an unqueued image'


class TestV1Atomic(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.start_servers(**self.__dict__.copy())

    def queued_image(self, name='Queued'):
        headers = v1.minimal_headers(name)
        del headers['Content-Type']
        image = self.api.create_ok(headers)
        self.assertEqual('queued', image['status'])
        return image['id']

    def race(self, image_id, bodies, headers=None):
        """PUT each body (with its headers) to *image_id* at once; return
        the answers."""
        barrier = threading.Barrier(len(bodies))
        answers = [None] * len(bodies)
        headers = headers or [{'Content-Type': 'application/octet-stream'}
                              for _ in bodies]

        def put(index):
            barrier.wait()
            answers[index] = self.api.request(
                'PUT', '/v1/images/%s' % image_id, headers[index],
                bodies[index])

        threads = [threading.Thread(target=put, args=(index,))
                   for index in range(len(bodies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(v1.TIMEOUT * 2)
        return answers

    def test_concurrent_uploads_one_winner(self):
        for round_ in range(ROUNDS):
            image_id = self.queued_image('Race %d' % round_)
            bodies = [os.urandom(64 * 1024), os.urandom(64 * 1024)]
            answers = self.race(image_id, bodies)
            statuses = sorted(answer[0] for answer in answers)
            self.assertEqual([200, 409], statuses,
                             [answer[2][:200] for answer in answers])
            winner = [index for index, answer in enumerate(answers)
                      if answer[0] == 200][0]
            loser = answers[1 - winner]
            self.assertIn(UNQUEUED, loser[2])
            status, headers, data = self.api.request(
                'GET', '/v1/images/%s' % image_id)
            self.assertEqual(200, status)
            self.assertEqual('active', headers['x-image-meta-status'])
            self.assertEqual(v1.md5(bodies[winner]),
                             headers['x-image-meta-checksum'])
            self.assertEqual(bodies[winner], data)
        self.assertEqual(ROUNDS, len(v1.image_files(
            self.api_server.image_dir)))

    def test_concurrent_locations_one_winner(self):
        remote = v1.RemoteData(b'remote data')
        self.addCleanup(remote.close)
        for round_ in range(5):
            image_id = self.queued_image()
            headers = [{'X-Image-Meta-Location': remote.url(),
                        'X-Image-Meta-Name': 'Winner %d' % index}
                       for index in range(2)]
            answers = self.race(image_id, [None, None], headers)
            statuses = [answer[0] for answer in answers]
            self.assertIn(200, statuses, answers)
            winner = statuses.index(200)
            loser = answers[1 - winner]
            # Refused by the compare-and-set, or seen active already.
            expected = {409: b'Image operation conflicts',
                        400: b'Attempted to update Location field for an '
                        b'image not in queued status.'}
            self.assertIn(loser[0], expected, loser)
            self.assertIn(expected[loser[0]], loser[2])
            _, meta, _ = self.api.head(image_id)
            self.assertEqual(('active', 'Winner %d' % winner),
                             (meta['x-image-meta-status'],
                              meta['x-image-meta-name']))

    def test_upload_to_requeued_active_image(self):
        image = self.api.create_ok(v1.minimal_headers('Active'), b'first')
        path = '/v1/images/%s' % image['id']
        # The API refuses to requeue it (2014.1 did not): a queued image
        # would keep a file behind it.
        status, _, _ = self.api.request(
            'PUT', path, {'X-Image-Meta-Status': 'queued'})
        self.assertEqual(403, status)
        self.assertEqual('active', self.api.status_of(image['id']))
        # Requeued behind the API's back, the file is still never lost.
        self.run_sql_cmd("UPDATE images SET status='queued' WHERE id='%s'"
                         % image['id'])
        status, _, body = self.api.request(
            'PUT', path, {'Content-Type': 'application/octet-stream'},
            b'second')
        self.assertEqual(409, status, body)
        self.assertIn(b'Attempt to upload duplicate image', body)
        # Back to what the client set, never left saving; data intact.
        self.assertEqual('queued', self.api.status_of(image['id']))
        with open(os.path.join(self.api_server.image_dir,
                               image['id']), 'rb') as handle:
            self.assertEqual(b'first', handle.read())

    def test_upload_to_saving_image_changes_nothing(self):
        image_id = self.queued_image()
        self.run_sql_cmd("UPDATE images SET status='saving', name='Kept' "
                         "WHERE id='%s'" % image_id)
        status, _, body = self.api.request(
            'PUT', '/v1/images/%s' % image_id,
            {'Content-Type': 'application/octet-stream',
             'X-Image-Meta-Name': 'Changed'}, b'data')
        self.assertEqual(409, status, body)
        self.assertIn(UNQUEUED, body)
        _, headers, _ = self.api.head(image_id)
        self.assertEqual(('saving', 'Kept'),
                         (headers['x-image-meta-status'],
                          headers['x-image-meta-name']))
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    # -- members -----------------------------------------------------

    def members(self, image_id):
        status, _, body = self.api.request(
            'GET', '/v1/images/%s/members' % image_id)
        self.assertEqual(200, status)
        return json.loads(body)['members']

    def test_bad_member_lists_change_nothing(self):
        image_id = self.queued_image()
        path = '/v1/images/%s/members' % image_id
        good = {'memberships': [{'member_id': 'alice', 'can_share': True},
                                {'member_id': 'bob'}]}
        self.assertEqual(204, self.api.request(
            'PUT', path, {}, json.dumps(good).encode())[0])
        before = self.members(image_id)
        for bad, message in (
                ('', 'Invalid member_id "": it must be a non-empty string'),
                (None, 'Invalid member_id null: it must be a non-empty'),
                ({'a': 1}, 'Invalid member_id {"a": 1}: it must be'),
                ([], 'Invalid member_id []: it must be a non-empty'),
                (7, 'Invalid member_id 7: it must be a non-empty string'),
                ('m' * 256, 'Invalid member_id: longer than 255')):
            body = {'memberships': [{'member_id': 'carol'},
                                    {'member_id': bad}]}
            status, _, answer = self.api.request(
                'PUT', path, {}, json.dumps(body).encode())
            self.assertEqual(400, status, (bad, answer))
            self.assertIn(b'Invalid membership association: '
                          + message.encode(), answer)
            self.assertEqual(before, self.members(image_id))
        status, _, answer = self.api.request('PUT', path + '/' + 'm' * 256)
        self.assertEqual(400, status, answer)
        self.assertEqual(before, self.members(image_id))

    def test_registry_refuses_bad_member_lists_too(self):
        image_id = self.queued_image()
        path = '/images/%s/members' % image_id
        good = {'memberships': [{'member_id': 'alice'}]}
        self.assertEqual(204, http.request(
            self.registry_port, 'PUT', path,
            body=json.dumps(good).encode())[0])
        for bad in ('', None, {}, [], 'm' * 256):
            body = {'memberships': [{'member_id': 'bob'},
                                    {'member_id': bad}]}
            status, _, answer = http.request(
                self.registry_port, 'PUT', path,
                body=json.dumps(body).encode())
            self.assertEqual(400, status, (bad, answer))
            self.assertIn(b'Invalid membership association: Invalid '
                          b'member_id', answer)
        status, _, answer = http.request(self.registry_port, 'GET', path)
        self.assertEqual({'members': [{'member_id': 'alice',
                                       'can_share': False}]},
                         json.loads(answer))

    # -- disk space ----------------------------------------------------

    def allocated(self):
        """``(name, bytes allocated)`` of every file of the image dir."""
        image_dir = self.api_server.image_dir
        return [(name, os.stat(os.path.join(image_dir, name)).st_blocks
                 * 512) for name in v1.image_files(image_dir)]

    def test_declared_length_reserves_no_more_than_a_step(self):
        declared = 1 << 30
        upload = v1.RawUpload(self.api_port, '/v1/images', [
            'Content-Type: application/octet-stream',
            'Content-Length: %d' % declared,
            'X-Image-Meta-Name: Declared',
            'X-Image-Meta-Disk-Format: raw',
            'X-Image-Meta-Container-Format: ovf'])
        self.addCleanup(upload.close)
        sent = 2 << 20
        upload.send(b'x' * sent)
        # The partial file gets its first reservation once data arrived:
        # a step ahead of it (16 MiB), not the 1 GiB declared.
        [(name, reserved)] = v1.wait_for(
            lambda: [entry for entry in self.allocated() if entry[1]])
        self.assertIn('.partial-', name)
        self.assertLess(reserved, sent + (32 << 20))
        upload.close()
        v1.wait_for(lambda: not v1.image_files(self.api_server.image_dir))


class TestLimitsBeforeData(functional.FunctionalTest):
    """``image_size_cap`` and ``user_storage_quota`` refuse a declared
    length before a byte of the body is read or a file is opened."""

    def setUp(self):
        super().setUp()
        self.start_servers(user_storage_quota=100, **self.__dict__.copy())

    def declare(self, length):
        upload = v1.RawUpload(self.api_port, '/v1/images', [
            'Content-Type: application/octet-stream',
            'Content-Length: %d' % length,
            'X-Image-Meta-Name: Declared',
            'X-Image-Meta-Disk-Format: raw',
            'X-Image-Meta-Container-Format: ovf'])
        self.addCleanup(upload.close)
        # No body is sent: the answer must come without it.
        return upload.read_response()

    def test_cap_and_quota_answer_before_the_body(self):
        for length, status, message in (
                ((1 << 40) + 1, b'400', b'Denying attempt to upload image '
                 b'larger than 1099511627776 bytes.'),
                (500, b'413', b'Denying attempt to upload image because it '
                 b'exceeds the .quota')):
            answer = self.declare(length)
            self.assertTrue(answer.startswith(b'HTTP/1.1 ' + status),
                            answer[:200])
            self.assertIn(message, answer)
            self.assertEqual([], v1.image_files(self.api_server.image_dir))
