"""The shared JSON loader of request bodies (issue 7 C)."""

import testtools

from harness.service import json_body


class TestLoads(testtools.TestCase):

    def assertRefused(self, data, message):
        exc = self.assertRaises(json_body.InvalidJSON, json_body.loads, data)
        self.assertEqual(message, str(exc))
        self.assertIsInstance(exc, ValueError)

    def test_plain_json(self):
        self.assertEqual({'a': [1, 2.5, None, True, 'x']},
                         json_body.loads(b'{"a": [1, 2.5, null, true, "x"]}'))
        self.assertEqual(['\u00e9'], json_body.loads('["\\u00e9"]'))
        self.assertEqual('x', json_body.loads('"x"'.encode('utf-16')))

    def test_depth_limit(self):
        limit = json_body.MAX_DEPTH
        deep = '[' * limit + ']' * limit
        self.assertEqual(1, len(json_body.loads(deep)))
        nested = '{"a": ' * limit + '1' + '}' * limit
        self.assertEqual(dict, type(json_body.loads(nested)))
        message = 'JSON body nested deeper than %d levels.' % limit
        self.assertRefused('[' * (limit + 1) + ']' * (limit + 1), message)
        self.assertRefused(b'[' * 100000, message)
        self.assertRefused('{"a": ' * 100000, message)

    def test_brackets_inside_strings_do_not_count(self):
        text = '["%s", "\\"[[[", "\\\\"]' % ('[' * 1000)
        self.assertEqual(['[' * 1000, '"[[[', '\\'], json_body.loads(text))

    def test_non_finite_numbers(self):
        for text in ('1e400', '-1e400', 'NaN', 'Infinity', '-Infinity'):
            self.assertRefused('{"size": %s}' % text,
                               'Number out of range in JSON body: %s' % text)
        self.assertEqual([1e308], json_body.loads('[1e308]'))

    def test_malformed(self):
        for data in (b'{bad', b'', b'\xff\xfe\xff', '[1,]', b'"\xff"',
                     b'[' + b'9' * 5000 + b']', None, 12):
            self.assertRefused(data, json_body.MALFORMED)

    def test_object_hook(self):
        self.assertEqual([('hooked', {'a': 1})], json_body.loads(
            b'[{"a": 1}]', object_hook=lambda obj: ('hooked', obj)))
