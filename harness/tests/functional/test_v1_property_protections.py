"""Property protections through the v1 API, both rule formats.
"""

import json
import os

from harness.glance import functional
from harness.tests.functional import v1_support as v1

ADMIN = 'admin:tenant1:admin'
MEMBER = 'member:tenant1:member'
SPL = 'spl:tenant1:spl_role'


class ProtectionsMixin(object):

    def start(self, rule_format, property_file):
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'
        self.start_servers(property_protection_file=property_file,
                           property_protection_rule_format=rule_format,
                           **self.__dict__.copy())

    def as_user(self, token):
        return v1.V1(self.api_port, {'X-Auth-Token': token})

    def create(self, token, **props):
        headers = v1.minimal_headers('Protected', **{
            'X-Image-Meta-Property-%s' % name: value
            for name, value in props.items()})
        return self.as_user(token).create(headers)

    def update(self, token, image_id, purge=True, **props):
        headers = {'X-Image-Meta-Property-%s' % name: value
                   for name, value in props.items()}
        if not purge:
            headers['X-Glance-Registry-Purge-Props'] = 'false'
        return self.as_user(token).request('PUT', '/v1/images/%s' % image_id,
                                           headers)

    def properties_seen_by(self, token, image_id):
        status, headers, _ = self.as_user(token).head(image_id)
        prefix = 'x-image-meta-property-'
        return {name[len(prefix):]: value for name, value in headers.items()
                if name.startswith(prefix)}

    def assertProtected(self, name, response):
        status, _, body = response
        self.assertEqual(403, status, body)
        self.assertIn(("Property '%s' is protected" % name).encode(), body)

    def assertOk(self, expected, response):
        status, _, body = response
        self.assertEqual(expected, status, body)
        return json.loads(body)['image']


