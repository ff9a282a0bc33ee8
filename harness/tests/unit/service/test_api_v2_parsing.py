"""v2 request parsing in-process: JSON bodies, patch documents, schemas
and listing parameters."""

import json
import os

import fixtures
import testtools
import webob
import webob.exc
import webob.multidict

from harness.errors import StartupError
from harness.service import webapp
from harness.service.api.v2 import listing
from harness.service.api.v2 import patch_parse
from harness.service.api.v2 import schemas
from harness.tests.unit.service import apitest_helpers as helpers


def patch_request(ops,
                  media_type='application/openstack-images-v2.1-json-patch'):
    body = ops if isinstance(ops, bytes) else json.dumps(ops).encode()
    return webob.Request.blank('/images/x', method='PATCH', body=body,
                               content_type=media_type)


class JsonBodyTest(testtools.TestCase):

    def read(self, body):
        return webapp.read_json(webob.Request.blank('/', body=body),
                                missing=webapp.BODY_EXPECTED)

    def test_any_json_whatever_the_content_type(self):
        self.assertEqual([1, {'a': None}], self.read(b'[1, {"a": null}]'))

    def test_malformed_and_missing(self):
        for body, message in ((b'{"a": ', 'Malformed JSON in request body.'),
                              (b'[' * 100000, 'JSON body nested deeper '
                               'than 64 levels.'),
                              (b'{"min_ram": 1e400}', 'Number out of range '
                               'in JSON body: 1e400'),
                              (b'  ', 'Body expected in request.')):
            exc = self.assertRaises(webob.exc.HTTPBadRequest, self.read,
                                    body)
            self.assertEqual(message, exc.explanation)


class PatchParseTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.schemas = schemas.Schemas(helpers.make_conf())

    def parse(self, ops, media_type=None):
        req = patch_request(ops) if media_type is None else \
            patch_request(ops, media_type)
        return patch_parse.parse(req, self.schemas)

    def test_pointers_are_unescaped(self):
        self.assertEqual(
            [('add', ['a/b~c'], 'v'), ('remove', ['x'], None),
             ('replace', ['locations'], []),
             ('add', ['locations', '-'], {'url': 'u', 'metadata': {}})],
            self.parse([{'op': 'add', 'path': '/a~1b~0c', 'value': 'v'},
                        {'op': 'remove', 'path': '/x'},
                        {'op': 'replace', 'path': '/locations',
                         'value': []},
                        {'op': 'add', 'path': '/locations/-',
                         'value': {'url': 'u', 'metadata': {}}}]))

    def test_v20_documents(self):
        self.assertEqual(
            [('replace', ['name'], 'n'), ('remove', ['p'], None)],
            self.parse([{'replace': '/name', 'value': 'n'},
                        {'remove': '/p'}],
                       'application/openstack-images-v2.0-json-patch'))

    def test_unsupported_media_type(self):
        exc = self.assertRaises(webob.exc.HTTPUnsupportedMediaType,
                                self.parse, [], 'application/json')
        self.assertEqual(
            'application/openstack-images-v2.0-json-patch, '
            'application/openstack-images-v2.1-json-patch',
            exc.headers['Accept-Patch'])

    def test_location_depths(self):
        for op, path in (('add', '/locations'), ('remove', '/locations'),
                         ('replace', '/locations/0'), ('add', '/name/x')):
            ops = [{'op': op, 'path': path, 'value': []}]
            exc = self.assertRaises(webob.exc.HTTPBadRequest, self.parse,
                                    ops)
            self.assertEqual("Invalid JSON pointer for this resource: '%s'"
                             % path, exc.explanation)

    def test_location_values_are_validated(self):
        exc = self.assertRaises(
            webob.exc.HTTPBadRequest, self.parse,
            [{'op': 'add', 'path': '/locations/0', 'value': {'url': 'u'}}])
        self.assertIn("'metadata' is a required property", exc.explanation)

    def test_read_only_checked_for_remove_too(self):
        exc = self.assertRaises(webob.exc.HTTPForbidden, self.parse,
                                [{'op': 'remove', 'path': '/checksum'}])
        self.assertEqual("Attribute 'checksum' is read-only.",
                         exc.explanation)


class SchemasTest(testtools.TestCase):

    def conf_with_custom(self, custom):
        folder = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(folder, 'schema-image.json'), 'w') as out:
            out.write(custom)
        conf_file = os.path.join(folder, 'api.conf')
        open(conf_file, 'w').close()
        return helpers.make_conf(config_files=[conf_file])

    def test_conflicting_custom_property_fails_startup(self):
        conf = self.conf_with_custom(json.dumps(
            {'name': {'type': 'integer'}, 'extra': {'type': 'string'}}))
        exc = self.assertRaises(StartupError, schemas.Schemas, conf)
        self.assertEqual('Unable to load schema: custom properties (name) '
                         'conflict with base properties', str(exc))

    def test_unreadable_custom_file_fails_startup(self):
        conf = self.conf_with_custom('{not json')
        self.assertRaises(StartupError, schemas.Schemas, conf)

    def test_no_additional_properties(self):
        found = schemas.Schemas(helpers.make_conf(
            allow_additional_image_properties='False'))
        image = found.get('image')
        self.assertEqual(False, image['additionalProperties'])
        self.assertNotIn('links', image)
        exc = self.assertRaises(webob.exc.HTTPBadRequest,
                                found.validate_image, {'foo': 'bar'})
        self.assertIn("Provided object does not match schema 'image': "
                      "Additional properties are not allowed",
                      exc.explanation)

    def test_formats_come_from_config(self):
        found = schemas.Schemas(helpers.make_conf(sections={
            'image_format': {'disk_formats': 'raw,qcow2'}}))
        self.assertEqual(['raw', 'qcow2'], found.get('image')['properties']
                         ['disk_format']['enum'])


class ListingParamsTest(testtools.TestCase):

    def args(self, query, **conf):
        params = webob.Request.blank('/images' + query).GET
        return listing.list_arguments(helpers.make_conf(**conf), params)

    def test_defaults_and_filters(self):
        self.assertEqual(
            {'filters': {'foo': 'bar', 'tags': ['a', 'b'], 'deleted': False},
             'marker': None, 'limit': 25, 'sort_key': 'created_at',
             'sort_dir': 'desc', 'member_status': 'accepted'},
            self.args('?foo=bar&tag=a&tag=b'))

    def test_limit_is_capped(self):
        self.assertEqual(7, self.args('?limit=99', api_limit_max=7)['limit'])

    def test_links_keep_request_order_marker_last(self):
        params = webob.multidict.MultiDict(
            [('b', '2'), ('marker', 'old'), ('a', '1 2')])
        self.assertEqual(
            {'first': '/v2/images?b=2&a=1+2',
             'next': '/v2/images?b=2&a=1+2&marker=last'},
            listing.page_links(params, [{'id': 'last'}], 1))
        self.assertEqual({'first': '/v2/images?b=2&a=1+2'},
                         listing.page_links(params, [], 0))
