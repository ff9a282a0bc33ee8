"""v2 images end to end over real HTTP: create, show, list, delete,
schemas and the v2 switches."""

import json
import os
import uuid

from harness.glance import functional
from harness.tests.functional import client
from harness.tests.functional import v2_support as v2

IMAGE_KEYS = {'name', 'disk_format', 'container_format', 'visibility',
              'status', 'protected', 'min_ram', 'min_disk', 'owner', 'id',
              'created_at', 'updated_at', 'tags', 'self', 'file', 'schema'}


class TestV2Images(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'

    def start(self):
        self.start_servers(**self.__dict__.copy())
        self.owner = v2.V2(self.api_port, v2.TENANT1)
        self.other = v2.V2(self.api_port, v2.TENANT2)
        self.admin = v2.V2(self.api_port, v2.ADMIN)

    def test_create_show_delete(self):
        self.start()
        self.assertEqual({'images': [], 'first': '/v2/images',
                          'schema': '/v2/schemas/images'},
                         self.owner.json('GET', '/images'))
        status, headers, body = self.owner.request('POST', '/images', {
            'name': 'image-1', 'type': 'kernel', 'foo': 'bar',
            'disk_format': 'aki', 'container_format': 'aki',
            'tags': ['sniff', 'snozz', 'sniff']})
        self.assertEqual(201, status, body)
        image = json.loads(body)
        image_id = image['id']
        self.assertEqual(IMAGE_KEYS | {'type', 'foo'}, set(image))
        self.assertEqual(
            ('queued', 'private', False, 0, 'tenant1', ['sniff', 'snozz'],
             'bar', '/v2/images/%s' % image_id,
             '/v2/images/%s/file' % image_id, '/v2/schemas/image'),
            (image['status'], image['visibility'], image['protected'],
             image['min_ram'], image['owner'], image['tags'], image['foo'],
             image['self'], image['file'], image['schema']))
        self.assertEqual(image['created_at'], image['updated_at'])
        self.assertRegex(image['created_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertEqual('http://127.0.0.1:%d/v2/images/%s'
                         % (self.api_port, image_id), headers['location'])
        self.assertEqual(image, self.owner.json('GET', '/images/' + image_id))
        # Private: a stranger neither sees nor deletes it; the admin does.
        self.assertEqual(404, self.other.request(
            'GET', '/images/' + image_id)[0])
        self.assertEqual(404, self.other.request(
            'DELETE', '/images/' + image_id)[0])
        self.assertEqual(image_id,
                         self.admin.json('GET', '/images/' + image_id)['id'])
        self.assertEqual([image_id], self.owner.ids())
        self.assertEqual([], self.other.ids())
        status, _, body = self.other.request('GET',
                                             '/images?marker=' + image_id)
        self.assertEqual(400, status, body)
        self.assertIn(('No image found with ID %s' % image_id).encode(),
                      body)
        # Delete: 204, then gone everywhere.
        status, _, body = self.owner.request('DELETE', '/images/' + image_id)
        self.assertEqual((204, b''), (status, body))
        self.assertEqual(404, self.owner.request(
            'GET', '/images/' + image_id)[0])
        self.assertEqual(404, self.owner.request(
            'DELETE', '/images/' + image_id)[0])
        self.assertEqual([], self.admin.ids())
        for method, path, body in (
                ('GET', '', None), ('DELETE', '', None),
                ('PUT', '/tags/t', None), ('DELETE', '/tags/t', None),
                ('GET', '/members', None),
                ('POST', '/members', {'member': 'tenant2'}),
                ('GET', '/members/tenant2', None)):
            status, _, content = self.owner.request(
                method, '/images/not-a-uuid' + path, body)
            self.assertEqual(404, status, (method, path))
            self.assertIn(b'No image found with ID not-a-uuid', content)
        status, _, body = self.owner.patch('not-a-uuid', [])
        self.assertEqual(404, status)

    def test_public_protected_and_read_only(self):
        self.start()
        image = self.owner.create(name='pub', visibility='public',
                                  protected=True)
        path = '/images/' + image['id']
        # Public: everyone sees it; only the owner may change it.
        self.assertEqual('pub', self.other.json('GET', path)['name'])
        self.assertIn(image['id'], self.other.ids())
        status, _, body = self.other.request('DELETE', path)
        self.assertEqual(403, status)
        self.assertIn(b'You are not permitted to delete this image.', body)
        status, _, body = self.other.patch(
            image['id'], [{'op': 'replace', 'path': '/name', 'value': 'x'}])
        self.assertEqual(403, status)
        self.assertIn(b"You are not permitted to modify 'name' on this "
                      b"image.", body)
        status, _, body = self.other.request(
            'PUT', path + '/tags/mine')
        self.assertEqual(403, status)
        self.assertIn(b'You are not permitted to modify tags on this '
                      b'image.', body)
        # Protected: not deletable until unprotected.
        status, _, body = self.owner.request('DELETE', path)
        self.assertEqual(403, status)
        self.assertIn(('Image %s is protected and cannot be deleted.'
                       % image['id']).encode(), body)
        self.owner.patch(image['id'], [
            {'op': 'replace', 'path': '/protected', 'value': False}])
        self.assertEqual(204, self.owner.request('DELETE', path)[0])

    def test_paging_sorting_filters(self):
        self.start()
        ids = [self.owner.create(name='img-%d' % number,
                                 disk_format='raw', container_format='bare',
                                 size_class='big' if number % 2 else 'small',
                                 tags=['t%d' % number, 'all'])['id']
               for number in range(5)]
        newest_first = list(reversed(ids))
        self.assertEqual(newest_first, self.owner.ids())
        # Follow "next" until a page is not full (or empty).
        seen, path, pages = [], '/v2/images?limit=2', []
        while path:
            page = self.owner.json('GET', path[len('/v2'):])
            pages.append(page)
            seen += [image['id'] for image in page['images']]
            path = page.get('next')
        self.assertEqual(newest_first, seen)
        self.assertEqual([2, 2, 1], [len(page['images']) for page in pages])
        self.assertEqual('/v2/images?limit=2', pages[0]['first'])
        self.assertEqual('/v2/images?limit=2&marker=%s' % newest_first[1],
                         pages[0]['next'])
        page = self.owner.json('GET', '/images?limit=5')
        self.assertEqual([], self.owner.json(
            'GET', page['next'][len('/v2'):])['images'])
        self.assertEqual(ids, self.owner.ids('?sort_key=name&sort_dir=asc'))
        self.assertEqual([ids[1], ids[3]][::-1],
                         self.owner.ids('?size_class=big'))
        self.assertEqual([ids[2]], self.owner.ids('?tag=t2&tag=all'))
        self.assertEqual([ids[0]], self.owner.ids('?name=img-0'))
        marker = str(uuid.uuid4())
        for query, message in (
                ('?limit=x', b'limit param must be an integer'),
                ('?limit=-1', b'limit param must be positive'),
                ('?sort_dir=up', b'Invalid sort direction: up'),
                ('?sort_key=bogus', b'Sort key supplied was not valid.'),
                ('?member_status=maybe', b'Invalid status: maybe'),
                ('?visibility=world', b'Invalid visibility value: world'),
                ('?marker=%s' % marker,
                 ('No image found with ID %s' % marker).encode())):
            status, _, body = self.owner.request('GET', '/images' + query)
            self.assertEqual(400, status, query)
            self.assertIn(message, body)

    def test_delayed_delete_queues_data(self):
        self.api_server.delayed_delete = True
        self.start()
        image = self.owner.create(name='doomed', disk_format='raw',
                                  container_format='bare')
        path = '/images/%s/file' % image['id']
        status, _, body = self.owner.request(
            'PUT', path, b'x' * 1024,
            {'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, status, body)
        data_file = os.path.join(self.api_server.image_dir, image['id'])
        self.assertTrue(os.path.exists(data_file))
        self.assertEqual(204, self.owner.request(
            'DELETE', '/images/' + image['id'])[0])
        # The data waits for the scrubber; the image is gone for v2.
        self.assertTrue(os.path.exists(data_file))
        self.assertEqual(404, self.owner.request(
            'GET', '/images/' + image['id'])[0])
        status, headers, body = client.request(
            self.api_port, 'HEAD', '/v1/images/' + image['id'],
            {'X-Auth-Token': v2.ADMIN})
        self.assertEqual('pending_delete',
                         headers.get('x-image-meta-status'))
        queue = os.listdir(self.api_server.scrubber_datadir)
        self.assertIn(image['id'], queue)

    def test_schemas(self):
        self.start()
        image = self.owner.json('GET', '/schemas/image')
        self.assertEqual('image', image['name'])
        self.assertEqual({'type': 'string'}, image['additionalProperties'])
        self.assertEqual(
            {'id', 'name', 'status', 'visibility', 'protected', 'checksum',
             'owner', 'size', 'virtual_size', 'container_format',
             'disk_format', 'created_at', 'updated_at', 'tags',
             'direct_url', 'min_ram', 'min_disk', 'self', 'file', 'schema',
             'locations'}, set(image['properties']))
        self.assertEqual(['self', 'enclosure', 'describedby'],
                         [link['rel'] for link in image['links']])
        images = self.owner.json('GET', '/schemas/images')
        self.assertEqual(image, images['properties']['images']['items'])
        member = self.owner.json('GET', '/schemas/member')
        self.assertEqual({'member_id', 'image_id', 'created_at',
                          'updated_at', 'status', 'schema'},
                         set(member['properties']))
        members = self.owner.json('GET', '/schemas/members')
        self.assertEqual(member, members['properties']['members']['items'])
        task = self.owner.json('GET', '/schemas/task')
        tasks = self.owner.json('GET', '/schemas/tasks')
        self.assertEqual(set(task['properties']) -
                         {'input', 'result', 'message'},
                         set(tasks['properties']['tasks']['items']
                             ['properties']))
        self.assertEqual(404, self.owner.request('GET', '/schemas/foo')[0])


class TestV2CustomSchema(functional.FunctionalTest):

    def test_custom_properties_merge_and_validate(self):
        self.start_servers(**self.__dict__.copy())
        self.stop_servers()
        conf_dir = os.path.dirname(self.api_server.conf_file_name)
        with open(os.path.join(conf_dir, 'schema-image.json'), 'w') as out:
            json.dump({'kernel_id': {'type': 'string',
                                     'pattern': '^[0-9a-f-]{36}$'}}, out)
        self.start_servers(**self.__dict__.copy())
        api = v2.V2(self.api_port)
        schema = api.json('GET', '/schemas/image')
        self.assertIn('kernel_id', schema['properties'])
        status, _, body = api.request('POST', '/images',
                                      {'name': 'k', 'kernel_id': 'nope'})
        self.assertEqual(400, status)
        self.assertIn(b"Provided object does not match schema 'image': "
                      b"'nope' does not match", body)
        self.assertEqual([], api.ids())


class TestV2Switches(functional.FunctionalTest):

    def test_v2_disabled(self):
        self.api_server.enable_v2_api = False
        self.start_servers(**self.__dict__.copy())
        status, _, body = client.request(self.api_port, 'GET', '/v2/images')
        # Spec 5.2: a disabled version is not negotiated -> the document.
        self.assertEqual(300, status)
        self.assertEqual(client.versions_document(self.api_port, v2=False),
                         body)
        status, _, body = client.request(self.api_port, 'GET', '/')
        self.assertEqual(client.versions_document(self.api_port, v2=False),
                         body)
        self.assertEqual(200, client.request(self.api_port, 'GET',
                                             '/v1/images')[0])

    def test_v2_through_registry_rpc(self):
        # data_api naming the registry sends v2 through POST /rpc; the
        # API's own database URL is made unusable to prove it.
        conf = self.api_server.conf_base.replace(
            'sql_connection = %(sql_connection)s',
            'sql_connection = sqlite:////nonexistent-v2-dir/none.db')
        self.assertNotEqual(conf, self.api_server.conf_base)
        self.api_server.conf_base = conf.replace(
            '[paste_deploy]', 'data_api = glance.db.registry.api\n'
            '[paste_deploy]')
        self.start_servers(**self.__dict__.copy())
        api = v2.V2(self.api_port)
        image = api.create(name='via-rpc', tags=['a'], foo='bar')
        self.assertEqual(['a'], image['tags'])
        self.assertEqual(image, api.json('GET', '/images/' + image['id']))
        self.assertEqual([image['id']], api.ids())
        status, _, body = api.patch(image['id'], [
            {'op': 'replace', 'path': '/foo', 'value': 'baz'}])
        self.assertEqual(200, status, body)
        self.assertEqual('baz', json.loads(body)['foo'])
        self.assertEqual(204, api.request(
            'PUT', '/images/%s/tags/b' % image['id'])[0])
        members = '/images/%s/members' % image['id']
        self.assertEqual('pending', api.json(
            'POST', members, {'member': 'tenant2'})['status'])
        self.assertEqual(['tenant2'], [
            row['member_id'] for row in api.json('GET', members)['members']])
        self.assertEqual(['a', 'b'], api.json(
            'GET', '/images/' + image['id'])['tags'])
        self.assertEqual([['a', 'b']], [
            listed['tags'] for listed in api.json('GET', '/images')['images']])
        self.assertEqual(204, api.request('DELETE',
                                          '/images/' + image['id'])[0])
        self.assertEqual([], api.ids())
