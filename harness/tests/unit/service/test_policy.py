"""policy.json rule language, lookup and reloading."""

import os

import fixtures
import testtools
import webob.exc

from harness.service import policy
from harness.service.context import RequestContext
from harness.tests.unit.service import apitest_helpers as helpers


def allowed(rule, roles=(), user='u', tenant='t', target=None, rules=None):
    """Evaluate *rule* as action ``act`` for a context."""
    all_rules = dict(rules or {})
    all_rules['act'] = rule
    creds = {'roles': list(roles), 'user': user, 'tenant': tenant}
    return policy.Rules(all_rules, 'default').evaluate(
        'act', target or {}, creds)


class PolicyTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # Bad rules are logged; keep that out of the test output.
        self.logger = self.useFixture(fixtures.FakeLogger(
            name='harness.service.policy'))


class TestRuleLanguage(PolicyTestBase):

    def test_always_and_never(self):
        self.assertTrue(allowed(''))
        self.assertTrue(allowed('   '))
        self.assertTrue(allowed('@'))
        self.assertFalse(allowed('!'))

    def test_role_case_insensitive(self):
        self.assertTrue(allowed('role:Admin', roles=['admin']))
        self.assertTrue(allowed('role:admin', roles=['ADMIN']))
        self.assertFalse(allowed('role:admin', roles=['member']))
        self.assertFalse(allowed('role:admin'))

    def test_rule_reference(self):
        rules = {'is_admin': 'role:admin'}
        self.assertTrue(allowed('rule:is_admin', ['admin'], rules=rules))
        self.assertFalse(allowed('rule:is_admin', ['x'], rules=rules))

    def test_missing_rule_reference_uses_default(self):
        self.assertTrue(allowed('rule:nothing', rules={'default': ''}))
        self.assertFalse(allowed('rule:nothing', rules={'default': '!'}))
        self.assertFalse(allowed('rule:nothing'))

    def test_rule_loop_denies(self):
        self.assertFalse(allowed('rule:a', rules={'a': 'rule:a'}))

    def test_generic_credentials(self):
        self.assertTrue(allowed('tenant:t'))
        self.assertTrue(allowed('user:u'))
        self.assertFalse(allowed('tenant:other'))
        self.assertFalse(allowed('unknown_key:x'))

    def test_target_substitution(self):
        self.assertTrue(allowed('tenant:%(owner)s', target={'owner': 't'}))
        self.assertFalse(allowed('tenant:%(owner)s', target={'owner': 'x'}))
        self.assertFalse(allowed('tenant:%(owner)s', target={}))

    def test_literal_left_side(self):
        self.assertTrue(allowed("'pub':%(visibility)s",
                                target={'visibility': 'pub'}))
        self.assertFalse(allowed("'pub':%(visibility)s",
                                 target={'visibility': 'priv'}))

    def test_and_or_not(self):
        self.assertTrue(allowed('role:a and role:b', ['a', 'b']))
        self.assertFalse(allowed('role:a and role:b', ['a']))
        self.assertTrue(allowed('role:a or role:b', ['b']))
        self.assertFalse(allowed('role:a or role:b', ['c']))
        self.assertTrue(allowed('not role:a', ['b']))
        self.assertFalse(allowed('not role:a', ['a']))
        self.assertTrue(allowed('role:a AND NOT role:b', ['a']))

    def test_precedence(self):
        # and binds tighter than or: a or (b and c)
        self.assertTrue(allowed('role:a or role:b and role:c', ['a']))
        self.assertFalse(allowed('role:a or role:b and role:c', ['b']))
        # not binds tighter than and
        self.assertTrue(allowed('not role:a and role:b', ['b']))

    def test_parentheses(self):
        rule = '(role:a or role:b) and role:c'
        self.assertFalse(allowed(rule, ['a']))
        self.assertTrue(allowed(rule, ['b', 'c']))
        self.assertTrue(allowed('((role:a))', ['a']))
        self.assertTrue(allowed('not (role:a and role:b)', ['a']))
        self.assertTrue(allowed('( role:a )', ['a']))

    def test_glance_creator_rule(self):
        rule = 'role:admin or role:spl_role'
        self.assertTrue(allowed(rule, ['spl_role']))
        self.assertFalse(allowed(rule, ['member']))

    def test_malformed_rules_deny(self):
        for rule in ('role:a and', '(role:a', 'role:a)', 'or role:a',
                     'nocolon', 'role:a role:b', '()'):
            self.assertFalse(allowed(rule, ['a', 'b']), rule)
        self.assertIn("Failed to understand policy rule 'role:a and'",
                      self.logger.output)

    def test_legacy_list(self):
        rule = [['role:a'], ['role:b', 'tenant:t']]
        self.assertTrue(allowed(rule, ['a']))
        self.assertTrue(allowed(rule, ['b']))
        self.assertFalse(allowed(rule, ['b'], tenant='x'))
        self.assertTrue(allowed([]))
        self.assertFalse(allowed([[]]))
        self.assertTrue(allowed(['role:a'], ['a']))
        self.assertTrue(allowed([['@']]))
        self.assertFalse(allowed([['!']]))

    def test_bad_rule_type_denies(self):
        self.assertFalse(allowed(42))

    def test_tokenize(self):
        self.assertEqual(['(', '(', ('check', 'role:a'), ')', 'or', 'not',
                          ('check', 'user:x'), ')'],
                         policy.tokenize('((role:a) OR not user:x)'))


