"""The registry HTTP client against a registry served on a real socket."""

import datetime
import socket
import threading
import wsgiref.simple_server

import fixtures
import testtools
import webob.dec
import webob.exc

from harness.service import crypt
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


class ClientTestBase(testtools.TestCase):
    """A registry app served on a socket, on its own SQLite database."""

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger())
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


class TestRegistryClient(ClientTestBase):

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
        error = self.assertRaises(webob.exc.HTTPServiceUnavailable,
                                  client.get_images)
        self.assertIn('Registry at 127.0.0.1:%d' % sock.getsockname()[1],
                      error.detail)
        self.assertIn('Connection refused', self.logger.output)


KEY = '0123456789abcdef0123456789abcdef'


class TestRegistryClientWrites(ClientTestBase):
    """The write methods, each against the real registry app."""

    def stored_locations(self, image_id):
        return [loc['url'] for loc in
                db_api.image_get(self.engine, ADMIN, image_id)['locations']]

    def test_add_update_delete(self):
        client = self.client()
        image = client.add_image({'name': 'a', 'status': 'queued',
                                  'properties': {'p': '1', 'q': '2'}})
        self.assertEqual(('a', 'queued', {'p': '1', 'q': '2'}),
                         (image['name'], image['status'],
                          image['properties']))
        image = client.update_image(image['id'], {'properties': {'p': '3'}})
        self.assertEqual({'p': '3', 'q': '2'}, image['properties'])
        image = client.update_image(image['id'], {'properties': {'r': '4'}},
                                    purge_props=True)
        self.assertEqual({'r': '4'}, image['properties'])
        image = client.update_image(image['id'], {'status': 'saving'},
                                    from_state='queued')
        self.assertEqual('saving', image['status'])
        error = self.assertRaises(webob.exc.HTTPConflict,
                                  client.update_image, image['id'],
                                  {'status': 'active'}, from_state='queued')
        self.assertEqual('Image operation conflicts', error.detail)
        gone = client.delete_image(image['id'])
        self.assertIs(True, gone['deleted'])
        self.assertIs(True, client.get_image(image['id'])['deleted'])
        error = self.assertRaises(webob.exc.HTTPNotFound,
                                  client.update_image, 'nope', {})
        self.assertEqual('Image not found', error.detail)

    def test_add_image_errors(self):
        client = self.client()
        image = client.add_image({})
        error = self.assertRaises(webob.exc.HTTPConflict, client.add_image,
                                  {'id': image['id']})
        self.assertEqual('Image with identifier %s already exists!'
                         % image['id'], error.detail)
        error = self.assertRaises(webob.exc.HTTPBadRequest, client.add_image,
                                  {'id': 'x'})
        self.assertEqual('Invalid image id format', error.detail)

    def test_members(self):
        client = self.client()
        image_id = client.add_image({'status': 'active'})['id']
        client.add_member(image_id, 'a')
        client.add_member(image_id, 'b', can_share=True)
        self.assertEqual([{'member_id': 'a', 'can_share': False},
                          {'member_id': 'b', 'can_share': True}],
                         client.get_image_members(image_id))
        self.assertEqual([{'image_id': image_id, 'can_share': True}],
                         client.get_member_images('b'))
        for memberships, expected in (
                ([{'member_id': 'c'}], ['c']),
                ({'member_id': 'd'}, ['d']),
                ({'memberships': [{'member_id': 'd'},
                                  {'member_id': 'e'}]}, ['d', 'e']),
                ((), [])):
            self.assertIsNone(client.replace_members(image_id, memberships))
            self.assertEqual(expected, [m['member_id'] for m in
                                        client.get_image_members(image_id)])
        client.add_member(image_id, 'f')
        self.assertIsNone(client.delete_member(image_id, 'f'))
        error = self.assertRaises(webob.exc.HTTPNotFound,
                                  client.delete_member, image_id, 'f')
        self.assertEqual('Membership could not be found.', error.detail)

    def test_locations_are_encrypted_at_rest(self):
        client = self.client(metadata_encryption_key=KEY)
        image = client.add_image({
            'status': 'active', 'location': 'file:///a',
            'location_data': [{'url': 'file:///a', 'metadata': {'m': 1}},
                              {'url': 'http://b', 'metadata': {}}]})
        self.assertEqual('file:///a', image['location'])
        self.assertEqual([{'url': 'file:///a', 'metadata': {'m': 1}},
                          {'url': 'http://b', 'metadata': {}}],
                         image['location_data'])
        stored = self.stored_locations(image['id'])
        self.assertEqual(2, len(stored))
        self.assertNotIn('file:///a', stored)
        self.assertEqual(['file:///a', 'http://b'],
                         [crypt.urlsafe_decrypt(KEY, url) for url in stored])
        for got in (client.get_image(image['id']),
                    client.get_images_detailed(
                        filters={'is_public': 'none'})[0],
                    client.update_image(image['id'], {'name': 'x'})):
            self.assertEqual('file:///a', got['location'])
            self.assertEqual('http://b', got['location_data'][1]['url'])
        image = client.update_image(image['id'], {'location': 'file:///c'})
        self.assertEqual('file:///c', image['location'])
        self.assertEqual('file:///c', crypt.urlsafe_decrypt(
            KEY, self.stored_locations(image['id'])[0]))
        plain = self.client().get_image(image['id'])
        self.assertNotEqual('file:///c', plain['location'])

    def test_no_key_no_encryption(self):
        image = self.client().add_image({'location': 'file:///a'})
        self.assertEqual(['file:///a'], self.stored_locations(image['id']))


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
