"""FunctionalTest used exactly as a Glance 2014.1 functional test uses it."""

import json
import os
import socket

from harness.glance import functional
from harness.tests.functional import client


class TestVersionsAndApis(functional.FunctionalTest):

    def test_versions_at_root(self):
        self.start_servers(**self.__dict__.copy())
        status, headers, body = client.request(self.api_port, 'GET', '/')
        self.assertEqual(300, status)
        self.assertEqual('application/json', headers['content-type'])
        self.assertEqual(client.versions_document(self.api_port), body)
        self.stop_servers()

    def test_v1_api_disabled(self):
        self.enable_v1_api = False
        self.start_servers(**self.__dict__.copy())
        status, _, body = client.request(self.api_port, 'GET', '/v1/images')
        self.assertEqual(300, status)
        self.assertEqual(client.versions_document(self.api_port, v1=False),
                         body)

    def test_v2_api_disabled(self):
        self.enable_v2_api = False
        self.start_servers(**self.__dict__.copy())
        status, _, body = client.request(self.api_port, 'GET', '/v2/images')
        self.assertEqual(300, status)
        self.assertEqual(client.versions_document(self.api_port, v2=False),
                         body)
        status, _, body = client.request(self.api_port, 'GET', '/v1/images')
        self.assertEqual((200, {'images': []}), (status, json.loads(body)))


class TestLogging(functional.FunctionalTest):

    def _read(self, path):
        with open(path) as handle:
            return handle.read()

    def test_debug_logs(self):
        self.start_servers(**self.__dict__.copy())
        client.request(self.api_port, 'GET', '/v1/images')
        self.stop_servers()
        for server in (self.api_server, self.registry_server):
            self.assertIn('DEBUG harness', self._read(server.log_file))

    def test_no_debug_logs(self):
        self.api_server.debug = False
        self.api_server.verbose = False
        self.registry_server.debug = False
        self.registry_server.verbose = False
        self.start_servers()
        client.request(self.api_port, 'GET', '/v1/images')
        self.stop_servers()
        for server in (self.api_server, self.registry_server):
            self.assertTrue(os.path.exists(server.log_file))
            self.assertNotIn('DEBUG harness', self._read(server.log_file))

    def test_log_rotation_is_noticed(self):
        self.start_servers(**self.__dict__.copy())
        log = self.api_server.log_file
        os.rename(log, log + '.1')
        status, _, _ = client.request(self.api_port, 'GET', '/')
        self.assertEqual(300, status)
        self.assertTrue(os.path.exists(log))
        self.assertNotEqual('', self._read(log))


class TestDatabase(functional.FunctionalTest):

    def test_db_sync_schema(self):
        self.start_servers(**self.__dict__.copy())
        url = self.registry_server.sql_connection
        if url.startswith('sqlite'):
            rows = self.run_sql_cmd("SELECT sql FROM sqlite_master")
            schema = '\n'.join(row[0] or '' for row in rows)
            for table in ('images', 'image_tags', 'image_locations',
                          'image_members', 'image_properties'):
                self.assertRegex(schema, r'CREATE TABLE "?%s"?' % table)
            self.assertNotIn('BIGINT', schema)
        else:
            from sqlalchemy import create_engine
            from sqlalchemy import inspect
            engine = create_engine(url)
            self.addCleanup(engine.dispose)
            tables = set(inspect(engine).get_table_names())
            self.assertTrue({'images', 'image_tags', 'image_locations',
                             'image_members', 'image_properties', 'tasks',
                             'task_info'} <= tables, tables)

    def test_run_sql_cmd_reaches_the_servers_database(self):
        self.start_servers(**self.__dict__.copy())
        self.run_sql_cmd(
            "INSERT INTO images (id, name, size, status, is_public, "
            "created_at, deleted, min_disk, min_ram, protected, "
            "disk_format, container_format) VALUES "
            "('a9e8e5a2-8f47-4a06-a4f1-2b1f2f6a7c01', 'sql-made', 3, "
            "'active', TRUE, '2014-04-17 10:23:45', FALSE, 0, 0, FALSE, "
            "'raw', 'bare')")
        status, _, body = client.request(self.api_port, 'GET', '/v1/images')
        self.assertEqual(200, status)
        images = json.loads(body)['images']
        self.assertEqual(['sql-made'], [i['name'] for i in images])
        rows = self.run_sql_cmd('SELECT name FROM images')
        self.assertEqual([('sql-made',)], [tuple(r) for r in rows])