class TestLookup(PolicyTestBase):

    def test_absent_action_uses_default_rule(self):
        rules = policy.Rules({'default': '!'}, 'default')
        self.assertFalse(rules.evaluate('get_images', {}, {'roles': []}))
        rules = policy.Rules({'default': ''}, 'default')
        self.assertTrue(rules.evaluate('get_images', {}, {'roles': []}))

    def test_configured_default_rule(self):
        rules = policy.Rules({'default': '!', 'mine': ''}, 'mine')
        self.assertTrue(rules.evaluate('x', {}, {'roles': []}))

    def test_no_default_denies(self):
        rules = policy.Rules({'a': ''}, 'default')
        self.assertFalse(rules.evaluate('x', {}, {'roles': []}))
        self.assertFalse(policy.Rules({}, 'default').evaluate(
            'x', {}, {'roles': []}))


class TestEnforcer(PolicyTestBase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.tmp, 'policy.json')
        self.enforcer = policy.Enforcer(helpers.make_conf(
            policy_file=self.path))
        self.admin = RequestContext(is_admin=True)
        self.member = RequestContext(user='u', tenant='t', roles=['member'])

    def write_in_place(self, text):
        with open(self.path, 'w', encoding='utf-8') as handle:
            handle.write(text)

    def test_missing_file_builtin_rules(self):
        self.assertTrue(self.enforcer.check(self.member, 'get_images'))
        self.assertFalse(self.enforcer.check(self.member,
                                             'manage_image_cache'))
        self.assertTrue(self.enforcer.check(
            RequestContext(roles=['admin']), 'manage_image_cache'))
        self.assertFalse(self.enforcer.check_is_admin(self.member))

    def test_enforce_raises_bare_403(self):
        helpers.write_policy(self.path, {'get_images': '!'})
        error = self.assertRaises(webob.exc.HTTPForbidden,
                                  self.enforcer.enforce, self.member,
                                  'get_images')
        self.assertEqual(403, error.status_int)
        self.assertRaises(webob.exc.HTTPForbidden, self.enforcer.enforce,
                          self.member, 'absent_without_default')

    def test_admin_gets_no_bypass(self):
        helpers.write_policy(self.path, {'download_image': '!'})
        self.assertFalse(self.enforcer.check(self.admin, 'download_image'))

    def test_empty_rule_set_denies(self):
        helpers.write_policy(self.path, {})
        self.assertFalse(self.enforcer.check(self.admin, 'get_images'))

    def test_target_passed(self):
        helpers.write_policy(self.path, {'get_image': 'tenant:%(owner)s'})
        self.assertTrue(self.enforcer.check(self.member, 'get_image',
                                            {'owner': 't'}))
        self.assertFalse(self.enforcer.check(self.member, 'get_image',
                                             {'owner': 'x'}))

    def test_reload_on_replace(self):
        helpers.write_policy(self.path, {'get_images': '!'})
        self.assertFalse(self.enforcer.check(self.member, 'get_images'))
        helpers.write_policy(self.path, {'get_images': ''})
        self.assertTrue(self.enforcer.check(self.member, 'get_images'))

    def test_reload_same_size_in_place(self):
        # Same size, same inode, possibly the same coarse mtime.
        self.write_in_place('{"get_images": "!"}')
        self.assertFalse(self.enforcer.check(self.member, 'get_images'))
        self.write_in_place('{"get_images": "@"}')
        self.assertTrue(self.enforcer.check(self.member, 'get_images'))

    def test_reload_with_old_mtime(self):
        self.write_in_place('{"get_images": "!"}')
        os.utime(self.path, (1000000000, 1000000000))
        self.assertFalse(self.enforcer.check(self.member, 'get_images'))
        self.write_in_place('{"get_images": "@", "x": 1}')
        os.utime(self.path, (1000000001, 1000000001))
        self.assertTrue(self.enforcer.check(self.member, 'get_images'))

    def test_file_removed_and_created(self):
        helpers.write_policy(self.path, {'get_images': '!'})
        self.assertFalse(self.enforcer.check(self.member, 'get_images'))
        os.unlink(self.path)
        self.assertTrue(self.enforcer.check(self.member, 'get_images'))
        helpers.write_policy(self.path, {'get_images': '!'})
        self.assertFalse(self.enforcer.check(self.member, 'get_images'))

    def test_parsed_once_while_unchanged(self):
        self.write_in_place('{"get_images": ""}')
        os.utime(self.path, (1000000000, 1000000000))
        parsed = []
        real_rules = policy.Rules

        def counting_rules(*args):
            parsed.append(args)
            return real_rules(*args)
        self.useFixture(fixtures.MonkeyPatch(
            'harness.service.policy.Rules', counting_rules))
        for _ in range(3):
            self.assertTrue(self.enforcer.check(self.member, 'get_images'))
        self.assertEqual(1, len(parsed))

    def test_invalid_file_500(self):
        self.write_in_place('{not json')
        error = self.assertRaises(webob.exc.HTTPInternalServerError,
                                  self.enforcer.check, self.member, 'x')
        self.assertEqual(500, error.status_int)
        self.write_in_place('[1, 2]')
        self.assertRaises(webob.exc.HTTPInternalServerError,
                          self.enforcer.check, self.member, 'x')
        self.write_in_place('{"x": ""}')
        self.assertTrue(self.enforcer.check(self.member, 'x'))

    def test_relative_file_found_beside_config(self):
        helpers.write_policy(self.path, {'get_images': '!'})
        conf = helpers.make_conf(
            config_files=[os.path.join(self.tmp, 'api.conf')],
            policy_file='policy.json')
        self.assertFalse(policy.Enforcer(conf).check(self.member,
                                                     'get_images'))

    def test_policy_default_rule_option(self):
        helpers.write_policy(self.path, {'default': '!', 'open': ''})
        conf = helpers.make_conf(policy_file=self.path,
                                 policy_default_rule='open')
        self.assertTrue(policy.Enforcer(conf).check(self.member, 'x'))

    def test_context_is_admin_sees_tenant(self):
        helpers.write_policy(self.path, {'context_is_admin': 'tenant:t'})
        self.assertTrue(self.enforcer.check_is_admin(self.member))
