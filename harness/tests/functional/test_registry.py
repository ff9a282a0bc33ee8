"""The registry as a real process, driven with its HTTP
client, its RPC client and raw HTTP; on whichever database the run uses.
"""

import datetime
import json
import uuid

import webob.exc

from harness.glance import functional
from harness.service import config
from harness.service import crypt
from harness.service import errors
from harness.service.context import RequestContext
from harness.service.registry import client as registry_client
from harness.service.registry import rpc_client
from harness.tests.functional import client as http

GIB = 1024 ** 3
KEY = '0123456789abcdef0123456789abcdef'


class RegistryTestBase(functional.FunctionalTest):
    """Only the registry runs; :attr:`flavor` picks its pipeline."""

    flavor = ''

    def setUp(self):
        super().setUp()
        self.registry_server.deployment_flavor = self.flavor
        self.start_with_retry(self.registry_server, 'registry_port', 3,
                              **self.__dict__.copy())

    def conf(self, **options):
        values = {'registry_host': '127.0.0.1',
                  'registry_port': str(self.registry_port)}
        values.update((key, str(value)) for key, value in options.items())
        return config.Conf({'DEFAULT': values}, [])

    def client(self, token=None, **options):
        return registry_client.RegistryClient(
            self.conf(**options), RequestContext(auth_token=token))

    def rpc(self, token=None):
        return rpc_client.RPCClient(self.conf(),
                                    RequestContext(auth_token=token))

    def raw(self, method, path, body=None, headers=None):
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode('utf-8')
        return http.request(self.registry_port, method, path,
                            headers=headers, body=body)


