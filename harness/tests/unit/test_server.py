"""Conf writing of the server declarations (no processes started)."""

import configparser
import os
import re
import sys

import fixtures
import testtools

from harness import errors
from harness.process import readiness
from harness.process import server
from harness.glance import servers
from harness.glance import templates


def template_keys(template):
    return set(re.findall(r'%\((\w+)\)s', template))


class WriteConfTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.test_dir = self.useFixture(fixtures.TempDir()).path
        self.api = servers.ApiServer(self.test_dir, 9292, '/p/policy.json')
        self.registry = servers.RegistryServer(self.test_dir, 9191)
        self.scrubber = servers.ScrubberDaemon(self.test_dir)

    def test_every_template_key_has_a_default(self):
        for srv, extra in ((self.api, {'registry_port'}),
                           (self.registry, set()),
                           (self.scrubber, {'registry_port'})):
            missing = (template_keys(srv.conf_base)
                       - set(srv.__dict__) - extra)
            self.assertEqual(set(), missing, srv.server_name)

    def test_glance_idiom_kwargs_with_non_strings(self):
        # What self.__dict__.copy() of a test looks like: many keys no
        # template uses, some of them objects.
        kwargs = {'registry_port': 4321, 'api_server': self.api,
                  'launched_servers': [], 'workers': 3, 'debug': False,
                  'some_lambda': lambda: None}
        name, overridden = self.api.write_conf(**kwargs)
        self.assertEqual(os.path.join(self.test_dir, 'etc', 'api.conf'), name)
        parser = configparser.RawConfigParser(strict=False)
        parser.read(name)
        self.assertEqual('4321', parser.get('DEFAULT', 'registry_port'))
        self.assertEqual('3', parser.get('DEFAULT', 'workers'))
        self.assertEqual('False', parser.get('DEFAULT', 'debug'))
        self.assertIn('==Paste config==', overridden)
        self.assertTrue(os.path.exists(name.replace('.conf', '-paste.ini')))

    def test_kwargs_override_only_that_call(self):
        self.registry.write_conf(deployment_flavor='fakeauth')
        self.registry.write_conf()
        with open(self.registry.conf_file_name) as handle:
            self.assertIn('flavor = \n', handle.read())

    def test_seed_api_keys_are_all_written(self):
        # Keys of the seed's API template, including the repeated one.
        seed_keys = ['verbose', 'debug', 'default_log_levels',
                     'filesystem_store_datadir', 'default_store', 'bind_host',
                     'bind_port', 'key_file', 'cert_file',
                     'metadata_encryption_key', 'registry_host',
                     'registry_port', 'log_file', 'delayed_delete',
                     'owner_is_tenant', 'workers', 'scrub_time',
                     'scrubber_datadir', 'image_cache_dir',
                     'image_cache_driver', 'policy_file',
                     'policy_default_rule', 'db_auto_create',
                     'sql_connection', 'show_image_direct_url',
                     'show_multiple_locations', 'user_storage_quota',
                     'enable_v1_api', 'enable_v2_api', 'lock_path',
                     'property_protection_file',
                     'property_protection_rule_format', 'image_member_quota',
                     'image_property_quota', 'image_tag_quota',
                     'image_location_quota', 'location_strategy']
        written = re.findall(r'^(\w+) ?=', templates.API_CONF, re.M)
        for key in seed_keys:
            self.assertIn(key, written)
        self.assertEqual(2, written.count('enable_v2_api'))

    def test_no_conf_base_is_an_error(self):
        bare = server.Server(self.test_dir, 1)
        self.assertRaises(errors.HarnessError, bare.write_conf)

    def test_default_sqlite_url_is_absolute(self):
        self.assertEqual(
            'sqlite:///%s/tests.sqlite' % self.test_dir,
            self.api.sql_connection)
        self.assertEqual(self.api.sql_connection,
                         self.registry.sql_connection)

    def test_bind_port_in_use(self):
        held = server.bind_port(0)
        self.addCleanup(held.close)
        held.listen()
        port = held.getsockname()[1]
        exc = self.assertRaises(errors.PortInUseError, server.bind_port,
                                port)
        self.assertEqual(port, exc.port)

    def test_stop_before_start_is_harmless(self):
        self.assertEqual((0, '', ''), self.api.stop())
        self.assertEqual((0, '', ''), self.api.stop())


