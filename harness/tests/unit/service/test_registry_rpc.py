"""The registry's ``POST /rpc``, in-process, and its codec."""

import datetime
import json
import uuid

import testtools

from harness.service import errors
from harness.service.registry import rpc
from harness.service.registry import rpc_client
from harness.tests.unit.service.registrytest_helpers import RegistryTestBase
from harness.tests.unit.service.registrytest_helpers import user

WHEN = datetime.datetime(2014, 4, 17, 10, 23, 45, 123456)
ENCODED = {'_type': 'datetime', '_value': '2014-04-17T10:23:45.123456'}


class TestRPC(RegistryTestBase):

    def rpc(self, commands, context=None, status=200):
        kwargs = {} if context is None else {'context': context}
        res = self.request('/rpc', method='POST', body=rpc.dumps(commands),
                           **kwargs)
        self.assertEqual(status, res.status_int, res.text)
        return json.loads(res.body) if status == 200 else res

    def test_commands_run_in_order_with_datetimes(self):
        image_id = str(uuid.uuid4())
        results = self.rpc([
            {'command': 'image_create',
             'kwargs': {'values': {'id': image_id, 'status': 'queued',
                                   'created_at': WHEN,
                                   'properties': {'a': 'b'}}}},
            {'command': 'image_get', 'kwargs': {'image_id': image_id}},
            {'command': 'image_tag_set_all',
             'kwargs': {'image_id': image_id, 'tags': ['x']}},
            {'command': 'image_tag_get_all',
             'kwargs': {'image_id': image_id}}])
        created, got, tagged, tags = results
        self.assertEqual(ENCODED, created['created_at'])
        self.assertEqual(created, got)
        self.assertEqual([['a', 'b', False]],
                         [[p['name'], p['value'], p['deleted']]
                          for p in got['properties']])
        self.assertEqual([], got['locations'])
        self.assertIsNone(tagged)
        self.assertEqual(['x'], tags)

    def test_every_command_is_exposed(self):
        image_id = self.create(owner='t1', size=4,
                               locations=['file:///a'])['id']
        image = {'id': image_id, 'owner': 't1', 'is_public': False}
        member = self.rpc([{'command': 'image_member_create', 'kwargs': {
            'values': {'image_id': image_id, 'member': 'm'}}}])[0]
        self.assertEqual(
            {'id', 'image_id', 'member', 'can_share', 'status', 'created_at',
             'updated_at'}, set(member))
        task_id = str(uuid.uuid4())
        calls = [
            ('image_update', {'image_id': image_id, 'values': {'name': 'n'},
                              'purge_props': True, 'from_state': 'active'}),
            ('image_get_all', {'filters': {'name': 'n'}, 'limit': 5,
                               'sort_key': 'name', 'sort_dir': 'asc'}),
            ('image_property_create', {'values': {
                'image_id': image_id, 'name': 'p', 'value': 'v'}}),
            ('image_property_delete', {'prop_ref': 'p',
                                       'image_ref': image_id}),
            ('image_member_update', {'memb_id': member['id'],
                                     'values': {'status': 'accepted'}}),
            ('image_member_find', {'image_id': image_id, 'member': 'm',
                                   'status': 'accepted'}),
            ('image_member_count', {'image_id': image_id}),
            ('image_member_delete', {'memb_id': member['id']}),
            ('image_tag_create', {'image_id': image_id, 'value': 't'}),
            ('image_tag_delete', {'image_id': image_id, 'value': 't'}),
            ('user_get_storage_usage', {'owner_id': 't1',
                                        'image_id': None}),
            ('is_image_visible', {'image': image}),
            ('is_image_mutable', {'image': image}),
            ('task_create', {'values': {'id': task_id, 'type': 'import',
                                        'status': 'pending', 'owner': 't1',
                                        'expires_at': WHEN}}),
            ('task_update', {'task_id': task_id,
                             'values': {'status': 'success'}}),
            ('task_get', {'task_id': task_id}),
            ('task_get_all', {'filters': {'status': 'success'}}),
            ('task_delete', {'task_id': task_id}),
            ('image_destroy', {'image_id': image_id})]
        results = self.rpc([{'command': name, 'kwargs': kwargs}
                            for name, kwargs in calls])
        for (name, _kwargs), result in zip(calls, results):
            self.assertFalse(isinstance(result, dict) and '_error' in result,
                             (name, result))
        by_name = dict(zip([name for name, _ in calls], results))
        self.assertEqual('n', by_name['image_update']['name'])
        self.assertEqual([image_id],
                         [i['id'] for i in by_name['image_get_all']])
        self.assertEqual(1, by_name['image_member_count'])
        self.assertEqual(4, by_name['user_get_storage_usage'])
        self.assertIs(True, by_name['is_image_mutable'])
        self.assertEqual(ENCODED, by_name['task_get']['expires_at'])
        self.assertIs(True, by_name['image_destroy']['deleted'])

    def test_errors_travel_in_their_slot(self):
        missing = str(uuid.uuid4())
        image_id = self.create(owner='t1', is_public=True)['id']
        results = self.rpc([
            {'command': 'image_get', 'kwargs': {'image_id': missing}},
            {'command': 'image_get'},
            {'command': 'image_update',
             'kwargs': {'image_id': image_id, 'values': {}}},
            {'command': 'image_get_all',
             'kwargs': {'filters': {'size_min': 'x'}}},
            {'command': 'image_member_count', 'kwargs': {'image_id': ''}},
            {'command': 'image_get', 'kwargs': {'image_id': image_id}}],
            context=user('t2'))
        prefix = 'harness.service.db.errors.'
        self.assertEqual(
            [prefix + 'NotFound', 'builtins.TypeError',
             prefix + 'ForbiddenPublicImage',
             prefix + 'InvalidFilterRangeValue', prefix + 'Invalid'],
            [r['_error']['cls'] for r in results[:5]])
        self.assertEqual('No image found with ID %s' % missing,
                         results[0]['_error']['val'])
        self.assertIn('image_id', results[1]['_error']['val'])
        self.assertEqual('Image id is required.',
                         results[4]['_error']['val'])
        self.assertEqual(image_id, results[5]['id'])

    def test_foreign_errors_become_rpc_errors(self):
        def boom(engine, context):
            raise LocalError('kaboom')
        self.app.rpc_commands = dict(self.app.rpc_commands, boom=boom)
        result = self.rpc([{'command': 'boom'}])[0]['_error']
        self.assertEqual('harness.service.db.errors.RPCError', result['cls'])
        self.assertEqual('%s.LocalError exception was raised in the last rpc '
                         'call: kaboom' % __name__, result['val'])
        self.assertIn('RPC call boom failed', self.logger.output)

    def test_validation_happens_before_anything_runs(self):
        create = {'command': 'image_create',
                  'kwargs': {'values': {'status': 'active'}}}
        for bad, status in (('x', 400), ({'command': 5}, 400),
                            ({'command': 'image_get', 'kwargs': 'x'}, 400),
                            ({'command': '_image_get'}, 404),
                            ({'command': 'get_engine'}, 404)):
            self.rpc([create, bad], status=status)
        self.assertEqual([], self.rpc([{'command': 'image_get_all'}])[0])

    def test_context_is_the_requests(self):
        private = self.create(owner='t1')['id']
        result = self.rpc([{'command': 'image_get',
                            'kwargs': {'image_id': private}}],
                          context=user('t2'))[0]
        self.assertEqual('harness.service.db.errors.Forbidden',
                         result['_error']['cls'])


