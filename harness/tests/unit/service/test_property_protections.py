"""Property protection rules: both formats, the test files, bad files."""

import os

import fixtures
import testtools
import webob.exc

from harness.glance import data
from harness.errors import StartupError
from harness.service import policy
from harness.service import property_protections as pp
from harness.service.api.v1 import protections
from harness.service.context import RequestContext
from harness.tests.unit.service import apitest_helpers as helpers

OPERATIONS = ('create', 'read', 'update', 'delete')


def ctx(*roles):
    return RequestContext(user='u', tenant='t', roles=list(roles))


class RulesMixin(object):

    def allowed(self, rules, name, *roles):
        """The operations *roles* may do on property *name*."""
        context = ctx(*roles)
        return {op for op in OPERATIONS if rules.check(name, op, context)}


class TestRolesFile(RulesMixin, testtools.TestCase):
    """The harness's own ``etc/property-protections.conf`` (roles format),
    the one the templates name."""

    def setUp(self):
        super().setUp()
        conf = helpers.make_conf(
            property_protection_file=data.data_file(
                'property-protections.conf'))
        self.rules = pp.load(conf)

    def test_owner_props_for_member_and_admin(self):
        for roles in (('member',), ('admin',), ('member', 'other')):
            self.assertEqual(set(OPERATIONS), self.allowed(
                self.rules, 'x_owner_foo', *roles))
        self.assertEqual(set(), self.allowed(self.rules, 'x_owner_foo',
                                             'reader'))

    def test_member_denied_everything_else(self):
        self.assertEqual(set(), self.allowed(self.rules, 'spl_create_prop',
                                             'member'))
        self.assertEqual(set(), self.allowed(self.rules, 'anything',
                                             'member'))
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'anything', 'admin'))

    def test_spl_role(self):
        self.assertEqual({'create', 'read'}, self.allowed(
            self.rules, 'spl_create_prop', 'spl_role'))
        self.assertEqual({'read'}, self.allowed(
            self.rules, 'spl_read_only_prop', 'spl_role'))
        self.assertEqual({'create', 'read', 'update'}, self.allowed(
            self.rules, 'spl_update_prop', 'spl_role'))
        self.assertEqual({'update'}, self.allowed(
            self.rules, 'spl_update_only_prop', 'spl_role'))
        self.assertEqual({'create', 'read', 'delete'}, self.allowed(
            self.rules, 'spl_delete_prop', 'spl_role'))

    def test_everyone_and_no_one(self):
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'x_all_permitted_1'))
        self.assertEqual(set(), self.allowed(
            self.rules, 'x_none_permitted_1', 'admin'))

    def test_none_read(self):
        self.assertEqual({'create'}, self.allowed(self.rules, 'x_none_read',
                                                  'member'))
        self.assertEqual({'create', 'read', 'delete'}, self.allowed(
            self.rules, 'x_none_update', 'admin'))
        self.assertEqual({'create', 'read', 'update'}, self.allowed(
            self.rules, 'x_none_delete', 'admin'))

    def test_first_matching_section_wins(self):
        self.assertEqual(set(), self.allowed(self.rules, 'x_foo_matcher',
                                             'member'))
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'x_foo_matcher', 'admin'))
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'x_foo_bar', 'member'))

    def test_roles_case_insensitive(self):
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'x_owner_a', 'Member'))

    def test_unknown_operation(self):
        self.assertFalse(self.rules.check('x_all_permitted', 'list',
                                          ctx('admin')))


class TestPoliciesFile(RulesMixin, testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(tmp, 'policy.json')
        helpers.write_policy(self.policy_file, {
            'context_is_admin': 'role:admin', 'default': '',
            'glance_creator': 'role:admin or role:spl_role'})
        conf = helpers.make_conf(
            policy_file=self.policy_file,
            property_protection_rule_format='policies',
            property_protection_file=data.data_file(
                'property-protections-policies.conf'))
        self.rules = pp.load(conf)

    def test_creator_policy(self):
        self.assertEqual({'create', 'read'}, self.allowed(
            self.rules, 'spl_creator_policy', 'spl_role'))
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'spl_creator_policy', 'admin'))
        self.assertEqual(set(), self.allowed(
            self.rules, 'spl_creator_policy', 'member'))

    def test_default_policy(self):
        self.assertEqual({'read'}, self.allowed(
            self.rules, 'spl_default_policy', 'member'))

    def test_at_and_bang(self):
        self.assertEqual(set(OPERATIONS), self.allowed(
            self.rules, 'x_all_permitted_z'))
        self.assertEqual(set(), self.allowed(
            self.rules, 'x_none_permitted_z', 'admin'))

    def test_policy_file_change_applies(self):
        helpers.write_policy(self.policy_file, {
            'context_is_admin': 'role:admin', 'default': '',
            'glance_creator': 'role:member'})
        self.assertEqual({'create', 'read'}, self.allowed(
            self.rules, 'spl_creator_policy', 'member'))

    def test_uses_given_enforcer(self):
        conf = helpers.make_conf(
            policy_file=self.policy_file,
            property_protection_rule_format='policies',
            property_protection_file=data.data_file(
                'property-protections-policies.conf'))
        enforcer = policy.Enforcer(conf)
        self.assertIs(enforcer, pp.load(conf, enforcer).enforcer)