class ArgvTest(testtools.TestCase):
    """The command line of a server: the contract's, or ``command``."""

    def setUp(self):
        super().setUp()
        self.test_dir = self.useFixture(fixtures.TempDir()).path

    def test_server_module_keeps_the_contract_argv(self):
        api = servers.ApiServer(self.test_dir, 9292, '/p/policy.json')
        name, _ = api.write_conf(registry_port=1)
        self.assertEqual([sys.executable, '-m', 'harness.cmd.api',
                          '--config-file', name], api.argv(registry_port=1))

    def test_command_is_filled_like_the_conf(self):
        srv = server.Server(self.test_dir, 6379)
        srv.server_name = 'kv'
        srv.conf_base = 'port %(bind_port)s\n'
        srv.command = ['kv-server', '%(conf_file_name)s',
                       '--port=%(bind_port)s', '--ratio=50%%']
        name, _ = srv.write_conf()
        self.assertEqual(['kv-server', name, '--port=7000', '--ratio=50%'],
                         srv.argv(bind_port=7000))

    def test_command_with_an_unknown_key_names_it(self):
        srv = server.Server(self.test_dir, 1)
        srv.server_name = 'kv'
        srv.command = ['kv-server', '%(no_such_key)s']
        exc = self.assertRaises(errors.HarnessError, srv.argv)
        self.assertIn("the kv command needs 'no_such_key'", str(exc))

    def test_a_lone_percent_is_a_clear_error(self):
        srv = server.Server(self.test_dir, 1)
        srv.server_name = 'kv'
        srv.command = ['kv-server', '--ratio=50%']
        exc = self.assertRaises(errors.HarnessError, srv.argv)
        self.assertIn("the kv command '--ratio=50%' is not a %(name)s "
                      "template", str(exc))
        self.assertIn('write a literal % as %%', str(exc))

    def test_neither_module_nor_command_is_an_error(self):
        srv = server.Server(self.test_dir, 1)
        srv.server_name = 'kv'
        exc = self.assertRaises(errors.HarnessError, srv.argv)
        self.assertIn('neither server_module nor command', str(exc))

    def test_readiness_is_the_class_choice(self):
        class Plain(server.Server):
            pass

        class Http(server.Server):
            readiness = readiness.HttpGet('/healthz', 204)

        self.assertEqual(readiness.TcpPort(port=81),
                         Plain(self.test_dir, 81).ready_check())
        self.assertEqual(readiness.HttpGet('/healthz', 204, port=82),
                         Http(self.test_dir, 82).ready_check())
        api = servers.ApiServer(self.test_dir, 83, '/p/policy.json')
        self.assertEqual(readiness.ReadyByte(), api.ready_check())
        self.assertEqual(readiness.ReadyByte(), Plain(self.test_dir, 0)
                         .ready_check())  # nothing to connect to

    def test_port_clash_words(self):
        clash = server.Server.port_clash
        for text in ('bind: Address already in use',
                     'ERROR: port 80 on 127.0.0.1 is already in use',
                     'ERROR: Could not bind to 0.0.0.0:80 after trying for '
                     '30 seconds', 'OSError: [Errno 98] EADDRINUSE'):
            self.assertTrue(clash.search(text), text)
        for text in ('ERROR: Store for scheme x not found',
                     'ERROR: Could not bind to nohost:80: Name or service '
                     'not known'):
            self.assertFalse(clash.search(text), text)
