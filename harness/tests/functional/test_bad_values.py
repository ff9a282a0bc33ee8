"""Bad values are 400s, not 500s (issue 7 C), in the v1 API, the
registry and every list filter -- on whichever database the run uses.

Each case checks the status, the message, and that nothing changed.
"""

import json

from harness.glance import functional
from harness.tests.functional import client as http
from harness.tests.functional import v1_support as v1

BIG = 1 << 63
INT = 1 << 31
DEEP = b'[' * 100000
EARLY = '0001-01-01T00:00:00+01:00'
LATE = '9999-12-31T23:59:59-01:00'


def _query(value):
    return value.replace('+', '%2B')


class BadValuesBase(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.start_servers(**self.__dict__.copy())

    def assertAnswer(self, status, message, answer):
        self.assertEqual(status, answer[0], answer[2])
        self.assertIn(message.encode('utf-8'), answer[2])

    def registry(self, method, path, body=None):
        if isinstance(body, str):
            body = body.encode('utf-8')
        elif body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode('utf-8')
        headers = {'Content-Type': 'application/json'} if body else {}
        return http.request(self.registry_port, method, path,
                            headers=headers, body=body)

    def registry_image(self, image_id):
        status, _, body = self.registry('GET', '/images/%s' % image_id)
        self.assertEqual(200, status)
        return json.loads(body)['image']

    def all_images(self):
        return self.api.list('?is_public=None')

    def new_image(self):
        return self.api.create_ok(v1.minimal_headers('Kept', **{
            'X-Image-Meta-Property-Kept': 'yes'}), b'data')


class TestApiBadValues(BadValuesBase):

    def test_integers_outside_their_columns(self):
        for header, field, value in (('X-Image-Meta-Size', 'size', BIG),
                                     ('X-Image-Meta-Min-Ram', 'min_ram', INT),
                                     ('X-Image-Meta-Min-Disk', 'min_disk',
                                      INT)):
            headers = v1.minimal_headers('Big', **{header: str(value)})
            del headers['Content-Type']
            self.assertAnswer(400, "Image %s must be <= %d ('%d' specified)."
                              % (field, value - 1, value),
                              self.api.create(headers))
        self.assertEqual([], self.all_images())
        image = self.new_image()
        self.assertAnswer(400, "Image min_ram must be <= %d" % (INT - 1),
                          self.api.request('PUT', '/v1/images/%s'
                                           % image['id'],
                                           {'X-Image-Meta-Min-Ram': str(INT),
                                            'X-Image-Meta-Name': 'Changed'}))
        _, headers, _ = self.api.head(image['id'])
        self.assertEqual(('0', 'Kept'), (headers['x-image-meta-min_ram'],
                                         headers['x-image-meta-name']))

    def test_integer_filters_out_of_range(self):
        self.new_image()
        for name, value in (('size_min', BIG), ('size_max', BIG),
                            ('min_ram', INT), ('min_disk', INT)):
            for path in ('/v1/images', '/v1/images/detail'):
                self.assertAnswer(
                    400, 'Bad value passed to filter %s got %d'
                    % (name, value),
                    self.api.request('GET', '%s?%s=%d'
                                     % (path, name, value)))
            self.assertEqual(200, self.api.request(
                'GET', '/v1/images?%s=%d' % (name, value - 1))[0])

    def test_declared_size_over_cap_with_a_body(self):
        headers = v1.minimal_headers('Declared', **{
            'X-Image-Meta-Size': str((1 << 40) + 1)})
        self.assertAnswer(400, 'Denying attempt to upload image larger than '
                          '1099511627776 bytes.',
                          self.api.create(headers, b'data'))
        self.assertEqual([], self.all_images())
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def test_changes_since_out_of_range(self):
        for value in (EARLY, LATE, '2014-13-01T00:00:00'):
            self.assertAnswer(400, 'Unrecognized changes-since value',
                              self.api.request(
                                  'GET', '/v1/images?changes-since=%s'
                                  % _query(value)))
        self.assertEqual(200, self.api.request(
            'GET', '/v1/images?changes-since=2014-01-01T00:00:00Z')[0])

    def test_percent_escapes_not_utf8(self):
        image = self.new_image()
        for method in ('GET', 'HEAD', 'PUT', 'DELETE'):
            status, _, body = self.api.request(method, '/v1/images/%FF%FE')
            self.assertEqual(404, status, (method, body))
        self.assertAnswer(404, 'The path of the request is not UTF-8.',
                          self.api.request('GET',
                                           '/v1/images/%FF/members'))
        for query in ('name=%FF', 'property-x=%C3', '%FF=1'):
            self.assertAnswer(400, 'The query string of the request is not '
                              'UTF-8.', self.api.request(
                                  'GET', '/v1/images/detail?' + query))
        # UTF-8 escapes still work, and nothing changed.
        self.assertEqual(200, self.api.request(
            'GET', '/v1/images?name=caf%C3%A9')[0])
        self.assertEqual([image['id']],
                         [entry['id'] for entry in self.all_images()])

    def test_deeply_nested_member_body(self):
        image = self.new_image()
        path = '/v1/images/%s/members' % image['id']
        self.assertEqual(204, self.api.request('PUT', path + '/alice')[0])
        for body in (DEEP, b'{"memberships": ' + b'[' * 65 + b']' * 65
                     + b'}'):
            self.assertAnswer(400, 'JSON body nested deeper than 64 levels.',
                              self.api.request('PUT', path, {}, body))
        self.assertAnswer(400, 'Number out of range in JSON body: NaN',
                          self.api.request('PUT', path, {},
                                           b'{"memberships": NaN}'))
        status, _, body = self.api.request('GET', path)
        self.assertEqual([{'member_id': 'alice', 'can_share': False}],
                         json.loads(body)['members'])

    def test_nul_in_ids_and_filters_matches_nothing(self):
        image = self.new_image()
        for path in ('/v1/images/a%00b', '/v1/images/%s%%00' % image['id'],
                     '/v1/images/a%00b/members'):
            self.assertEqual(404, self.api.request('GET', path)[0], path)
        for query in ('name=Kept%00', 'property-kept=yes%00',
                      'property-k%00=yes', 'status=active%00'):
            self.assertEqual([], self.api.list('?' + query), query)
        self.assertEqual([image['id']], [
            entry['id'] for entry in self.api.list('?name=Kept')])
        self.assertEqual(200, self.api.request(
            'GET', '/v1/shared-images/a%00b')[0])
        path = '/v1/images/%s/members/a%%00b' % image['id']
        self.assertAnswer(400, 'Invalid membership association: Invalid '
                          'value for member_id: it holds a NUL character',
                          self.api.request('PUT', path))
        self.assertEqual(404, self.api.request('DELETE', path)[0])


class TestRegistryBadValues(BadValuesBase):

    def test_strings_no_column_holds(self):
        for raw, message in (
                (b'{"image": {"status": "active", "name": "\\ud800"}}',
                 'Invalid string in JSON body: a lone surrogate escape'),
                (b'{"image": {"status": "active", "name": "a\\u0000"}}',
                 'Invalid value for name: it holds a NUL character'),
                (b'{"image": {"status": "active", "properties": '
                 b'{"a": "\\u0000"}}}',
                 'Invalid value for property a: it holds a NUL'),
                (b'{"image": {"status": "active", "name": ["x"]}}',
                 'Invalid value ["x"] for name: it must be a string'),
                (b'{"image": {"status": "active", "owner": {"a": 1}}}',
                 'Invalid value {"a": 1} for owner: it must be a string'),
                (b'{"image": {"status": "active", "size": 1.5}}',
                 "Invalid value '1.5' for size: not an integer"),
                (b'{"image": {"status": "active", "location_data": 5}}',
                 'Invalid location_data: 5 (not a list)'),
                (b'{"image": {"status": "active", "location_data": '
                 b'[{"url": "http://a/b", "metadata": 5}]}}',
                 'Invalid location: ')):
            self.assertAnswer(400, message,
                              self.registry('POST', '/images', raw))
        self.assertEqual([], self.all_images())

    def test_numbers_out_of_range(self):
        for raw, message in (
                (b'{"image": {"status": "active", "size": 1e400}}',
                 'Number out of range in JSON body: 1e400'),
                (b'{"image": {"status": "active", "size": -Infinity}}',
                 'Number out of range in JSON body: -Infinity'),
                (json.dumps({'image': {'status': 'active', 'size': BIG}}),
                 "Invalid value '%d' for size: out of range" % BIG),
                (json.dumps({'image': {'status': 'active',
                                       'min_ram': INT}}),
                 "Invalid value '%d' for min_ram: out of range" % INT),
                (json.dumps({'image': {'status': 'active',
                                       'min_disk': -INT - 1}}),
                 "Invalid value '%d' for min_disk: out of range"
                 % (-INT - 1))):
            self.assertAnswer(400, message,
                              self.registry('POST', '/images', raw))
        self.assertEqual([], self.all_images())
        image = self.new_image()
        before = self.registry_image(image['id'])
        for values in ({'size': BIG, 'name': 'Changed'},
                       {'min_disk': INT, 'name': 'Changed'}):
            self.assertAnswer(400, 'Failed to update image metadata. Got '
                              'error: Invalid value',
                              self.registry('PUT', '/images/%s'
                                            % image['id'],
                                            {'image': values}))
        self.assertEqual(before, self.registry_image(image['id']))

    def test_dates_out_of_range(self):
        for value in (EARLY, LATE):
            self.assertAnswer(400, 'Failed to add image metadata. Got '
                              "error: Invalid value '",
                              self.registry('POST', '/images', {'image': {
                                  'status': 'active', 'created_at': value}}))
            self.assertAnswer(400, 'Unrecognized changes-since value',
                              self.registry('GET', '/images?changes-since=%s'
                                            % _query(value)))
        self.assertEqual([], self.all_images())

    def test_filters_out_of_range(self):
        self.new_image()
        for query, message in (
                ('size_min=%d' % BIG, 'Unable to filter on a range with a '
                 'value out of range: %d' % BIG),
                ('size_max=-%d' % (BIG + 1), 'Unable to filter on a range '
                 'with a value out of range'),
                ('min_ram=%d' % INT, "Invalid value '%d' for min_ram: out "
                 "of range" % INT),
                ('min_disk=%d' % INT, "Invalid value '%d' for min_disk: "
                 "out of range" % INT)):
            for path in ('/images', '/images/detail'):
                self.assertAnswer(400, message, self.registry(
                    'GET', '%s?%s' % (path, query)))

    def test_properties_must_be_an_object(self):
        for properties in ([1], 'x', 7, {'a': {'b': 1}}, {'a': [1]}):
            status, _, body = self.registry('POST', '/images', {'image': {
                'status': 'active', 'properties': properties}})
            self.assertEqual(400, status, (properties, body))
            self.assertIn(b'Failed to add image metadata. Got error: ', body)
        self.assertEqual([], self.all_images())
        image = self.new_image()
        before = self.registry_image(image['id'])
        for properties in ([1], 'x', {'a': {'b': 1}}):
            self.assertAnswer(400, 'Failed to update image metadata. Got '
                              'error: ', self.registry(
                                  'PUT', '/images/%s' % image['id'],
                                  {'image': {'name': 'Changed',
                                             'properties': properties}}))
        self.assertEqual(before, self.registry_image(image['id']))

    def test_deeply_nested_bodies(self):
        image = self.new_image()
        before = self.registry_image(image['id'])
        for method, path in (('POST', '/images'),
                             ('PUT', '/images/%s' % image['id']),
                             ('PUT', '/images/%s/members' % image['id']),
                             ('POST', '/rpc')):
            self.assertAnswer(400, 'JSON body nested deeper than 64 levels.',
                              self.registry(method, path, DEEP))
        self.assertEqual(before, self.registry_image(image['id']))
        self.assertEqual([image['id']],
                         [entry['id'] for entry in self.all_images()])

    def test_percent_escapes_not_utf8(self):
        self.assertAnswer(404, 'The path of the request is not UTF-8.',
                          self.registry('GET', '/images/%FF%FE'))
        self.assertAnswer(400, 'The query string of the request is not '
                          'UTF-8.', self.registry('GET', '/images?name=%FF'))
        self.assertEqual(200, self.registry('GET', '/images')[0])
