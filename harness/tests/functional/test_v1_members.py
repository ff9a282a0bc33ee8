"""Image members through the v1 API."""

import json

from harness.glance import functional
from harness.tests.functional import v1_support as v1


class TestV1Members(functional.FunctionalTest):

    def test_member_calls(self):
        self.start_servers(**self.__dict__.copy())
        api = v1.V1(self.api_port)
        image = api.create_ok(v1.minimal_headers('Shared', public=False))
        path = '/v1/images/%s/members' % image['id']
        self.assertEqual((200, {'members': []}),
                         (api.request('GET', path)[0],
                          json.loads(api.request('GET', path)[2])))
        for member in ('pattieblack', 'froggy'):
            self.assertEqual(204, api.request('PUT', path + '/' + member)[0])
        status, _, _ = api.request(
            'PUT', path + '/froggy', {'Content-Type': 'text/plain'},
            json.dumps({'member': {'can_share': True}}).encode())
        self.assertEqual(204, status)
        self.assertEqual({'members': [
            {'member_id': 'pattieblack', 'can_share': False},
            {'member_id': 'froggy', 'can_share': True}]},
            json.loads(api.request('GET', path)[2]))
        self.assertEqual(405, api.request('GET', path + '/froggy')[0])
        body = {'memberships': [{'member_id': 'froggy', 'can_share': False},
                                {'member_id': 'new'}]}
        self.assertEqual(204, api.request('PUT', path, {},
                                          json.dumps(body).encode())[0])
        self.assertEqual({'members': [
            {'member_id': 'froggy', 'can_share': False},
            {'member_id': 'new', 'can_share': False}]},
            json.loads(api.request('GET', path)[2]))
        self.assertEqual({'shared_images': [{'image_id': image['id'],
                                             'can_share': False}]},
                         json.loads(api.request(
                             'GET', '/v1/shared-images/new')[2]))
        self.assertEqual(204, api.request('DELETE', path + '/new')[0])
        self.assertEqual(404, api.request('DELETE', path + '/new')[0])
        self.assertEqual(404, api.request(
            'GET', '/v1/images/%s/members' % v1.new_id())[0])