class TestRegistryImages(RegistryTestBase):
    """Default pipeline: every request is an anonymous admin."""

    def ids(self, **kwargs):
        return [image['id'] for image in
                self.client().get_images_detailed(**kwargs)]

    def test_create_list_filter_sort_page(self):
        client = self.client()
        created = []
        for index, (name, size) in enumerate(
                [('c', 5 * GIB), ('a', 10), ('b', None), ('a', 30)]):
            image = client.add_image({
                'name': name, 'size': size, 'is_public': index != 2,
                'disk_format': 'raw', 'container_format': 'bare',
                'properties': {'idx': str(index)}})
            self.assertEqual('active', image['status'])
            created.append(image['id'])
        public = [created[i] for i in (3, 1, 0)]
        self.assertEqual(public, self.ids())
        self.assertEqual(public, [i['id'] for i in client.get_images()])
        self.assertEqual(created[::-1],
                         self.ids(filters={'is_public': 'none'}))
        self.assertEqual([created[2]],
                         self.ids(filters={'is_public': 'false'}))
        self.assertEqual([created[3], created[1]],
                         self.ids(filters={'name': 'a'}))
        self.assertEqual([created[0]],
                         self.ids(filters={'size_min': GIB}))
        self.assertEqual([created[1]], self.ids(
            filters={'properties': {'idx': '1'}}))
        self.assertEqual([created[1], created[3], created[0]],
                         self.ids(sort_key='name', sort_dir='asc'))
        self.assertEqual([created[0], created[3], created[1]],
                         self.ids(sort_key='size', sort_dir='desc'))
        self.assertEqual(5 * GIB, client.get_image(created[0])['size'])
        pages, marker = [], None
        for _attempt in range(len(created) + 1):
            page = self.ids(filters={'is_public': 'none'}, sort_key='name',
                            sort_dir='asc', limit=1, marker=marker)
            if not page:
                break
            pages += page
            marker = page[-1]
        self.assertEqual(self.ids(filters={'is_public': 'none'},
                                  sort_key='name', sort_dir='asc'), pages)
        self.assertEqual(4, len(set(pages)))

    def test_update_purge_and_delete(self):
        client = self.client()
        image = client.add_image({'status': 'queued', 'is_public': True,
                                  'properties': {'a': '1', 'b': '2'}})
        image = client.update_image(image['id'], {'properties': {'c': '3'}})
        self.assertEqual({'a': '1', 'b': '2', 'c': '3'}, image['properties'])
        image = client.update_image(image['id'], {'properties': {'c': '4'}},
                                    purge_props=True)
        self.assertEqual({'c': '4'}, image['properties'])
        image = client.update_image(
            image['id'], {'status': 'active', 'location': 'file:///x'},
            from_state='queued')
        self.assertEqual(('active', 'file:///x'),
                         (image['status'], image['location']))
        error = self.assertRaises(webob.exc.HTTPConflict,
                                  client.update_image, image['id'],
                                  {'status': 'saving'}, from_state='queued')
        self.assertEqual('Image operation conflicts', error.detail)
        gone = client.delete_image(image['id'])
        self.assertEqual((True, None), (gone['deleted'], gone['location']))
        self.assertEqual([], self.ids())
        self.assertEqual([image['id']], self.ids(filters={'deleted': True}))
        self.assertTrue(client.get_image(image['id'])['deleted'])

    def test_error_messages(self):
        client = self.client()
        image_id = client.add_image({'is_public': True})['id']
        for kwargs, message in (
                ({'limit': 'x'}, 'limit param must be an integer'),
                ({'marker': 'x'}, 'Invalid marker format'),
                ({'marker': str(uuid.uuid4())},
                 'Invalid marker. Image could not be found.'),
                ({'sort_key': 'owner'}, 'Unsupported sort_key.'),
                ({'filters': {'size_min': 'x'}},
                 'Unable to filter on a range with a non-numeric value.')):
            error = self.assertRaises(webob.exc.HTTPBadRequest,
                                      client.get_images, **kwargs)
            self.assertIn(message, error.detail)
        for call, args, kind, message in (
                (client.add_image, ({'id': image_id},), webob.exc.HTTPConflict,
                 'Image with identifier %s already exists!' % image_id),
                (client.add_image, ({'status': 'x'},),
                 webob.exc.HTTPBadRequest, 'Failed to add image metadata. '
                 "Got error: Invalid image status 'x' for image."),
                (client.update_image, (str(uuid.uuid4()), {}),
                 webob.exc.HTTPNotFound, 'Image not found'),
                (client.update_image, (image_id, {'status': 'x'}),
                 webob.exc.HTTPBadRequest, 'Failed to update image '
                 "metadata. Got error: Invalid image status 'x' for image.")):
            error = self.assertRaises(kind, call, *args)
            self.assertEqual(message, error.detail)
        self.assertRaises(webob.exc.HTTPNotFound, client.get_image, 'nope')

    def test_members(self):
        client = self.client()
        image_id = client.add_image({})['id']
        client.add_member(image_id, 'a')
        client.add_member(image_id, 'b', can_share=True)
        client.replace_members(image_id, [{'member_id': 'b'},
                                          {'member_id': 'c'}])
        self.assertEqual([{'member_id': 'b', 'can_share': True},
                          {'member_id': 'c', 'can_share': False}],
                         client.get_image_members(image_id))
        self.assertEqual([{'image_id': image_id, 'can_share': True}],
                         client.get_member_images('b'))
        client.delete_member(image_id, 'b')
        error = self.assertRaises(webob.exc.HTTPNotFound,
                                  client.delete_member, image_id, 'b')
        self.assertEqual('Membership could not be found.', error.detail)
        path = '/images/%s/members' % image_id
        self.assertEqual(405, self.raw('POST', path, {})[0])
        self.assertEqual(405, self.raw('GET', path + '/c')[0])
        status, _, body = self.raw('PUT', path, {'memberships': [{}]})
        self.assertEqual(400, status)
        self.assertIn(b"Invalid membership association: 'member_id'", body)

    def test_locations_encrypted_at_rest(self):
        client = self.client(metadata_encryption_key=KEY)
        image = client.add_image({'location': 'file:///secret'})
        self.assertEqual('file:///secret', image['location'])
        rows = self.run_sql_cmd('SELECT value FROM image_locations')
        self.assertEqual(1, len(rows))
        self.assertNotIn('secret', rows[0][0])
        self.assertEqual('file:///secret', crypt.urlsafe_decrypt(KEY,
                                                                 rows[0][0]))
        self.assertEqual('file:///secret',
                         client.get_image(image['id'])['location'])

    def test_rpc(self):
        rpc = self.rpc()
        when = datetime.datetime(2014, 4, 17, 10, 23, 45, 123456)
        image = rpc.image_create(values={
            'status': 'active', 'owner': 'o', 'size': 5 * GIB,
            'created_at': when, 'locations': [
                {'url': 'file:///1', 'metadata': {}},
                {'url': 'file:///2', 'metadata': {'k': 'v'}}]})
        self.assertEqual(when, image['created_at'])
        self.assertEqual(10 * GIB,
                         rpc.user_get_storage_usage(owner_id='o'))
        rpc.image_tag_set_all(image_id=image['id'], tags=['b', 'a'])
        self.assertEqual(['b', 'a'], rpc.image_tag_get_all(
            image_id=image['id']))
        self.assertRaises(errors.NotFound, rpc.image_get,
                          image_id=str(uuid.uuid4()))
        self.assertRaises(errors.Duplicate, rpc.image_create,
                          values={'id': image['id'], 'status': 'active'})
        self.assertRaises(TypeError, rpc.image_get)
        task = rpc.task_create(values={'type': 'import', 'status': 'pending',
                                       'owner': 'o', 'input': {'x': 1}})
        self.assertEqual({'x': 1}, rpc.task_get(task_id=task['id'])['input'])
        rpc.task_delete(task_id=task['id'])
        # This pipeline's admin context sees deleted rows.
        self.assertIs(True, rpc.task_get(task_id=task['id'])['deleted'])
        self.assertEqual([], rpc.task_get_all(filters={'deleted': False}))
        status, _, body = self.raw('POST', '/rpc', {'command': 'x'})
        self.assertEqual(400, status)
        self.assertIn(b'Request must be a list of commands', body)
        status, _, body = self.raw('POST', '/rpc', [{'command': 'nope'}])
        self.assertEqual(404, status)
        self.assertIn(b'Command not found', body)


