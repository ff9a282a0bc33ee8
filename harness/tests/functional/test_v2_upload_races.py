"""Racing v2 uploads against a launched stack (issue 13): two uploads, or an
upload and a PATCH, end as if run one after the other, with no stray
files.  Member, tag and PATCH races are in :mod:`test_v2_races`."""

import os

from harness.glance import functional
from harness.tests.functional import v2_support as v2
from harness.tests.functional.test_v2_races import race

ROUNDS = 5


class TestV2UploadRaces(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.start_servers(**self.__dict__.copy())
        self.api = v2.V2(self.api_port)

    def new_image(self):
        return self.api.create(name='race', disk_format='raw',
                               container_format='bare')['id']

    def upload(self, image_id, data):
        return lambda: self.api.request(
            'PUT', '/images/%s/file' % image_id, data,
            {'Content-Type': 'application/octet-stream'})[0]

    def test_racing_uploads_one_wins_whole(self):
        for _ in range(ROUNDS):
            image_id = self.new_image()
            first, second = b'a' * 300000, b'b' * 200000
            statuses = race(self.upload(image_id, first),
                            self.upload(image_id, second))
            self.assertEqual([204, 409], sorted(statuses))
            image = self.api.json('GET', '/images/' + image_id)
            winner = first if statuses[0] == 204 else second
            self.assertEqual(('active', len(winner)),
                             (image['status'], image['size']))
            status, _, body = self.api.request(
                'GET', '/images/%s/file' % image_id)
            self.assertEqual((200, winner), (status, body))
        # One file per image, nothing partial or hidden left behind.
        files = os.listdir(self.api_server.image_dir)
        self.assertEqual(ROUNDS, len(files), files)

    def test_racing_patch_and_upload_end_in_one_order(self):
        # disk_format may change only while the image is queued: either
        # the PATCH came first (200, the upload stored data of the new
        # format) or the upload did (the PATCH is refused, format kept).
        for _ in range(ROUNDS):
            image_id = self.new_image()
            ops = [{'op': 'replace', 'path': '/disk_format',
                    'value': 'qcow2'},
                   {'op': 'add', 'path': '/raced', 'value': 'yes'}]
            patched, uploaded = race(
                lambda: self.api.patch(image_id, ops)[0],
                self.upload(image_id, b'x' * 100000))
            self.assertEqual(204, uploaded)
            image = self.api.json('GET', '/images/' + image_id)
            self.assertEqual('active', image['status'])
            if patched == 200:
                self.assertEqual(('qcow2', 'yes'), (image['disk_format'],
                                                    image.get('raced')))
            else:
                self.assertIn(patched, (403, 409))
                self.assertEqual(('raw', None), (image['disk_format'],
                                                 image.get('raced')))
