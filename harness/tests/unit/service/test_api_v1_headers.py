"""v1 image metadata headers: parsing, validation, size cap, output."""

import testtools
import webob
import webob.exc

from harness.service.api.imagedata import limits
from harness.service.api.v1 import headers
from harness.tests.unit.service import apitest_helpers as helpers


def parse(**raw):
    """Parse headers given as keyword arguments (``_`` -> ``-``)."""
    req = webob.Request.blank('/')
    for name, value in raw.items():
        req.headers[name.replace('_', '-')] = value
    return headers.parse_image_meta(req.headers)


class TestParse(testtools.TestCase):

    def test_fields_and_properties(self):
        meta = parse(**{'X-Image-Meta-Name': 'Image1',
                        'X-Image-Meta-Disk_Format': 'raw',
                        'x-image-meta-property-Distro_Name': 'Ubuntu',
                        'Content-Type': 'text/plain'})
        self.assertEqual({'name': 'Image1', 'disk_format': 'raw',
                          'properties': {'distro_name': 'Ubuntu'}}, meta)

    def test_no_meta_headers(self):
        self.assertEqual({'properties': {}}, parse(Accept='*/*'))

    def test_bad_header(self):
        exc = self.assertRaises(webob.exc.HTTPBadRequest, parse,
                                **{'X-Image-Meta-Bogus-Field': 'x'})
        self.assertIn('Bad header: x-image-meta-bogus-field',
                      exc.explanation)

    def test_every_allowed_field_accepted(self):
        raw = {'X-Image-Meta-%s' % field: '1'
               for field in headers.IMAGE_META_FIELDS}
        meta = parse(**raw)
        self.assertEqual(set(headers.IMAGE_META_FIELDS) | {'properties'},
                         set(meta))

    def test_empty_value_is_none(self):
        meta = parse(**{'X-Image-Meta-Name': '',
                        'X-Image-Meta-Property-Foo': ''})
        self.assertEqual({'name': None, 'properties': {'foo': None}}, meta)

    def test_integers(self):
        meta = parse(**{'X-Image-Meta-Size': '5368709120',
                        'X-Image-Meta-Min-Ram': '0',
                        'X-Image-Meta-Min-Disk': ' 7 '})
        self.assertEqual((5368709120, 0, 7), (meta['size'],
                                              meta['min_ram'],
                                              meta['min_disk']))

    def test_not_an_integer(self):
        for value in ('abc', '1.5', '1_000', '0x10'):
            exc = self.assertRaises(webob.exc.HTTPBadRequest, parse,
                                    **{'X-Image-Meta-Min-Ram': value})
            self.assertEqual(
                "Invalid value '%s' for parameter 'min_ram': Cannot convert "
                "image min_ram '%s' to an integer." % (value, value),
                exc.explanation)

    def test_empty_integer(self):
        exc = self.assertRaises(webob.exc.HTTPBadRequest, parse,
                                **{'X-Image-Meta-Size': ''})
        self.assertIn("Cannot convert image size 'None' to an integer.",
                      exc.explanation)

    def test_negative_integer(self):
        exc = self.assertRaises(webob.exc.HTTPBadRequest, parse,
                                **{'X-Image-Meta-Min-Disk': '-1'})
        self.assertEqual("Invalid value '-1' for parameter 'min_disk': Image "
                         "min_disk must be >= 0 ('-1' specified).",
                         exc.explanation)

    def test_integer_over_its_column(self):
        for header, field, value in (
                ('X-Image-Meta-Size', 'size', 1 << 63),
                ('X-Image-Meta-Min-Ram', 'min_ram', 1 << 31),
                ('X-Image-Meta-Min-Disk', 'min_disk', 1 << 31)):
            self.assertEqual(value - 1,
                             parse(**{header: str(value - 1)})[field])
            exc = self.assertRaises(webob.exc.HTTPBadRequest, parse,
                                    **{header: str(value)})
            self.assertEqual("Invalid value '%d' for parameter '%s': Image "
                             "%s must be <= %d ('%d' specified)."
                             % (value, field, field, value - 1, value),
                             exc.explanation)
        # More digits than int() converts.
        for digits, message in (('9' * 5000, 'Image size must be <= '),
                                ('-' + '9' * 5000, 'Image size must be >= 0')):
            exc = self.assertRaises(webob.exc.HTTPBadRequest, parse,
                                    **{'X-Image-Meta-Size': digits})
            self.assertIn(message, exc.explanation)

    def test_booleans(self):
        for value in ('1', 't', 'True', 'ON', 'y', 'yes'):
            meta = parse(**{'X-Image-Meta-Is-Public': value,
                            'X-Image-Meta-Protected': value,
                            'X-Image-Meta-Deleted': value})
            self.assertEqual((True, True, True), (
                meta['is_public'], meta['protected'], meta['deleted']),
                value)
        for value in ('0', 'false', 'no', 'maybe', ''):
            meta = parse(**{'X-Image-Meta-Is-Public': value})
            self.assertIs(False, meta['is_public'], value)

    def test_utf8_values(self):
        raw = 'caf\u00e9 \u65e5\u672c'.encode('utf-8').decode('latin-1')
        meta = parse(**{'X-Image-Meta-Name': raw})
        self.assertEqual('caf\u00e9 \u65e5\u672c', meta['name'])

    def test_latin1_value_kept(self):
        meta = parse(**{'X-Image-Meta-Name': 'caf\u00e9'})
        self.assertEqual('caf\u00e9', meta['name'])


