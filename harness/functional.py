"""Base test class for running non-stubbed tests (functional tests).

``FunctionalTest`` starts the API, registry and scrubber of the reference
service as real processes, for each test, and takes them down again, even
when the test fails, errors in ``setUp`` or its process is killed.  A
Glance 2014.1 functional test runs unchanged with ``glance`` replaced by
``harness`` in its imports and strings.
"""

import os
import re

from harness import database
from harness import errors
from harness import logs
from harness import privatedb
from harness import process
from harness import reach
from harness import server as server_mod
from harness import sqldb
from harness import utils
from harness.server import Server
from harness.servers import ApiServer
from harness.servers import RegistryServer
from harness.servers import ScrubberDaemon

__all__ = ['ApiServer', 'FunctionalTest', 'RegistryServer', 'ScrubberDaemon',
           'Server']

get_unused_port = utils.get_unused_port
execute = utils.execute


class FunctionalTest(utils.BaseTestCase):
    """Base test class for tests of the actual servers, not stubs."""

    inited = False
    disabled = False

    def setUp(self):
        super().setUp()
        self.launched_servers = []
        self._failed = False
        self._engines = []
        self.api_protocol = 'http'
        self.api_port, api_sock = utils.get_unused_port_and_socket()
        self.registry_port, registry_sock = \
            utils.get_unused_port_and_socket()
        conf_dir = os.path.join(self.test_dir, 'etc')
        utils.safe_mkdirs(conf_dir)
        for name in ('schema-image.json', 'policy.json',
                     'property-protections.conf',
                     'property-protections-policies.conf'):
            self.copy_data_file(name, conf_dir)
        self.property_file_roles = os.path.join(
            conf_dir, 'property-protections.conf')
        self.property_file_policies = os.path.join(
            conf_dir, 'property-protections-policies.conf')
        self.policy_file = os.path.join(conf_dir, 'policy.json')
        self.api_server = ApiServer(self.test_dir, self.api_port,
                                    self.policy_file, sock=api_sock)
        self.registry_server = RegistryServer(self.test_dir,
                                              self.registry_port,
                                              sock=registry_sock)
        self.scrubber_daemon = ScrubberDaemon(self.test_dir)
        self.pid_files = [self.api_server.pid_file,
                          self.registry_server.pid_file,
                          self.scrubber_daemon.pid_file]
        self.files_to_destroy = []
        # Cleanups run last-in first-out: stop, attach logs, reset the DB,
        # release sockets and engines, and only then remove the test dir.
        self.addCleanup(self._release)
        self.addCleanup(self._reset_databases)
        self.addOnException(self._note_failure)
        self.addCleanup(self._attach_logs_if_failed)
        self.addCleanup(self.cleanup)

    def tearDown(self):
        if not self.disabled:
            self.cleanup()
        super().tearDown()

    # -- helpers kept from the seed --------------------------------------
    @property
    def clock(self):
        """The wall clock of every server of the test at once
        (:class:`harness.reach.ServersClock`): running ones now, the
        others when they start."""
        return reach.ServersClock(self._all_servers)

    def set_policy_rules(self, rules):
        """Rewrite policy.json; the servers notice it on the next request."""
        import json
        with open(self.policy_file, 'w') as handle:
            handle.write(json.dumps(rules))

    def _reset_database(self, conn_string):
        """Empty the database behind *conn_string* (sqlite: nothing to do).

        sqlite databases live in the per-test directory and are left for
        diagnosis; MySQL/PostgreSQL worker databases are emptied through
        SQLAlchemy.
        """
        if not database.is_sqlite(conn_string):
            self._dispose_engines()
            sqldb.reset(conn_string)

    def cleanup(self):
        """Stop every server and remove ``files_to_destroy``.

        Every server is stopped even if stopping another one fails; the
        failures are then raised together.
        """
        failures = []
        servers = self._all_servers()
        for server in servers:
            server.terminate()  # all at once, then wait for each
        for server in servers:
            try:
                server.stop()
            except errors.HarnessError as exc:
                failures.append(str(exc))
        for path in self.files_to_destroy:
            if os.path.exists(path):
                os.unlink(path)
        if failures:
            raise errors.HarnessError('; '.join(failures))

    def start_server(self, server, expect_launch, expect_exit=True,
                     expected_exitcode=0, **kwargs):
        """Start *server* on its port; kwargs override conf values."""
        self.cleanup()
        exitcode, out, err = server.start(expect_exit=expect_exit,
                                          expected_exitcode=expected_exitcode,
                                          **kwargs)
        if expect_exit:
            self.assertEqual(expected_exitcode, exitcode,
                             'Failed to spin up the requested server. '
                             'Got: %s' % err)
        self.launched_servers.append(server)
        launch_msg = self.wait_for_servers([server], expect_launch)
        self.assertTrue(launch_msg is None, launch_msg)

    def start_with_retry(self, server, port_name, max_retries,
                         expect_launch=True, **kwargs):
        """Start *server*, retrying on a fresh pre-bound port on a clash.

        Only a port clash is retried: the harness could not bind the port,
        or the program died saying so (:attr:`Server.port_clash`).  Any
        other failure (a bad conf, a crash, a timeout) fails at once.
        """
        launch_msg = None
        for _ in range(max_retries):
            try:
                exitcode, out, err = server.start(
                    expect_exit=not expect_launch, **kwargs)
            except errors.PortInUseError as exc:
                launch_msg = str(exc)
                self._move_to_fresh_port(server, port_name)
                continue
            self.assertEqual(0, exitcode, 'Failed to spin up the %s server. '
                             'Got: %s' % (server.server_name, err))
            launch_msg = self.wait_for_servers([server], expect_launch)
            if not launch_msg:
                self.launched_servers.append(server)
                break
            clash = server.died_of_port_clash()
            server.stop()
            if not clash:
                break  # another port would fail the same way
            self._move_to_fresh_port(server, port_name)
        self.assertTrue(launch_msg is None, launch_msg)

    def _move_to_fresh_port(self, server, port_name):
        server.close_socket()
        server.bind_port, server.sock = utils.get_unused_port_and_socket()
        setattr(self, port_name, server.bind_port)

    def start_servers(self, **kwargs):
        """Start the registry, the API and a scrubber run, all at once.

        Their ports are reserved up front, so nothing has to wait for
        another to listen.  If a port clash keeps either server from coming
        up, everything is stopped and started again one by one with
        ``start_with_retry``; any other failure fails the test at once.
        """
        self.cleanup()
        kwargs['registry_port'] = self._reserve(self.registry_server,
                                                'registry_port')
        self._reserve(self.api_server, 'api_port')
        scrubber = self.scrubber_daemon
        expect_exit = 'daemon' not in kwargs
        pair = [self.registry_server, self.api_server]
        try:
            procs = [s.launch(**kwargs) for s in pair + [scrubber]]
            launch_msg = self.wait_for_servers(pair)
            clash = any(s.died_of_port_clash() for s in pair)
        except errors.PortInUseError as exc:
            launch_msg, procs, clash = str(exc), [], True
        if launch_msg and not clash:
            self.fail(launch_msg)
        elif launch_msg:
            self.cleanup()
            self._start_one_by_one(kwargs)
        else:
            self.launched_servers.extend(pair)
            self._finish_scrubber(procs[2], expect_exit,
                                  bool(kwargs.get('daemon')))

    def _reserve(self, server, port_name):
        """Make sure *server* holds a bound socket; return its port."""
        if server.sock is None and server.fork_socket:
            try:
                server.sock = server_mod.bind_port(server.bind_port)
            except errors.PortInUseError:
                self._move_to_fresh_port(server, port_name)
        return server.bind_port

    def _start_one_by_one(self, kwargs):
        self.start_with_retry(self.registry_server, 'registry_port', 3,
                              **kwargs)
        kwargs['registry_port'] = self.registry_server.bind_port
        self.start_with_retry(self.api_server, 'api_port', 3, **kwargs)
        exitcode, out, err = self.scrubber_daemon.start(**kwargs)
        self.assertEqual(0, exitcode, 'Failed to spin up the Scrubber daemon. '
                         'Got: %s' % err)

    def _finish_scrubber(self, proc, expect_exit, daemon=False):
        scrubber = self.scrubber_daemon
        scrubber.stop_kill = not expect_exit
        if daemon:
            # Up means past its first run, with its signal handlers: a
            # stop right after start_servers() is then a graceful one.
            launch_msg = self.wait_for_servers([scrubber])
            self.assertTrue(launch_msg is None, launch_msg)
        if not expect_exit:
            return
        exitcode = proc.wait_exit(scrubber.exit_timeout)
        self.assertEqual(0, exitcode, 'Failed to spin up the Scrubber daemon. '
                         'Got: %s' % scrubber.read_output()[1])

    def ping_server(self, port):
        """Return True if something accepts TCP connections on *port*."""
        return process.ping(port)

    def wait_for_servers(self, servers, expect_launch=True, timeout=10):
        """Wait until *servers* are ready; fail fast if one dies.

        :returns: None if the launch expectation is met, else a message
            naming the server, its exit status and the tail of its log.
        """
        procs = [s.process for s in servers if s.process is not None]
        if len(procs) != len(servers):
            return 'Unexpected server launch status: not launched'
        probes = {s.process: s.ready_check() for s in servers}
        try:
            process.wait_ready(procs, timeout, probes=probes)
        except (errors.ServerDiedError, errors.ServerTimeoutError) as exc:
            self.add_log_details(servers)
            return ('Unexpected server launch status for: %s' % exc
                    if expect_launch else None)
        return None if expect_launch else 'Unexpected server launch status'

    def reload_server(self, server, expect_launch, expect_exit=True,
                      expected_exitcode=0, **kwargs):
        """Reload a running server in place; kwargs override conf values.

        Unlike the seed, other servers are left running: the reload is
        observed through what the restarted program prints.
        """
        exitcode, out, err = server.reload(
            expect_exit=expect_exit, expected_exitcode=expected_exitcode,
            **kwargs)
        if expect_exit:
            self.assertEqual(expected_exitcode, exitcode,
                             'Failed to spin up the requested server. '
                             'Got: %s' % err)
            self.assertTrue(re.search('Restarting harness-[a-z]+ with', out),
                            'no restart announced; output was: %r' % out)
        if server not in self.launched_servers:
            self.launched_servers.append(server)
        launch_msg = self.wait_for_servers([server], expect_launch)
        self.assertTrue(launch_msg is None, launch_msg)

    def stop_server(self, server, name):
        """Stop *server* (bounded: SIGTERM, then SIGKILL)."""
        server.stop()

    def stop_servers(self):
        """Stop the API, registry and scrubber; reset the database."""
        for server in (self.api_server, self.registry_server,
                       self.scrubber_daemon):
            server.terminate()  # overlap the three shutdowns
        self.stop_server(self.api_server, 'API server')
        self.stop_server(self.registry_server, 'Registry server')
        self.stop_server(self.scrubber_daemon, 'Scrubber daemon')
        self._reset_database(self.registry_server.sql_connection)

    def run_sql_cmd(self, sql):
        """Run *sql* against this test's own database.

        :returns: the list of rows for a query, else the closed result
            (its ``rowcount`` is still valid).
        """
        from sqlalchemy import create_engine
        from sqlalchemy import text
        engine = create_engine(self.registry_server.sql_connection)
        self._engines.append(engine)
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return result.fetchall() if result.returns_rows else result

    def copy_data_file(self, file_name, dst_dir):
        """Copy the harness data file *file_name* into *dst_dir*."""
        return self._copy_data_file(file_name, dst_dir)

    def add_log_details(self, servers=None):
        """Attach the logs of *servers* (default: launched) as details.

        Each line once: ``<name>.stderr.log`` is attached only for what it
        holds beyond the log file (with ``use_stderr``, every log record is
        in both).  The files keep every byte in the test directory.
        """
        from testtools import content
        for server in servers or self.launched_servers:
            for name, text in logs.details(server):
                self.addDetail(name, content.text_content(text))

    # -- cleanup machinery -----------------------------------------------
    def _all_servers(self):
        servers = [self.api_server, self.registry_server,
                   self.scrubber_daemon]
        return servers + [s for s in self.launched_servers
                          if s not in servers]

    def _note_failure(self, exc_info, tb_label='traceback'):
        self._failed = True

    def _attach_logs_if_failed(self):
        if self._failed:
            self.add_log_details(self._all_servers())
            # The test process's own database server, if it started one.
            from testtools import content
            for name, text in privatedb.log_details():
                self.addDetail(name, content.text_content(text))

    def _reset_databases(self):
        urls = {s.sql_connection for s in self._all_servers()
                if s.needs_database}
        for url in sorted(urls):
            self._reset_database(url)

    def _dispose_engines(self):
        while self._engines:
            self._engines.pop().dispose()

    def _release(self):
        self._dispose_engines()
        for server in self._all_servers():
            server.close_socket()
