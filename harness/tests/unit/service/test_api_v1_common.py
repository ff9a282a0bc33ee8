"""The v1 helper that re-raises registry errors with v1's messages."""

import testtools
import webob.exc

from harness.service.api.v1 import common


class RegistryErrorsTest(testtools.TestCase):

    messages = {webob.exc.HTTPNotFound: 'Failed to find: {detail}',
                webob.exc.HTTPForbidden: 'Forbidden.'}

    def raise_in(self, exc):
        with common.registry_errors(self.messages):
            raise exc

    def test_detail_is_substituted(self):
        exc = self.assertRaises(
            webob.exc.HTTPNotFound, self.raise_in,
            webob.exc.HTTPNotFound(detail='Image not found'))
        self.assertEqual('Failed to find: Image not found', exc.explanation)

    def test_fixed_text(self):
        exc = self.assertRaises(webob.exc.HTTPForbidden, self.raise_in,
                                webob.exc.HTTPForbidden(detail='x'))
        self.assertEqual('Forbidden.', exc.explanation)

    def test_unlisted_errors_pass_unchanged(self):
        original = webob.exc.HTTPConflict(detail='c')
        exc = self.assertRaises(webob.exc.HTTPConflict, self.raise_in,
                                original)
        self.assertIs(original, exc)