class TestV1PropertyProtectionsRoles(ProtectionsMixin,
                                     functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.start('roles', self.property_file_roles)

    def test_create(self):
        self.assertProtected('spl_create_prop', self.create(
            MEMBER, spl_create_prop='1'))
        self.assertProtected('x_none_permitted', self.create(
            ADMIN, x_none_permitted='1'))
        image = self.assertOk(201, self.create(SPL, spl_create_prop='1'))
        self.assertEqual({'spl_create_prop': '1'}, image['properties'])
        image = self.assertOk(201, self.create(
            MEMBER, x_owner_foo='o', x_all_permitted='a', x_none_read='n'))
        # Never readable, not even in the answer to its creation.
        self.assertEqual({'x_owner_foo': 'o', 'x_all_permitted': 'a'},
                         image['properties'])

    def test_read(self):
        image = self.assertOk(201, self.create(
            ADMIN, x_owner_foo='o', spl_read_prop='r', x_none_read='n',
            other='x'))
        self.assertEqual({'x_owner_foo': 'o', 'spl_read_prop': 'r',
                          'other': 'x'},
                         self.properties_seen_by(ADMIN, image['id']))
        self.assertEqual({'x_owner_foo': 'o'},
                         self.properties_seen_by(MEMBER, image['id']))
        self.assertEqual({'spl_read_prop': 'r'},
                         self.properties_seen_by(SPL, image['id']))
        detail = self.as_user(SPL).list()
        self.assertEqual([{'spl_read_prop': 'r'}],
                         [i['properties'] for i in detail])

    def test_update(self):
        image = self.assertOk(201, self.create(
            ADMIN, spl_read_prop='r', spl_update_prop='u',
            spl_update_only_prop='o'))
        image_id = image['id']
        self.assertProtected('spl_read_prop', self.update(
            SPL, image_id, purge=False, spl_read_prop='changed'))
        # Unchanged value: read is enough.
        self.assertOk(200, self.update(SPL, image_id, purge=False,
                                       spl_read_prop='r'))
        image = self.assertOk(200, self.update(SPL, image_id, purge=False,
                                               spl_update_prop='changed'))
        self.assertEqual('changed', image['properties']['spl_update_prop'])
        # Update rights without read rights are not enough.
        self.assertProtected('spl_update_only_prop', self.update(
            SPL, image_id, purge=False, spl_update_only_prop='x'))
        self.assertProtected('spl_create_prop', self.update(
            MEMBER, image_id, purge=False, spl_create_prop='new'))

    def test_delete_by_purge(self):
        image = self.assertOk(201, self.create(
            ADMIN, x_owner_foo='o', x_none_read='n', spl_delete_prop='d',
            spl_read_prop='r'))
        image_id = image['id']
        # spl_role may delete spl_delete_prop but not spl_read_prop.
        self.assertProtected('spl_read_prop', self.update(
            SPL, image_id, spl_delete_prop='d'))
        self.assertOk(200, self.update(SPL, image_id, spl_read_prop='r'))
        self.assertEqual({'x_owner_foo': 'o', 'spl_read_prop': 'r'},
                         self.properties_seen_by(ADMIN, image_id))
        # Readable but not deletable: refused.
        image = self.assertOk(201, self.create(
            ADMIN, x_owner_foo='o', x_none_read='n', x_none_delete='d'))
        self.assertProtected('x_none_delete', self.update(
            MEMBER, image['id'], x_owner_foo='o'))
        # A member cannot read x_none_read: purging silently keeps it.
        self.assertOk(200, self.update(MEMBER, image['id'], x_owner_foo='p',
                                       x_none_delete='d'))
        rows = self.run_sql_cmd(
            "SELECT name, value FROM image_properties WHERE image_id = '%s' "
            "AND deleted = %s ORDER BY name"
            % (image['id'], self._false()))
        self.assertEqual([('x_none_delete', 'd'), ('x_none_read', 'n'),
                          ('x_owner_foo', 'p')],
                         [tuple(row) for row in rows])

    def _false(self):
        url = self.registry_server.sql_connection
        return 'false' if url.startswith('postgresql') else '0'


class TestV1PropertyProtectionsPolicies(ProtectionsMixin,
                                        functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.start('policies', self.property_file_policies)

    def test_creator_policy(self):
        self.assertProtected('spl_creator_policy', self.create(
            MEMBER, spl_creator_policy='1'))
        image = self.assertOk(201, self.create(SPL, spl_creator_policy='1'))
        self.assertEqual({'spl_creator_policy': '1'}, image['properties'])
        self.assertEqual({'spl_creator_policy': '1'},
                         self.properties_seen_by(SPL, image['id']))
        self.assertEqual({}, self.properties_seen_by(MEMBER, image['id']))
        self.assertProtected('spl_creator_policy', self.update(
            SPL, image['id'], spl_creator_policy='2'))
        image = self.assertOk(200, self.update(ADMIN, image['id'],
                                               spl_creator_policy='2'))
        self.assertEqual({'spl_creator_policy': '2'}, image['properties'])

    def test_default_policy_and_policy_changes(self):
        image = self.assertOk(201, self.create(ADMIN,
                                               spl_default_policy='d'))
        self.assertEqual({'spl_default_policy': 'd'},
                         self.properties_seen_by(MEMBER, image['id']))
        self.set_policy_rules({'context_is_admin': 'role:admin',
                               'default': '',
                               'glance_creator': 'role:member'})
        image = self.assertOk(201, self.create(MEMBER,
                                               spl_creator_policy='m'))
        self.assertEqual({'spl_creator_policy': 'm'}, image['properties'])

    def test_everyone_and_no_one(self):
        image = self.assertOk(201, self.create(MEMBER,
                                               x_all_permitted_1='a'))
        self.assertEqual({'x_all_permitted_1': 'a'}, image['properties'])
        self.assertProtected('x_none_permitted_1', self.create(
            ADMIN, x_none_permitted_1='n'))


class TestV1PropertyProtectionsStartup(functional.FunctionalTest):

    def _write(self, name, text):
        path = os.path.join(self.test_dir, name)
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    def assertStartFails(self, message, **kwargs):
        kwargs.update(self.__dict__.copy())
        rc, _, err = self.api_server.start(expect_exit=True,
                                           expected_exitcode=1, **kwargs)
        self.assertEqual(1, rc)
        self.assertIn('ERROR: ', err)
        self.assertIn(message, err)
        self.assertNotIn('Traceback', err)

    def test_invalid_files_fail_startup(self):
        ops = 'create = @\nread = @\nupdate = @\n'
        for text, message in (
                ('[x(]\n' + ops + 'delete = @\n',
                 'Encountered a malformed property protection rule x('),
                ('[x]\n' + ops, 'has no delete operation'),
                ('[x]\n' + ops + 'delete = @,!\n',
                 "'@' and '!' are mutually exclusive")):
            self.assertStartFails(message, property_protection_file=(
                self._write('bad.conf', text)))

    def test_bad_rule_format(self):
        self.assertStartFails(
            "Invalid value 'nonsense' for 'property_protection_rule_format'",
            property_protection_file=self.property_file_roles,
            property_protection_rule_format='nonsense')

    def test_missing_file(self):
        self.assertStartFails(
            "Couldn't find property protection file",
            property_protection_file=os.path.join(self.test_dir, 'nope'))