class TestRegistryV2Disabled(RegistryTestBase):

    def setUp(self):
        self.enable_v2_registry = False
        super().setUp()

    def test_rpc_is_404(self):
        self.assertEqual(404, self.raw('POST', '/rpc', [])[0])
        self.assertEqual(200, self.raw('GET', '/images')[0])


class TestRegistryFakeauth(RegistryTestBase):
    """``fakeauth`` pipeline: identities from ``user:tenant:role`` tokens.
    """

    flavor = 'fakeauth'

    def test_owner_and_visibility(self):
        alice = self.client('alice:t1:member')
        bob = self.client('bob:t2:member')
        admin = self.client('root:t0:admin')
        private = alice.add_image({'owner': 'someone', 'name': 'p'})
        self.assertEqual('t1', private['owner'])
        public = alice.add_image({'is_public': True})
        self.assertRaises(webob.exc.HTTPNotFound, bob.get_image,
                          private['id'])
        error = self.assertRaises(webob.exc.HTTPNotFound, bob.update_image,
                                  private['id'], {'name': 'x'})
        self.assertEqual('Image not found', error.detail)
        self.assertRaises(webob.exc.HTTPForbidden, bob.update_image,
                          public['id'], {'name': 'x'})
        self.assertRaises(webob.exc.HTTPForbidden, bob.delete_image,
                          public['id'])
        self.assertRaises(webob.exc.HTTPNotFound, bob.delete_image,
                          private['id'])
        self.assertEqual('t1', alice.update_image(
            private['id'], {'owner': 't2'})['owner'])
        self.assertEqual('t2', admin.update_image(
            private['id'], {'owner': 't2'})['owner'])
        self.assertEqual('p', bob.get_image(private['id'])['name'])
        self.assertEqual(401, self.raw('GET', '/images')[0])

    def test_member_rules(self):
        alice = self.client('alice:t1:member')
        image_id = alice.add_image({})['id']
        alice.add_member(image_id, 't2')
        bob = self.client('bob:t2:member')
        self.assertEqual(image_id, bob.get_image(image_id)['id'])
        error = self.assertRaises(webob.exc.HTTPForbidden, bob.add_member,
                                  image_id, 't3')
        self.assertEqual('No permission to share that image', error.detail)
        alice.add_member(image_id, 't2', can_share=True)
        bob.add_member(image_id, 't3')
        nobody = self.client('carol:none:member')
        error = self.assertRaises(webob.exc.HTTPUnauthorized,
                                  nobody.add_member, image_id, 't4')
        self.assertEqual('No authenticated user', error.detail)
        self.assertEqual(['t2', 't3'], [m['member_id'] for m in
                                        alice.get_image_members(image_id)])

    def test_rpc_uses_the_token_context(self):
        image = self.rpc('alice:t1:member').image_create(
            values={'status': 'active', 'owner': 't1'})
        bob = self.rpc('bob:t2:member')
        self.assertRaises(errors.Forbidden, bob.image_get,
                          image_id=image['id'])
        self.assertRaises(errors.Forbidden, bob.image_update,
                          image_id=image['id'], values={'name': 'x'})
        self.assertEqual([], bob.image_get_all())
        task = bob.task_create(values={'type': 'import', 'owner': 't2',
                                       'status': 'pending'})
        self.assertRaises(errors.Forbidden, self.rpc('alice:t1:member')
                          .task_get, task_id=task['id'])
        bob.task_delete(task_id=task['id'])
        self.assertRaises(errors.TaskNotFound, bob.task_get,
                          task_id=task['id'])