class TestLifecycle(functional.FunctionalTest):

    def test_expect_launch_false(self):
        self.default_store = 'shouldnotexist'
        self.start_server(self.api_server, expect_launch=False,
                          expected_exitcode=1, **self.__dict__.copy())
        _, err = self.api_server.read_output()
        self.assertIn('ERROR: Store for scheme shouldnotexist not found', err)

    def test_port_clash_recovered_by_start_with_retry(self):
        taken = self.registry_port
        self.registry_server.close_socket()
        squatter = socket.socket()
        self.addCleanup(squatter.close)
        squatter.bind(('127.0.0.1', taken))
        squatter.listen()
        self.start_with_retry(self.registry_server, 'registry_port', 3,
                              **self.__dict__.copy())
        self.assertNotEqual(taken, self.registry_port)
        self.assertEqual(self.registry_port, self.registry_server.bind_port)
        status, _, body = client.request(self.registry_port, 'GET',
                                         '/images')
        self.assertEqual((200, {'images': []}), (status, json.loads(body)))

    def test_crash_at_start_fails_fast_with_its_log(self):
        self.api_server.start(expect_exit=False, registry_port=1,
                              deployment_flavor='nosuchflavor')
        # A generous timeout: the answer must come from the child's death.
        msg = self.wait_for_servers([self.api_server], timeout=600)
        self.assertIn('exited with status 1 before it was ready', msg)
        self.assertIn('Unable to load harness-api-nosuchflavor', msg)
        self.assertIn('api.stderr.log', self.getDetails())

    def test_reload_server(self):
        self.start_servers(**self.__dict__.copy())
        pid = self.api_server.process_pid
        self.reload_server(self.api_server, True, enable_v2_api=False)
        self.assertEqual(pid, self.api_server.process.pid)
        status, _, body = client.request(self.api_port, 'GET', '/')
        self.assertEqual(client.versions_document(self.api_port, v2=False),
                         body)

    def test_set_policy_rules_take_effect(self):
        self.start_servers(**self.__dict__.copy())
        status, _, _ = client.request(self.api_port, 'GET', '/v1/images')
        self.assertEqual(200, status)
        self.set_policy_rules({'default': '', 'get_images': '!'})
        status, _, _ = client.request(self.api_port, 'GET', '/v1/images')
        self.assertEqual(403, status)
        self.set_policy_rules({'default': '', 'get_images': ''})
        status, _, _ = client.request(self.api_port, 'GET', '/v1/images')
        self.assertEqual(200, status)

    def test_scrubber_daemon_runs_until_stopped(self):
        self.start_servers(daemon=True, **self.__dict__.copy())
        scrubber = self.scrubber_daemon
        self.assertIsNone(scrubber.process.poll())
        self.assertEqual(0, scrubber.stop()[0])
        self.assertEqual((0, '', ''), scrubber.stop())

    def test_stop_is_idempotent_and_leaks_nothing(self):
        # A first cycle consumes the reserved sockets and starts the
        # janitor; a second one must then leave the descriptors as it
        # found them.
        self.start_servers(**self.__dict__.copy())
        self.stop_servers()
        fds = set(os.listdir('/proc/self/fd'))
        self.start_servers(**self.__dict__.copy())
        pids = [s.process_pid for s in (self.api_server,
                                        self.registry_server)]
        self.stop_servers()
        self.stop_servers()
        for pid in pids:
            self.assertFalse(os.path.exists('/proc/%d' % pid))
        self.assertEqual(fds, set(os.listdir('/proc/self/fd')))
