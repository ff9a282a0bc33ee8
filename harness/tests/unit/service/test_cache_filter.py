"""Which requests the ``cache`` filter handles."""

import testtools
import webob

from harness.service.api.middleware import cache

ID = '71c675ab-d94f-49cd-a114-e12490b328d9'


def handled(method, path):
    return cache.match(webob.Request.blank(path, method=method))


class TestMatch(testtools.TestCase):

    def test_handled(self):
        self.assertEqual(('v1', ID), handled('GET', '/v1/images/' + ID))
        self.assertEqual(('v1', ID), handled('DELETE', '/v1/images/' + ID))
        self.assertEqual(('v2', ID),
                         handled('GET', '/v2/images/%s/file' % ID))
        self.assertEqual(('v2', ID), handled('DELETE', '/v2/images/' + ID))

    def test_passed_on(self):
        for method, path in (
                ('GET', '/v1/images/detail'), ('GET', '/v1/images'),
                ('HEAD', '/v1/images/' + ID), ('PUT', '/v1/images/' + ID),
                ('GET', '/v2/images/' + ID),
                ('PUT', '/v2/images/%s/file' % ID),
                ('DELETE', '/v2/images/%s/file' % ID),
                ('GET', '/v1/images/%s/members' % ID),
                ('GET', '/v1/cached_images')):
            self.assertEqual((None, None), handled(method, path),
                             '%s %s' % (method, path))
