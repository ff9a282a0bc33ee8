"""Base test class for running non-stubbed tests (functional tests).

``FunctionalTest`` starts the API, registry and scrubber of the reference
service as real processes, for each test, and takes them down again, even
when the test fails, errors in ``setUp`` or its process is killed.  A
Glance 2014.1 functional test runs unchanged with ``glance`` replaced by
``harness`` in its imports and strings.
"""

import os
import re

from harness import errors
from harness.databases import private as privatedb
from harness.databases import provision as database
from harness.glance import utils
from harness.glance.servers import ApiServer
from harness.glance.servers import RegistryServer
from harness.glance.servers import ScrubberDaemon
from harness.process import launch
from harness.process import logs
from harness.process import readiness
from harness.process.fixture import FailureDetails
from harness.process.server import Server
from harness.reach import reachable as reach
from harness.stack import layout as stacks

__all__ = ['ApiServer', 'FunctionalTest', 'RegistryServer', 'ScrubberDaemon',
           'Server']

get_unused_port = utils.get_unused_port
execute = utils.execute


class FunctionalTest(utils.BaseTestCase):
    """Base test class for tests of the actual servers, not stubs."""

    inited = False
    disabled = False

    def setUp(self):
        """Lay the stack out in the test's directory (ports reserved,
        ``etc/`` written, ``api_server``, ``registry_server`` and
        ``scrubber_daemon`` declared), start nothing; register the
        cleanups that stop every server and attach the logs of a failed
        test."""
        super().setUp()
        self._engines = []
        # The layout (ports, etc/, the three servers) is the Stack
        # fixture's, and so is the last word at cleanup: stop, reset the
        # database, release the sockets.  Not useFixture(): the logs are
        # attached below, after the servers stopped, only on failure.
        self._stack = stacks.Stack(self.test_dir)
        self._stack.setUp()
        self.addCleanup(self._stack.cleanUp)
        for name in ('api_protocol', 'api_port', 'registry_port',
                     'property_file_roles', 'property_file_policies',
                     'policy_file', 'api_server', 'registry_server',
                     'scrubber_daemon', 'launched_servers'):
            setattr(self, name, getattr(self._stack, name))
        self.pid_files = [self.api_server.pid_file,
                          self.registry_server.pid_file,
                          self.scrubber_daemon.pid_file]
        self.files_to_destroy = []
        # Cleanups run last-in first-out: stop, attach logs, release the
        # engines of run_sql_cmd, and then the stack's own cleanup.
        self.addCleanup(self._dispose_engines)
        self._failure = FailureDetails(self, self._failure_logs)
        self.addCleanup(self.cleanup)

    def tearDown(self):
        """Stop the servers (:meth:`cleanup`) unless ``disabled``."""
        if not self.disabled:
            self.cleanup()
        super().tearDown()

    # -- helpers kept from the seed --------------------------------------
    @property
    def clock(self):
        """The wall clock of every server of the test at once
        (:class:`harness.reach.reachable.ServersClock`): running ones now, the
        others when they start."""
        return reach.ServersClock(self._all_servers)

    def set_policy_rules(self, rules):
        """Rewrite policy.json; the servers notice it on the next request."""
        import json
        with open(self.policy_file, 'w') as handle:
            handle.write(json.dumps(rules))

    def _reset_database(self, conn_string):
        """Empty the database behind *conn_string* (sqlite: nothing to do).

        sqlite databases live in the per-test directory and go with it
        (``HARNESS_KEEP_TEST_DIR`` keeps it to read); MySQL/PostgreSQL
        worker databases are emptied through SQLAlchemy.
        """
        if not database.is_sqlite(conn_string):
            self._dispose_engines()
            database.reset_database(conn_string)

    def cleanup(self):
        """Stop every server and remove ``files_to_destroy``.

        Every server is stopped even if stopping another one fails; the
        failures are then raised together.
        """
        try:
            launch.stop_all(self._all_servers())
        finally:
            for path in self.files_to_destroy:
                if os.path.exists(path):
                    os.unlink(path)

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
        def on_move(moved):
            setattr(self, port_name, moved.bind_port)

        failure, started = None, False
        try:
            started = launch.start_with_retry(
                server, max_retries, expect_launch, on_move=on_move,
                **kwargs)
        except errors.LaunchFailedError as exc:
            failure = exc
            self.add_log_details([server])
        if failure is not None:
            # Outside the handler: the report shows the reason once.  A
            # LaunchFailedError is an AssertionError too, as the seed's
            # assertTrue(launch_msg is None, launch_msg) was.
            raise failure.with_traceback(None)
        if started:
            self.launched_servers.append(server)

    def start_servers(self, **kwargs):
        """Start the registry, the API and a scrubber run, all at once.

        Their ports are reserved up front, so nothing has to wait for
        another to listen.  If a port clash keeps either server from coming
        up, everything is stopped and started again one by one with
        ``start_with_retry``; any other failure fails the test at once.
        """
        self.cleanup()
        stack = self._stack
        # The test may have replaced a server or a port: the stack starts
        # what the test holds, and the test learns of any port moved.
        for name in ('api_server', 'registry_server', 'scrubber_daemon',
                     'api_port', 'registry_port'):
            setattr(stack, name, getattr(self, name))
        failure = None
        try:
            stack.start_servers(**kwargs)
        except (errors.LaunchFailedError,
                errors.UnexpectedExitCodeError) as exc:
            failure = exc  # failed outside the handler: shown once
        finally:
            self.api_port = stack.api_port
            self.registry_port = stack.registry_port
        if isinstance(failure, errors.UnexpectedExitCodeError):
            failure = errors.LaunchFailedError(
                failure.name, 'Failed to spin up the Scrubber daemon. '
                'Got: %s' % failure.log_tail)
        if failure is not None:
            self.add_log_details([self.registry_server, self.api_server,
                                  self.scrubber_daemon])
            raise failure.with_traceback(None)

    def ping_server(self, port):
        """Return True if something accepts TCP connections on *port*."""
        return readiness.connects(port)

    def wait_for_servers(self, servers, expect_launch=True, timeout=10):
        """Wait until *servers* are ready; fail fast if one dies.

        :returns: None if the launch expectation is met, else a message
            naming the server, its exit status and the tail of its log.
        """
        message, failed = launch.launch_message(servers, expect_launch,
                                                timeout)
        if failed:
            self.add_log_details(servers)
        return message

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

    def _failure_logs(self):
        found = [detail for server in self._all_servers()
                 for detail in logs.details(server)]
        # The test process's own database server, if it started one.
        return found + privatedb.log_details()

    def _dispose_engines(self):
        while self._engines:
            self._engines.pop().dispose()
