"""The registry HTTP client against a registry served on a real socket."""

import datetime
import socket
import threading
import wsgiref.simple_server

import fixtures
import testtools
import webob.dec
import webob.exc

from harness.service.context import RequestContext
from harness.service.db import api as db_api
from harness.service.registry import api as registry_api
from harness.service.registry import client as registry_client
from harness.tests.unit.service import apitest_helpers
from harness.tests.unit.service import dbtest_helpers

ADMIN = RequestContext(is_admin=True)


class _QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        """Keep the test output clean."""


class WithContext(object):
    """Stand-in for the registry pipeline: record headers, set a context."""

    def __init__(self, app):
        self.app = app
        self.headers = []

    @webob.dec.wsgify
    def __call__(self, req):
        self.headers.append(dict(req.headers))
        req.environ['harness.context'] = ADMIN
        return req.get_response(self.app)


def serve(test, app):
    """Serve *app* on 127.0.0.1 in a thread; return the port."""
    server = wsgiref.simple_server.make_server(
        '127.0.0.1', 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    test.addCleanup(server.server_close)
    test.addCleanup(thread.join)
    test.addCleanup(server.shutdown)
    return server.server_port


class TestRegistryClient(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.engine = dbtest_helpers.synced_engine(self)
        url = self.engine.url.render_as_string(hide_password=False)
        conf = apitest_helpers.make_conf(sql_connection=url)
        self.app = WithContext(registry_api.API(conf, engine=self.engine))
        self.port = serve(self, self.app)

    def client(self, context=None, **conf):
        conf.setdefault('registry_host', '0.0.0.0')
        conf.setdefault('registry_port', self.port)
        return registry_client.RegistryClient(
            apitest_helpers.make_conf(**conf), context)

    def create(self, **values):
        values.setdefault('status', 'active')
        values.setdefault('is_public', True)
        return db_api.image_create(self.engine, ADMIN, values)

    def test_get_images_and_detail(self):
        image = self.create(name='a', properties={'os': 'linux'},
                            created_at=datetime.datetime(2014, 1, 1))
        self.create(name='b')
        brief = self.client().get_images(filters={'name': 'a'})
        self.assertEqual([{'id': image['id'], 'name': 'a', 'size': None,
                           'disk_format': None, 'container_format': None,
                           'checksum': None}], brief)
        full = self.client().get_images_detailed(
            filters={'properties': {'os': 'linux'}}, limit=5,
            sort_key='name', sort_dir='asc', ignored='x')
        self.assertEqual([image['id']], [i['id'] for i in full])
        self.assertEqual('2014-01-01T00:00:00', full[0]['created_at'])

    def test_get_image(self):
        image = self.create()
        self.assertEqual(image['id'],
                         self.client().get_image(image['id'])['id'])

    def test_http_errors_map_to_webob(self):
        error = self.assertRaises(webob.exc.HTTPBadRequest,
                                  self.client().get_images, limit='x')
        self.assertEqual('limit param must be an integer', error.detail)
        self.assertRaises(webob.exc.HTTPNotFound, self.client().get_image,
                          'nope')

    def test_token_forwarded_only_with_use_user_token(self):
        ctx = RequestContext(auth_token='user:tenant:admin')
        self.client(ctx).get_images()
        self.client(ctx, use_user_token=False).get_images()
        self.client(RequestContext()).get_images()
        tokens = [headers.get('X-Auth-Token')
                  for headers in self.app.headers]
        self.assertEqual(['user:tenant:admin', None, None], tokens)

    def test_unreachable_registry(self):
        # Bound but not listening: connections are refused.
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        client = self.client(registry_port=sock.getsockname()[1])
        logger = self.useFixture(fixtures.FakeLogger())
        error = self.assertRaises(webob.exc.HTTPServiceUnavailable,
                                  client.get_images)
        self.assertIn('Registry at 127.0.0.1:%d' % sock.getsockname()[1],
                      error.detail)
        self.assertIn('Connection refused', logger.output)


class TestListParams(testtools.TestCase):

    def test_flattening(self):
        params = registry_client.list_params(
            filters={'name': 'x', 'properties': {'a': 1}, 'size_min': None,
                     'protected': True},
            limit=3, marker='m', bogus='b')
        self.assertEqual([('name', 'x'), ('property-a', '1'),
                          ('protected', 'True'), ('limit', '3'),
                          ('marker', 'm')], params)

    def test_error_for_unwraps_the_plain_text_page(self):
        body = b'409 Conflict\n\nImage operation conflicts\n\n   '
        error = registry_client.error_for(409, body)
        self.assertIsInstance(error, webob.exc.HTTPConflict)
        self.assertEqual('Image operation conflicts', error.detail)
        self.assertIsInstance(registry_client.error_for(599, b''),
                              webob.exc.HTTPInternalServerError)