class TestLoading(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger())
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def write(self, text, name='props.conf'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    def load(self, text, rule_format='roles'):
        return pp.load(helpers.make_conf(
            property_protection_file=self.write(text),
            property_protection_rule_format=rule_format))

    def assertInvalid(self, text, message, rule_format='roles'):
        exc = self.assertRaises(pp.InvalidPropertyProtections, self.load,
                                text, rule_format)
        self.assertIsInstance(exc, StartupError)
        self.assertIn(message, str(exc))

    def test_disabled(self):
        self.assertIsNone(pp.load(helpers.make_conf()))
        self.assertIsNone(pp.load(helpers.make_conf(
            property_protection_file='')))

    def test_no_sections_allows_everything(self):
        rules = self.load('')
        self.assertTrue(rules.check('anything', 'delete', ctx()))

    def test_unmatched_denied(self):
        rules = self.load('[^a$]\ncreate = @\nread = @\nupdate = @\n'
                          'delete = @\n')
        self.assertTrue(rules.check('a', 'read', ctx()))
        self.assertFalse(rules.check('b', 'read', ctx('admin')))

    def test_empty_value_denies(self):
        rules = self.load('[a]\ncreate =\nread = @\nupdate = @\n'
                          'delete = @\n')
        self.assertFalse(rules.check('a', 'create', ctx('admin')))
        self.assertIn('Property protection on operation create for rule a '
                      'is not found.', self.logger.output)

    def test_relative_file_found_next_to_conf(self):
        self.write('[a]\ncreate = @\nread = @\nupdate = @\ndelete = @\n',
                   'prot.conf')
        conf_file = self.write('[DEFAULT]\n', 'api.conf')
        conf = helpers.make_conf(config_files=[conf_file],
                                 property_protection_file='prot.conf')
        self.assertTrue(pp.load(conf).check('a', 'read', ctx()))

    def test_invalid_format(self):
        self.assertInvalid('', "Invalid value 'bogus' for "
                           "'property_protection_rule_format'. The "
                           "permitted values are 'roles' and 'policies'",
                           rule_format='bogus')

    def test_missing_file(self):
        exc = self.assertRaises(
            pp.InvalidPropertyProtections, pp.load, helpers.make_conf(
                property_protection_file=os.path.join(self.tmp, 'nope')))
        self.assertIn("Couldn't find property protection file", str(exc))

    def test_bad_regex(self):
        self.assertInvalid('[x(]\ncreate = @\nread = @\nupdate = @\n'
                           'delete = @\n',
                           'Encountered a malformed property protection '
                           'rule x(')

    def test_missing_operation(self):
        self.assertInvalid('[x]\ncreate = @\nread = @\nupdate = @\n',
                           'Property protection rule [x] has no delete '
                           'operation.')

    def test_at_and_bang_together(self):
        self.assertInvalid('[x]\ncreate = @,!\nread = @\nupdate = @\n'
                           'delete = @\n', "'@' and '!' are mutually "
                           "exclusive")

    def test_several_policies(self):
        self.assertInvalid('[x]\ncreate = a,b\nread = @\nupdate = @\n'
                           'delete = @\n', "Multiple policies 'a,b' not "
                           "allowed", rule_format='policies')

    def test_not_ini(self):
        self.assertInvalid('create = @\n', 'Invalid property protection '
                           'file')


class TestV1Protections(testtools.TestCase):

    def setUp(self):
        super().setUp()
        rules = pp.load(helpers.make_conf(
            property_protection_file=data.data_file(
                'property-protections.conf')))
        self.prot = protections.V1Protections(rules)

    def assertProtected(self, name, func, *args):
        exc = self.assertRaises(webob.exc.HTTPForbidden, func, *args)
        self.assertEqual("Property '%s' is protected" % name,
                         exc.explanation)

    def test_disabled_allows_all(self):
        prot = protections.V1Protections(None)
        prot.enforce_create(ctx(), ['x_none_permitted'])
        new = {}
        prot.enforce_update(ctx(), new, {'x_none_read': '1'}, True)
        self.assertEqual({}, new)

    def test_create(self):
        self.prot.enforce_create(ctx('member'), ['x_owner_a', 'x_foo_b'])
        self.assertProtected('spl_create_prop', self.prot.enforce_create,
                             ctx('member'), ['x_owner_a', 'spl_create_prop'])

    def test_update_unchanged_needs_only_read(self):
        self.prot.enforce_update(ctx('spl_role'), {'spl_read_prop': 'v'},
                                 {'spl_read_prop': 'v'}, False)
        self.assertProtected('spl_read_prop', self.prot.enforce_update,
                             ctx('spl_role'), {'spl_read_prop': 'w'},
                             {'spl_read_prop': 'v'}, False)

    def test_update_needs_read(self):
        self.assertProtected('spl_update_only_prop',
                             self.prot.enforce_update, ctx('spl_role'),
                             {'spl_update_only_prop': 'v'},
                             {'spl_update_only_prop': 'v'}, False)

    def test_update_creates(self):
        self.assertProtected('spl_read_only_prop', self.prot.enforce_update,
                             ctx('spl_role'), {'spl_read_only_prop': 'v'},
                             {}, False)

    def test_purge_keeps_unreadable(self):
        new = {'x_owner_a': '1'}
        self.prot.enforce_update(ctx('member'), new,
                                 {'x_owner_a': '1', 'x_none_read': 's'},
                                 True)
        self.assertEqual({'x_owner_a': '1', 'x_none_read': 's'}, new)

    def test_purge_of_undeletable(self):
        self.assertProtected('x_none_delete', self.prot.enforce_update,
                             ctx('admin'), {}, {'x_none_delete': 'v'}, True)

    def test_no_purge_no_delete_check(self):
        new = {}
        self.prot.enforce_update(ctx('admin'), new, {'x_none_delete': 'v'},
                                 False)
        self.assertEqual({}, new)

    def test_filter_readable(self):
        rules = self.prot.rules
        self.assertEqual({'x_owner_a': 1, 'x_all_permitted': 2},
                         rules.filter_readable(
                             {'x_owner_a': 1, 'x_all_permitted': 2,
                              'x_none_read': 3, 'other': 4},
                             ctx('member')))