class TestValidate(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = helpers.make_conf()

    def validate(self, **meta):
        return headers.validate_image_meta(self.conf, meta)

    def assertBad(self, message, **meta):
        exc = self.assertRaises(webob.exc.HTTPBadRequest, self.validate,
                                **meta)
        self.assertEqual(message, exc.explanation)

    def test_good(self):
        self.assertEqual({'disk_format': 'qcow2', 'container_format': 'bare',
                          'name': 'x' * 255},
                         self.validate(disk_format='qcow2',
                                       container_format='bare',
                                       name='x' * 255))

    def test_absent_formats_not_checked(self):
        self.assertEqual({'name': 'n'}, self.validate(name='n'))

    def test_bad_formats(self):
        self.assertBad("Invalid disk format 'floppy' for image.",
                       disk_format='floppy')
        self.assertBad("Invalid container format 'zip' for image.",
                       container_format='zip')
        self.assertBad("Invalid disk format 'None' for image.",
                       disk_format=None, container_format='bare')

    def test_formats_from_conf(self):
        self.conf = helpers.make_conf(sections={'image_format': {
            'disk_formats': 'raw, floppy', 'container_formats': 'bare'}})
        self.assertEqual('floppy', self.validate(
            disk_format='floppy')['disk_format'])
        self.assertBad("Invalid disk format 'qcow2' for image.",
                       disk_format='qcow2')
        self.assertBad("Invalid container format 'ovf' for image.",
                       container_format='ovf')

    def test_name_too_long(self):
        self.assertBad('Image name too long: 256', name='x' * 256)

    def test_amazon_formats_copied(self):
        self.assertEqual({'disk_format': 'aki', 'container_format': 'aki'},
                         self.validate(disk_format='aki'))
        self.assertEqual({'disk_format': 'ari', 'container_format': 'ari'},
                         self.validate(container_format='ari'))
        self.assertEqual({'disk_format': 'ami', 'container_format': 'ami'},
                         self.validate(disk_format='ami',
                                       container_format='ami'))

    def test_amazon_mix(self):
        for disk, container in (('aki', 'bare'), ('raw', 'ami'),
                                ('aki', 'ari')):
            exc = self.assertRaises(webob.exc.HTTPBadRequest, self.validate,
                                    disk_format=disk,
                                    container_format=container)
            self.assertIn('Invalid mix of disk and container formats. When '
                          "setting a disk or container format to one of "
                          "'aki', 'ari', or 'ami', the container and disk "
                          'formats must match.', exc.explanation)


class TestSizeCap(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = helpers.make_conf(image_size_cap=100)

    def test_under_and_at_cap(self):
        headers.check_size_cap(self.conf, {'size': 100}, 0)
        headers.check_size_cap(self.conf, {}, 100)
        headers.check_size_cap(self.conf, {}, 0)

    def test_over_cap(self):
        for meta, length in (({'size': 101}, 0), ({}, 101),
                             ({'size': 1}, 101)):
            exc = self.assertRaises(webob.exc.HTTPBadRequest,
                                    headers.check_size_cap, self.conf,
                                    meta, length)
            self.assertEqual('Denying attempt to upload image larger than '
                             '100 bytes.', exc.explanation)

    def test_declared_size_checked_with_a_body(self):
        # Glance let Content-Length hide the declared size (issue 7).
        exc = self.assertRaises(webob.exc.HTTPBadRequest,
                                headers.check_size_cap, self.conf,
                                {'size': 1000}, 50)
        self.assertEqual('Denying attempt to upload image larger than '
                         '100 bytes.', exc.explanation)

    def test_default_cap(self):
        conf = helpers.make_conf()
        headers.check_size_cap(conf, {'size': 1 << 40}, 0)
        self.assertRaises(webob.exc.HTTPBadRequest, headers.check_size_cap,
                          conf, {'size': (1 << 40) + 1}, 0)


class TestBody(testtools.TestCase):

    def test_has_body(self):
        self.assertFalse(headers.has_body({}))
        self.assertFalse(headers.has_body({'CONTENT_LENGTH': '0'}))
        self.assertFalse(headers.has_body({'CONTENT_LENGTH': ''}))
        self.assertTrue(headers.has_body({'CONTENT_LENGTH': '5'}))
        self.assertTrue(headers.has_body(
            {'HTTP_TRANSFER_ENCODING': 'chunked'}))

    def test_content_length(self):
        self.assertEqual(0, limits.content_length({}))
        self.assertEqual(12, limits.content_length({'CONTENT_LENGTH':
                                                    '12'}))


class TestOutput(testtools.TestCase):

    def test_image_meta_headers(self):
        image = {'id': 'abc', 'name': 'Image1', 'size': 5120,
                 'is_public': True, 'deleted': False, 'checksum': None,
                 'location': 'file:///secret', 'location_data': [],
                 'created_at': '2014-04-17T10:23:45.123456',
                 'properties': {'Distro': 'Ubuntu', 'none': None,
                                'bad name': 'x'}}
        self.assertEqual(sorted([
            ('x-image-meta-id', 'abc'),
            ('x-image-meta-name', 'Image1'),
            ('x-image-meta-size', '5120'),
            ('x-image-meta-is_public', 'True'),
            ('x-image-meta-deleted', 'False'),
            ('x-image-meta-created_at', '2014-04-17T10:23:45.123456'),
            ('x-image-meta-property-distro', 'Ubuntu')]),
            sorted(headers.image_meta_headers(image)))

    def test_utf8_and_newlines(self):
        image = {'name': 'caf\u00e9\nx'}
        ((name, value),) = headers.image_meta_headers(image)
        self.assertEqual('caf\u00e9 x', value.encode('latin-1').decode(
            'utf-8'))

    def test_round_trip(self):
        image = {'name': '\u65e5\u672c', 'properties': {'a_b': 'v'}}
        req = webob.Request.blank('/')
        for name, value in headers.image_meta_headers(image):
            req.headers[name] = value
        self.assertEqual({'name': '\u65e5\u672c',
                          'properties': {'a_b': 'v'}},
                         headers.parse_image_meta(req.headers))

    def test_bool_from_string(self):
        self.assertFalse(headers.bool_from_string(None))
        self.assertTrue(headers.bool_from_string(' YES '))
        self.assertFalse(headers.bool_from_string('nope'))