class LocalError(Exception):
    """An error of a module the RPC does not name classes of."""


class TestCodec(testtools.TestCase):

    def test_datetimes_both_ways(self):
        data = {'a': [WHEN], 'b': {'c': WHEN.replace(microsecond=0)}}
        encoded = json.loads(rpc.dumps(data))
        self.assertEqual(ENCODED, encoded['a'][0])
        self.assertEqual('2014-04-17T10:23:45.000000',
                         encoded['b']['c']['_value'])
        self.assertEqual(data, rpc.loads(rpc.dumps(data)))
        short = '{"_type": "datetime", "_value": "2014-04-17T10:23:45"}'
        self.assertEqual(WHEN.replace(microsecond=0), rpc.loads(short))
        self.assertRaises(ValueError, rpc.loads,
                          '{"_type": "datetime", "_value": "soon"}')
        self.assertEqual({'_type': 'other'}, rpc.loads('{"_type": "other"}'))

    def test_error_envelopes_round_trip(self):
        for error in (errors.NotFound('gone'), errors.TaskNotFound('t'),
                      ValueError('v'), LookupError('k')):
            envelope = rpc.error_envelope(error)['_error']
            rebuilt = rpc_client.rebuild_error(envelope)
            self.assertIs(type(error), type(rebuilt))
            self.assertEqual(str(error), str(rebuilt))
        for cls in ('os.path.join', 'builtins.print', 'nope', 'a.b.C'):
            rebuilt = rpc_client.rebuild_error({'cls': cls, 'val': 'x'})
            self.assertIsInstance(rebuilt, errors.RPCError)
