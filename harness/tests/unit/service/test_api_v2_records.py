"""v2 image records: DB rows to records and back (encrypted locations),
and their JSON representation."""

import datetime

import testtools

from harness.service import crypt
from harness.service.api.v2 import repo
from harness.service.api.v2 import view
from harness.tests.unit.service import apitest_helpers as helpers

KEY = '012345678901234567890123456789ab'
WHEN = datetime.datetime(2014, 4, 17, 10, 23, 45, 123456)


def row(**overrides):
    image = {'id': '0d3b8f5e-6a2c-4b7e-8f91-2c4d6e8a0b13', 'name': 'i',
             'status': 'queued', 'size': None, 'virtual_size': None,
             'disk_format': 'aki', 'container_format': 'aki',
             'min_disk': 0, 'min_ram': 0, 'checksum': None,
             'owner': 'o', 'protected': False, 'is_public': False,
             'created_at': WHEN, 'updated_at': WHEN, 'deleted': False,
             'properties': [
                 {'name': 'foo', 'value': 'bar', 'deleted': False},
                 {'name': 'gone', 'value': 'x', 'deleted': True}],
             'locations': []}
    image.update(overrides)
    return image


class FakeAPI(object):
    """What view.image needs of the router: conf and no protections."""

    def __init__(self, conf):
        self.conf = conf
        self.property_rules = None

    def enforce(self, ctx, action, target=None):
        pass


class RecordTest(testtools.TestCase):

    def test_locations_round_trip_encrypted(self):
        conf = helpers.make_conf(metadata_encryption_key=KEY)
        stored = crypt.urlsafe_encrypt(KEY, 'file:///a', 16)
        record = repo.to_record(conf, row(locations=[
            {'url': stored, 'metadata': {'k': 'v'}}]), ['t'])
        self.assertEqual([{'url': 'file:///a', 'metadata': {'k': 'v'}}],
                         record['locations'])
        self.assertEqual(({'foo': 'bar'}, ['t'], 'private'),
                         (record['properties'], record['tags'],
                          record['visibility']))
        values = repo.db_values(conf, record)
        self.assertNotEqual('file:///a', values['locations'][0]['url'])
        self.assertEqual('file:///a', crypt.urlsafe_decrypt(
            KEY, values['locations'][0]['url']))
        self.assertEqual((False, {'foo': 'bar'}),
                         (values['is_public'], values['properties']))
        self.assertNotIn('created_at', values)

    def test_representation_drops_nulls(self):
        conf = helpers.make_conf()
        record = repo.to_record(conf, row(), [])
        shown = view.image(FakeAPI(conf), None, record)
        self.assertEqual(
            {'foo', 'name', 'disk_format', 'container_format', 'visibility',
             'status', 'protected', 'min_ram', 'min_disk', 'owner', 'id',
             'created_at', 'updated_at', 'tags', 'self', 'file', 'schema'},
            set(shown))
        self.assertEqual('2014-04-17T10:23:45Z', shown['created_at'])
        self.assertEqual('/v2/images/%s/file' % record['id'], shown['file'])

    def test_uuid_spellings(self):
        self.assertTrue(repo.is_uuid('0d3b8f5e-6a2c-4b7e-8f91-2c4d6e8a0b13'))
        self.assertFalse(repo.is_uuid('not-a-uuid'))
