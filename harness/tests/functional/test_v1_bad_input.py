"""Bad input to the v1 API: each gets its 4xx and message, never a 5xx
or a hang, and nothing half-written is left behind."""

import json
import os

from harness.glance import functional
from harness.tests.functional import v1_support as v1


class TestV1BadInput(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api = v1.V1(self.api_port)
        self.start_servers(**self.__dict__.copy())

    def assertAnswer(self, expected_status, message, response):
        status, _, body = response
        self.assertEqual(expected_status, status, body)
        self.assertIn(message.encode('utf-8'), body)

    def assertNoFiles(self):
        self.assertEqual([], v1.image_files(self.api_server.image_dir))

    def assertStillServes(self):
        self.assertEqual(200, self.api.request('GET', '/v1/images')[0])

    def test_malformed_headers(self):
        for header, value, message in (
                ('X-Image-Meta-Bogus', 'x', 'Bad header: x-image-meta-bogus'),
                ('X-Image-Meta-Size', 'abc', "Invalid value 'abc' for "
                 "parameter 'size': Cannot convert image size 'abc' to an "
                 "integer."),
                ('X-Image-Meta-Min-Ram', '-1', "Image min_ram must be >= 0 "
                 "('-1' specified)."),
                ('X-Image-Meta-Disk-Format', 'floppy',
                 "Invalid disk format 'floppy' for image."),
                ('X-Image-Meta-Container-Format', 'zip',
                 "Invalid container format 'zip' for image."),
                ('X-Image-Meta-Name', 'n' * 256, 'Image name too long: 256'),
                ('X-Image-Meta-Container-Format', 'ami',
                 'Invalid mix of disk and container formats.')):
            headers = v1.minimal_headers('Bad')
            headers[header] = value
            self.assertAnswer(400, message,
                              self.api.create(headers, b'data'))
        self.assertEqual([], self.api.list('?is_public=None'))
        self.assertNoFiles()

    def test_bad_header_on_update(self):
        image = self.api.create_ok(v1.minimal_headers('Good'))
        self.assertAnswer(400, 'Bad header: x-image-meta-foo',
                          self.api.request('PUT', '/v1/images/%s'
                                           % image['id'],
                                           {'X-Image-Meta-Foo': '1'}))

    def test_oversized_header_line(self):
        headers = v1.minimal_headers('Big')
        headers['X-Image-Meta-Property-Big'] = 'x' * 20000
        status, _, _ = self.api.create(headers, b'data')
        self.assertEqual(400, status)
        self.assertEqual([], self.api.list('?is_public=None'))
        self.assertStillServes()

    def test_size_over_cap(self):
        headers = v1.minimal_headers('Huge', **{
            'X-Image-Meta-Size': str((1 << 40) + 1)})
        del headers['Content-Type']
        self.assertAnswer(400, 'Denying attempt to upload image larger than '
                          '1099511627776 bytes.', self.api.create(headers))
        self.assertEqual([], self.api.list('?is_public=None'))

    def test_wrong_content_type(self):
        image_id = v1.new_id()
        for content_type in ('text/plain', None):
            headers = v1.minimal_headers('Typed', **{
                'X-Image-Meta-Id': image_id})
            if content_type:
                headers['Content-Type'] = content_type
            else:
                del headers['Content-Type']
            self.assertAnswer(400, 'Content-Type must be '
                              'application/octet-stream',
                              self.api.create(headers, b'some data'))
            self.assertEqual('killed', self.api.status_of(image_id))
            image_id = v1.new_id()
        self.assertNoFiles()

    def test_data_without_formats(self):
        headers = {'Content-Type': 'application/octet-stream',
                   'X-Image-Meta-Name': 'NoFormats'}
        self.assertAnswer(400, "Invalid disk format 'None' for image.",
                          self.api.create(headers, b'data'))
        self.assertNoFiles()

    def test_duplicate_id(self):
        image_id = v1.new_id()
        headers = v1.minimal_headers('First', **{'X-Image-Meta-Id': image_id})
        self.api.create_ok(headers, b'first')
        headers['X-Image-Meta-Name'] = 'Second'
        self.assertAnswer(409, 'An image with identifier %s already exists'
                          % image_id, self.api.create(headers, b'second'))
        status, _, body = self.api.request('GET', '/v1/images/%s' % image_id)
        self.assertEqual((200, b'first'), (status, body))

    def test_dot_dot_ids(self):
        outside = os.path.join(self.test_dir, 'escaped')
        for image_id in ('../escaped', '../../escaped', '..'):
            headers = v1.minimal_headers('Escape', **{
                'X-Image-Meta-Id': image_id})
            self.assertAnswer(400, 'Failed to reserve image. Got error: '
                              'Invalid image id format',
                              self.api.create(headers, b'data'))
        for path in ('/v1/images/..%2Fescaped', '/v1/images/%2E%2E',
                     '/v1/images/..%2F..%2Fescaped'):
            for method in ('GET', 'PUT', 'HEAD', 'DELETE'):
                status, _, _ = self.api.request(
                    method, path, {'Content-Type':
                                   'application/octet-stream'}, b'data')
                self.assertEqual(404, status, (method, path))
        self.assertFalse(os.path.exists(outside))
        self.assertNoFiles()
        self.assertStillServes()

    def test_multiple_sources(self):
        headers = v1.minimal_headers('Two', **{
            'X-Glance-Api-Copy-From': 'http://127.0.0.1:1/data'})
        self.assertAnswer(400, "It's invalid to provide multiple image "
                          'sources.', self.api.create(headers, b'data'))
        self.assertNoFiles()

    def test_local_file_sources_refused(self):
        for header in ('X-Image-Meta-Location', 'X-Glance-Api-Copy-From'):
            for url in ('file:///etc/passwd', 'filesystem:///etc/passwd',
                        'swift+config://ref1/glance/x', 'gopher://x/y'):
                headers = v1.minimal_headers('Local', **{header: url})
                del headers['Content-Type']
                self.assertAnswer(400, "External source are not supported: "
                                  "'%s'" % url, self.api.create(headers))
        self.assertEqual([], self.api.list())

    def test_unknown_store(self):
        headers = v1.minimal_headers('Store', **{
            'X-Image-Meta-Store': 'tape'})
        self.assertAnswer(400, 'Required store tape is invalid',
                          self.api.create(headers, b'data'))

    def test_supplied_checksum_or_size_mismatch(self):
        image_id = v1.new_id()
        headers = v1.minimal_headers('Sum', **{
            'X-Image-Meta-Id': image_id,
            'X-Image-Meta-Checksum': 'f' * 32})
        self.assertAnswer(400, "Supplied checksum (%s) and checksum "
                          "generated from uploaded image (%s) did not match. "
                          "Setting image status to 'killed'."
                          % ('f' * 32, v1.md5(b'data')),
                          self.api.create(headers, b'data'))
        self.assertEqual('killed', self.api.status_of(image_id))
        image_id = v1.new_id()
        headers = v1.minimal_headers('Size', **{
            'X-Image-Meta-Id': image_id, 'X-Image-Meta-Size': '10'})
        self.assertAnswer(400, "Supplied size (10) and size generated from "
                          "uploaded image (4) did not match.",
                          self.api.create(headers, b'data'))
        self.assertEqual('killed', self.api.status_of(image_id))
        self.assertNoFiles()

    def test_bad_filters(self):
        for query, message in (
                ('?size_min=-1', 'Bad value passed to filter size_min got '
                 '-1'),
                ('?is_public=maybe', 'Bad value passed to filter is_public '
                 'got maybe'),
                ('?sort_key=bogus', 'Unsupported sort_key'),
                ('?limit=x', 'limit param must be an integer'),
                ('?marker=nope', 'Invalid marker format')):
            self.assertAnswer(400, message, self.api.request(
                'GET', '/v1/images/detail' + query))

    def test_malformed_member_json(self):
        image = self.api.create_ok(v1.minimal_headers('Shared'))
        path = '/v1/images/%s/members' % image['id']
        for target in (path, path + '/pattieblack'):
            self.assertAnswer(400, 'Malformed JSON in request body.',
                              self.api.request('PUT', target, {}, b'{not'))
        self.assertAnswer(405, '', self.api.request('GET',
                                                    path + '/pattieblack'))

    def test_client_disconnect_mid_upload(self):
        image_id = v1.new_id()
        upload = v1.RawUpload(self.api_port, '/v1/images', [
            'Content-Type: application/octet-stream',
            'Content-Length: %d' % (10 * 1024 * 1024),
            'X-Image-Meta-Id: %s' % image_id,
            'X-Image-Meta-Name: Cut',
            'X-Image-Meta-Disk-Format: raw',
            'X-Image-Meta-Container-Format: bare'])
        upload.send(b'x' * (256 * 1024))
        # The upload has begun once the server set the image 'saving'.
        v1.wait_for(lambda: self.api.status_of(image_id) == 'saving')
        upload.close()
        v1.wait_for(lambda: self.api.status_of(image_id) == 'killed')
        self.assertNoFiles()
        self.assertStillServes()
        # The id is taken, but the image can be deleted like any other.
        self.assertEqual(200, self.api.request(
            'DELETE', '/v1/images/%s' % image_id)[0])

    def test_disconnect_during_chunked_upload(self):
        image_id = v1.new_id()
        upload = v1.RawUpload(self.api_port, '/v1/images', [
            'Content-Type: application/octet-stream',
            'Transfer-Encoding: chunked',
            'X-Image-Meta-Id: %s' % image_id,
            'X-Image-Meta-Name: Cut',
            'X-Image-Meta-Disk-Format: raw',
            'X-Image-Meta-Container-Format: bare'])
        upload.send(b'10000\r\n' + b'y' * 0x10000 + b'\r\n')
        v1.wait_for(lambda: self.api.status_of(image_id) == 'saving')
        upload.send(b'10000\r\n' + b'y' * 100)
        upload.close()
        v1.wait_for(lambda: self.api.status_of(image_id) == 'killed')
        self.assertNoFiles()
        self.assertStillServes()

    def test_image_deleted_during_upload(self):
        image = self.api.create_ok(v1.minimal_headers('Doomed'))
        upload = v1.RawUpload(
            self.api_port, '/v1/images/%s' % image['id'],
            ['Content-Type: application/octet-stream',
             'Transfer-Encoding: chunked'], method='PUT')
        upload.send(b'400\r\n' + b'z' * 0x400 + b'\r\n')
        v1.wait_for(lambda: self.api.status_of(image['id']) == 'saving')
        status, _, _ = self.api.request('DELETE',
                                        '/v1/images/%s' % image['id'])
        self.assertEqual(200, status)
        upload.send(b'0\r\n\r\n')
        answer = upload.read_response()
        upload.close()
        self.assertTrue(answer.startswith(b'HTTP/1.1 412 '), answer[:200])
        self.assertIn(b'could not be found after upload. The image may have '
                      b'been deleted during the upload.', answer)
        self.assertNoFiles()

    def test_garbage_chunked_body(self):
        image_id = v1.new_id()
        upload = v1.RawUpload(self.api_port, '/v1/images', [
            'Content-Type: application/octet-stream',
            'Transfer-Encoding: chunked',
            'X-Image-Meta-Id: %s' % image_id,
            'X-Image-Meta-Name: Garbage',
            'X-Image-Meta-Disk-Format: raw',
            'X-Image-Meta-Container-Format: bare'])
        upload.send(b'zz\r\nnot hex\r\n')
        answer = upload.read_response()
        upload.close()
        self.assertTrue(answer.startswith(b'HTTP/1.1 400 '), answer[:200])
        self.assertEqual('killed', self.api.status_of(image_id))
        self.assertNoFiles()

    def test_never_5xx(self):
        """A sweep of odd requests: none may answer 5xx."""
        image = self.api.create_ok(v1.minimal_headers('Target'), b'data')
        path = '/v1/images/%s' % image['id']
        for method, target, headers, body in (
                ('PUT', path, {'X-Image-Meta-Size': '1'}, None),
                ('PUT', path, {'X-Image-Meta-Status': 'bogus'}, None),
                ('PUT', path, {'X-Image-Meta-Location':
                               'http://127.0.0.1:1/x'}, None),
                ('PUT', path, {'X-Image-Meta-Is-Public': ''}, None),
                ('PUT', path + '/members', {}, json.dumps(
                    {'memberships': 'nope'}).encode()),
                ('PUT', path + '/members', {}, b'[1, 2]'),
                ('PUT', path + '/members', {}, b'{}'),
                ('PUT', path + '/members', {}, None),
                ('PUT', path + '/members', {}, b'{"memberships": [{}]}'),
                ('PUT', path + '/members/m', {}, b'{"member": 3}'),
                ('DELETE', path + '/members/nobody', {}, None),
                ('GET', '/v1/shared-images/nobody', {}, None),
                ('POST', '/v1/images', {'X-Image-Meta-Location': ''}, None),
                ('POST', '/v1/images', {'X-Image-Meta-Size': ''}, None)):
            status, _, answer = self.api.request(method, target, headers,
                                                 body)
            self.assertLess(status, 500, (method, target, headers, answer))
