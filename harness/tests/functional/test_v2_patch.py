"""PATCH and bad input on v2 images: each bad
request gets its 4xx and message, and nothing half-written is kept."""

import json

from harness.glance import functional
from harness.tests.functional import v2_support as v2


class TestV2Patch(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.start_servers(**self.__dict__.copy())
        self.api = v2.V2(self.api_port)

    def assertAnswer(self, status, message, response):
        got, _, body = response
        self.assertEqual(status, got, body)
        self.assertIn(message.encode('utf-8'), body)

    def assertUnchanged(self, image):
        now = self.api.json('GET', '/images/' + image['id'])
        self.assertEqual(image, now)

    def test_patch_operations_both_media_types(self):
        image = self.api.create(name='p', foo='bar', disk_format='raw')
        status, _, body = self.api.patch(image['id'], [
            {'op': 'replace', 'path': '/name', 'value': 'renamed'},
            {'op': 'add', 'path': '/new~1prop', 'value': 'x'},
            {'op': 'replace', 'path': '/foo', 'value': 'baz'},
            {'op': 'replace', 'path': '/tags', 'value': ['a', 'b', 'a']},
            {'op': 'replace', 'path': '/min_ram', 'value': 512},
            {'op': 'replace', 'path': '/visibility', 'value': 'public'},
            {'op': 'replace', 'path': '/disk_format', 'value': 'qcow2'}])
        self.assertEqual(200, status, body)
        patched = json.loads(body)
        self.assertEqual(
            ('renamed', 'x', 'baz', ['a', 'b'], 512, 'public', 'qcow2'),
            (patched['name'], patched['new/prop'], patched['foo'],
             patched['tags'], patched['min_ram'], patched['visibility'],
             patched['disk_format']))
        self.assertEqual(patched, self.api.json('GET',
                                                '/images/' + image['id']))
        status, _, body = self.api.patch(image['id'], [
            {'remove': '/foo'}, {'add': '/zip', 'value': 'zap'},
            {'replace': '/name', 'value': 'v20'}], v2.PATCH_V20)
        self.assertEqual(200, status, body)
        patched = json.loads(body)
        self.assertNotIn('foo', patched)
        self.assertEqual(('zap', 'v20'), (patched['zip'], patched['name']))
        # An empty patch changes nothing, not even updated_at.
        status, _, body = self.api.patch(image['id'], [])
        self.assertEqual((200, patched), (status, json.loads(body)))

    def test_bad_patches_change_nothing(self):
        image = self.api.create(name='p', foo='bar')
        path = '/images/' + image['id']
        patch_type = {'Content-Type': v2.PATCH_V21}
        status, headers, _ = self.api.request(
            'PATCH', path, b'[]', {'Content-Type': 'application/json'})
        self.assertEqual(415, status)
        self.assertEqual({v2.PATCH_V20, v2.PATCH_V21},
                         set(headers['accept-patch'].split(', ')))
        self.assertAnswer(400, 'Malformed JSON in request body.',
                          self.api.request('PATCH', path, b'[{', patch_type))
        cases = [
            ({'op': 'add'}, 400, 'Request body must be a JSON array of '
             'operation objects.'),
            (['x'], 400, 'Operations must be JSON objects.'),
            ([{'path': '/foo'}], 400,
             "Unable to find 'op' in JSON Schema change"),
            ([{'op': 'add'}], 400,
             "Unable to find 'path' in JSON Schema change"),
            ([{'op': 'move', 'path': '/foo'}], 400,
             'Invalid operation: `move`'),
            ([{'op': 'add', 'path': '/x'}], 400,
             'Operation "add" requires a member named "value".'),
            ([{'op': 'add', 'path': 'x', 'value': 'y'}], 400,
             'Pointer `x` does not start with "/".'),
            ([{'op': 'add', 'path': '/a//b', 'value': 'y'}], 400,
             'Pointer `/a//b` contains adjacent "/".'),
            ([{'op': 'add', 'path': '/a/', 'value': 'y'}], 400,
             'Pointer `/a/` end with "/".'),
            ([{'op': 'add', 'path': '/a~2', 'value': 'y'}], 400,
             'Pointer `/a~2` contains "~" not part of a recognized escape '
             'sequence.'),
            ([{'op': 'add', 'path': '/a/b', 'value': 'y'}], 400,
             "Invalid JSON pointer for this resource: '/a/b'"),
            ([{'op': 'replace', 'path': '/status', 'value': 'active'}],
             403, "Attribute 'status' is read-only."),
            ([{'op': 'add', 'path': '/owner', 'value': 'me'}], 403,
             "Attribute 'owner' is reserved."),
            ([{'op': 'replace', 'path': '/id', 'value': 'x'}], 403,
             "Attribute 'id' is read-only."),
            ([{'op': 'remove', 'path': '/file'}], 403,
             "Attribute 'file' is read-only."),
            ([{'op': 'add', 'path': '/location', 'value': 'x'}], 403,
             "Attribute 'location' is reserved."),
            ([{'op': 'replace', 'path': '/visibility', 'value': 'all'}],
             400, "Provided object does not match schema 'image': 'all' is "
             "not one of ['public', 'private']"),
            ([{'op': 'add', 'path': '/num', 'value': 5}], 400,
             "Provided object does not match schema 'image': 5 is not of "
             "type 'string'"),
            ([{'op': 'replace', 'path': '/nope', 'value': 'x'}], 409,
             'Property nope does not exist.'),
            ([{'op': 'remove', 'path': '/nope'}], 409,
             'Property nope does not exist.'),
            ([{'op': 'add', 'path': '/foo', 'value': 'x'}], 409,
             'Property foo already present.'),
            ([{'op': 'add', 'path': '/name', 'value': 'x'}], 409,
             'Property name already present.'),
            ([{'op': 'remove', 'path': '/name'}], 403,
             'Property name may not be removed.'),
            ([{'op': 'replace', 'path': '/min_disk', 'value': -1}], 400,
             "Invalid value '-1' for parameter 'min_disk': Cannot be a "
             "negative value"),
        ]
        for ops, status, message in cases:
            # A good operation first: it must not be saved either.
            if isinstance(ops, list) and ops and isinstance(ops[0], dict):
                ops = [{'op': 'replace', 'path': '/name',
                        'value': 'half'}] + ops
            self.assertAnswer(status, message,
                              self.api.patch(image['id'], ops))
        self.assertAnswer(400, 'Operation objects must contain exactly one '
                          'member named "add", "remove", or "replace".',
                          self.api.patch(image['id'], [{'path': '/x'}],
                                         v2.PATCH_V20))
        self.assertAnswer(400, 'Operation objects must contain only one '
                          'member named "add", "remove", or "replace".',
                          self.api.patch(image['id'], [
                              {'add': '/a', 'remove': '/b', 'value': 'x'}],
                              v2.PATCH_V20))
        self.assertUnchanged(image)

    def test_disk_format_only_while_queued(self):
        image = self.api.create(name='f', disk_format='raw',
                                container_format='bare')
        status, _, body = self.api.request(
            'PUT', '/images/%s/file' % image['id'], b'data',
            {'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, status, body)
        self.assertAnswer(403, 'Attribute disk_format can be only replaced '
                          'for a queued image.', self.api.patch(image['id'], [
                              {'op': 'replace', 'path': '/disk_format',
                               'value': 'qcow2'}]))

    def test_create_bad_input(self):
        for body, status, message in (
                (b'{"name": ', 400, 'Malformed JSON in request body.'),
                (b'', 400, 'Body expected in request.'),
                ({'self': 'x'}, 403, "Attribute 'self' is read-only."),
                ({'status': 'active'}, 403,
                 "Attribute 'status' is read-only."),
                ({'size': 5}, 403, "Attribute 'size' is read-only."),
                ({'owner': 'x'}, 403, "Attribute 'owner' is reserved."),
                ({'is_public': 'true'}, 403,
                 "Attribute 'is_public' is reserved."),
                ({'id': 'not-a-uuid'}, 400, "Provided object does not match"
                 " schema 'image': 'not-a-uuid' does not match"),
                ({'name': 'n' * 256}, 400, "Provided object does not match "
                 "schema 'image': "),
                ({'disk_format': 'floppy'}, 400, "'floppy' is not one of"),
                ({'protected': 'yes'}, 400, "'yes' is not of type "
                 "'boolean'"),
                ({'min_ram': -1}, 400, "Invalid value '-1' for parameter "
                 "'min_ram': Cannot be a negative value"),
                (['a'], 400, "['a'] is not of type 'object'")):
            self.assertAnswer(status, message,
                              self.api.request('POST', '/images', body))
        self.assertEqual([], self.api.ids())
        image = self.api.create(name='dup')
        self.assertEqual(409, self.api.request(
            'POST', '/images', {'id': image['id'], 'name': 'again'})[0])
        self.assertEqual([image['id']], self.api.ids())


class TestV2Quotas(functional.FunctionalTest):
    """Harness quotas: 10 properties, 10 tags, 10 members."""

    def setUp(self):
        super().setUp()
        self.start_servers(**self.__dict__.copy())
        self.api = v2.V2(self.api_port)

    def assertTooLarge(self, message, response):
        status, _, body = response
        self.assertEqual(413, status, body)
        self.assertIn(message.encode(), body)

    def test_property_and_tag_quotas(self):
        props = {'p%d' % n: 'v' for n in range(11)}
        self.assertTooLarge('The limit has been exceeded on the number of '
                            'allowed image properties. Attempted: 11, '
                            'Maximum: 10',
                            self.api.request('POST', '/images', props))
        tags = ['t%d' % n for n in range(11)]
        self.assertTooLarge('The limit has been exceeded on the number of '
                            'allowed image tags. Attempted: 11, Maximum: '
                            '10', self.api.request('POST', '/images',
                                                   {'tags': tags}))
        self.assertEqual([], self.api.ids())
        image = self.api.create(tags=tags[:10], **dict(
            list(props.items())[:10]))
        path = '/images/' + image['id']
        self.assertTooLarge('Attempted: 11, Maximum: 10',
                            self.api.request('PUT', path + '/tags/t10'))
        self.assertEqual(204, self.api.request('PUT', path + '/tags/t0')[0])
        # That save moved updated_at; the refused changes below must not.
        image = self.api.json('GET', path)
        self.assertTooLarge('image properties. Attempted: 11', self.api.patch(
            image['id'], [{'op': 'add', 'path': '/p10', 'value': 'v'}]))
        self.assertTooLarge('image tags. Attempted: 11', self.api.patch(
            image['id'], [{'op': 'replace', 'path': '/tags',
                           'value': tags}]))
        self.assertEqual(image, self.api.json('GET', path))
        # Removing one makes room for another in the same patch.
        status, _, body = self.api.patch(image['id'], [
            {'op': 'remove', 'path': '/p0'},
            {'op': 'add', 'path': '/p10', 'value': 'v'}])
        self.assertEqual(200, status, body)

    def test_member_quota(self):
        image = self.api.create(name='shared')
        path = '/images/%s/members' % image['id']
        for number in range(10):
            self.api.json('POST', path, {'member': 'tenant%d' % number})
        self.assertTooLarge('The limit has been exceeded on the number of '
                            'allowed image members for this image. '
                            'Attempted: 11, Maximum: 10',
                            self.api.request('POST', path,
                                             {'member': 'one-more'}))
        self.assertEqual(10, len(self.api.json('GET', path)['members']))
