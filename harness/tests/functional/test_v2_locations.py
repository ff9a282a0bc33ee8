"""Locations and direct URLs through the v2 API over real HTTP."""

import os

from harness.glance import functional
from harness.tests.functional import client
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

SHOWN = {'show_multiple_locations': True, 'show_image_direct_url': True}


class V2LocationsTest(functional.FunctionalTest):
    """fakeauth servers started with :attr:`server_args`, and three local
    HTTP servers serving the same data (``self.remotes``)."""

    server_args = SHOWN

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.data = os.urandom(10000)
        self.remotes = []
        for _ in range(3):
            remote = v1.RemoteData(self.data)
            self.addCleanup(remote.close)
            self.remotes.append(remote)
        self.urls = [remote.url() for remote in self.remotes]
        args = self.__dict__.copy()
        args.update(self.server_args)
        self.start_servers(**args)
        self.owner = v2.V2(self.api_port, v2.TENANT1)

    def new_image(self, **attrs):
        attrs.setdefault('name', 'located')
        attrs.setdefault('disk_format', 'raw')
        attrs.setdefault('container_format', 'bare')
        return self.owner.create(**attrs)['id']

    def upload(self, image_id, data):
        headers = dict(self.owner.headers,
                       **{'Content-Type': 'application/octet-stream'})
        status, _, body = client.request(
            self.api_port, 'PUT', '/v2/images/%s/file' % image_id, headers,
            data)
        self.assertEqual(204, status, body)

    def patch(self, image_id, *ops):
        return self.owner.patch(image_id, list(ops))

    def patch_ok(self, image_id, *ops):
        status, _, body = self.patch(image_id, *ops)
        self.assertEqual(200, status, body)
        return self.owner.json('GET', '/images/%s' % image_id)

    def assertPatchFails(self, image_id, status, message, *ops):
        got, _, body = self.patch(image_id, *ops)
        self.assertEqual(status, got, body)
        self.assertIn(message.encode(), body)

    @staticmethod
    def add(url, index='-'):
        return {'op': 'add', 'path': '/locations/%s' % index,
                'value': {'url': url, 'metadata': {}}}

    def file_url(self, image_id):
        return 'file://%s/%s' % (self.api_server.image_dir, image_id)

    def download(self, image_id):
        return self.owner.request('GET', '/images/%s/file' % image_id)


class TestV2Locations(V2LocationsTest):

    def test_uploaded_data_is_shown(self):
        image_id = self.new_image()
        image = self.owner.json('GET', '/images/%s' % image_id)
        self.assertEqual([], image['locations'])
        self.assertNotIn('direct_url', image)
        self.upload(image_id, b'data')
        image = self.owner.json('GET', '/images/%s' % image_id)
        url = self.file_url(image_id)
        self.assertEqual([{'url': url, 'metadata': {}}], image['locations'])
        self.assertEqual(url, image['direct_url'])

    def test_add_remote_location_activates(self):
        image_id = self.new_image()
        image = self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertEqual(('active', len(self.data)),
                         (image['status'], image['size']))
        self.assertEqual([{'url': self.urls[0], 'metadata': {}}],
                         image['locations'])
        self.assertEqual(self.urls[0], image['direct_url'])
        status, _, body = self.download(image_id)
        self.assertEqual((200, self.data), (status, body))
        image = self.patch_ok(image_id, self.add(self.urls[1], 0))
        self.assertEqual([self.urls[1], self.urls[0]],
                         [loc['url'] for loc in image['locations']])

    def test_invalid_locations(self):
        image_id = self.new_image()
        for url in ('foo://bar', self.remotes[0].url('/missing'),
                    'file:///etc/passwd', self.file_url(image_id)):
            self.assertPatchFails(image_id, 400, 'Invalid location: ' + url,
                                  self.add(url))
        self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertPatchFails(
            image_id, 400, 'The location %s already exists' % self.urls[0],
            self.add(self.urls[0]))
        self.assertPatchFails(image_id, 400, 'Invalid position for adding '
                              'a location.', self.add(self.urls[1], 'x'))
        self.assertPatchFails(image_id, 400, 'Invalid position for removing '
                              'a location.', {'op': 'remove',
                                              'path': '/locations/5'})
        self.assertEqual(1, len(self.owner.json(
            'GET', '/images/%s' % image_id)['locations']))

    def test_location_quota(self):
        image_id = self.new_image()
        self.patch_ok(image_id, self.add(self.urls[0]))
        self.patch_ok(image_id, self.add(self.urls[1]))
        third = self.urls[2]
        self.assertPatchFails(
            image_id, 413, 'The limit has been exceeded on the number of '
            'allowed image locations. Attempted: 3, Maximum: 2',
            self.add(third))
        other = self.new_image()
        self.assertPatchFails(
            other, 413, 'Attempted: 3, Maximum: 2',
            {'op': 'replace', 'path': '/locations',
             'value': [{'url': url, 'metadata': {}}
                       for url in self.urls]})
        self.assertEqual('queued', self.owner.json(
            'GET', '/images/%s' % other)['status'])

    def test_replace_and_remove(self):
        image_id = self.new_image()
        self.upload(image_id, b'local data')
        self.assertPatchFails(
            image_id, 400, 'Cannot replace locations from a non-empty list '
            'to a non-empty list.',
            {'op': 'replace', 'path': '/locations',
             'value': [{'url': self.urls[0], 'metadata': {}}]})
        image = self.patch_ok(image_id, {'op': 'replace',
                                         'path': '/locations', 'value': []})
        self.assertEqual(('queued', []), (image['status'],
                                          image['locations']))
        self.assertNotIn('size', image)
        self.assertEqual([], v1.image_files(self.api_server.image_dir))
        self.assertEqual(204, self.download(image_id)[0])
        image = self.patch_ok(
            image_id, {'op': 'replace', 'path': '/locations',
                       'value': [{'url': url, 'metadata': {'n': i}}
                                 for i, url in enumerate(self.urls[:2])]})
        self.assertEqual(('active', len(self.data)),
                         (image['status'], image['size']))
        image = self.patch_ok(image_id, {'op': 'remove',
                                         'path': '/locations/0'})
        self.assertEqual([{'url': self.urls[1], 'metadata': {'n': 1}}],
                         image['locations'])
        image = self.patch_ok(image_id, {'op': 'remove',
                                         'path': '/locations/-'})
        self.assertEqual(('queued', []), (image['status'],
                                          image['locations']))

    def test_missing_formats(self):
        image_id = self.owner.create(name='no formats')['id']
        self.assertPatchFails(
            image_id, 400, 'Properties disk_format, container_format must '
            'be set prior to saving data.', self.add(self.urls[0]))

    def test_download_falls_back_then_fails(self):
        image_id = self.new_image()
        self.patch_ok(image_id, self.add(self.urls[0]),
                      self.add(self.urls[1]))
        self.remotes[0].close()
        self.assertEqual((200, self.data), self.download(image_id)[::2])
        self.remotes[1].close()
        status, _, body = self.download(image_id)
        self.assertEqual(404, status, body)

    def test_location_policies(self):
        image_id = self.new_image()
        self.set_policy_rules({'set_image_location': '!', 'default': ''})
        self.assertEqual(403, self.patch(image_id, self.add(self.urls[0]))[0])
        self.set_policy_rules({'delete_image_location': '!',
                               'default': ''})
        self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertEqual(403, self.patch(
            image_id, {'op': 'remove', 'path': '/locations/0'})[0])
        self.set_policy_rules({'get_image_location': '!', 'default': ''})
        self.assertEqual(403, self.owner.request(
            'GET', '/images/%s' % image_id)[0])
        self.assertEqual(403, self.download(image_id)[0])


class TestV2StoreTypeStrategy(V2LocationsTest):

    server_args = dict(SHOWN, location_strategy='store_type',
                       store_type_location_strategy_preference=(
                           ' http, , swift, filesystem'))

    def test_preferred_store_first(self):
        image_id = self.new_image()
        local = os.urandom(len(self.data))
        self.upload(image_id, local)
        image = self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertEqual([self.urls[0], self.file_url(image_id)],
                         [loc['url'] for loc in image['locations']])
        self.assertEqual(self.urls[0], image['direct_url'])
        # Downloads follow the same order: the remote serves first (its
        # bytes differ from the local copy's, so the body tells).
        self.assertEqual((200, self.data), self.download(image_id)[::2])
        self.remotes[0].close()
        self.assertEqual((200, local), self.download(image_id)[::2])


class TestV2LocationOrderStrategy(V2LocationsTest):

    def test_stored_order(self):
        image_id = self.new_image()
        local = os.urandom(len(self.data))
        self.upload(image_id, local)
        image = self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertEqual([self.file_url(image_id), self.urls[0]],
                         [loc['url'] for loc in image['locations']])
        self.assertEqual(self.file_url(image_id), image['direct_url'])
        self.assertEqual((200, local), self.download(image_id)[::2])


class TestV2LocationsHidden(V2LocationsTest):

    server_args = {'show_multiple_locations': False,
                   'show_image_direct_url': False}

    def test_no_keys_but_changes(self):
        image_id = self.new_image()
        self.upload(image_id, b'data')
        image = self.owner.json('GET', '/images/%s' % image_id)
        self.assertNotIn('locations', image)
        self.assertNotIn('direct_url', image)
        # 2014.1.5: the option only hides them; a PATCH still works.
        image_id = self.new_image()
        image = self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertEqual('active', image['status'])
        self.assertNotIn('locations', image)
        self.assertEqual((200, self.data), self.download(image_id)[::2])
        image = self.patch_ok(image_id,
                              {'op': 'remove', 'path': '/locations/0'})
        self.assertEqual('queued', image['status'])


class TestV2LocationStorageQuota(V2LocationsTest):

    server_args = dict(SHOWN, user_storage_quota=15000)

    def test_location_counts_against_quota(self):
        image_id = self.new_image()
        self.patch_ok(image_id, self.add(self.urls[0]))
        self.assertPatchFails(
            image_id, 413, 'Denying attempt to upload image because it '
            'exceeds the .quota', self.add(self.urls[1]))
        self.assertEqual(1, len(self.owner.json(
            'GET', '/images/%s' % image_id)['locations']))


class TestV2LocationStrategyStartup(functional.FunctionalTest):

    def test_unknown_strategy_fails_startup(self):
        kwargs = self.__dict__.copy()
        kwargs['location_strategy'] = 'bogus'
        rc, _, err = self.api_server.start(expect_exit=True,
                                           expected_exitcode=1, **kwargs)
        self.assertEqual(1, rc)
        self.assertIn('Invalid location_strategy option: bogus. The valid '
                      'strategy option(s) is(are): location_order, '
                      'store_type', err)
        self.assertNotIn('Traceback', err)
