"""``Stack``: the reference stack laid out in a directory, as a fixture.

Laid out means: the API and registry ports reserved (bound sockets), the
conf dir ``etc/`` written with its data files, and ``api_server``,
``registry_server`` and ``scrubber_daemon`` declared, but nothing started.
:meth:`Stack.start_servers` and :meth:`Stack.stop_servers` are what
``FunctionalTest`` delegates to; :class:`harness.fixtures.StackFixture`
is a started one.  The start and stop logic is :mod:`harness.process.launch`'s.
"""

import os
import shutil

import fixtures

from harness import errors
from harness.databases import provision as database
from harness.glance import data
from harness.glance.servers import ApiServer
from harness.glance.servers import RegistryServer
from harness.glance.servers import ScrubberDaemon
from harness.process import launch
from harness.process import ports
from harness.reach import reachable as reach

DATA_FILES = ('schema-image.json', 'policy.json', 'property-protections.conf',
              'property-protections-policies.conf')


class Stack(fixtures.Fixture):
    """The reference stack in *test_dir*, laid out but not started.

    ``_setUp`` reserves the API and registry ports (bound sockets), writes
    ``etc/`` with its data files and declares ``api_server``,
    ``registry_server`` and ``scrubber_daemon``.  CleanUp stops every
    server, resets the database and releases the sockets.
    """

    def __init__(self, test_dir):
        super().__init__()
        self.test_dir = test_dir

    def _setUp(self):
        self.api_protocol = 'http'
        self.api_port, api_sock = ports.unused_port_and_socket()
        self.addCleanup(api_sock.close)
        self.registry_port, registry_sock = \
            ports.unused_port_and_socket()
        self.addCleanup(registry_sock.close)
        conf_dir = os.path.join(self.test_dir, 'etc')
        os.makedirs(conf_dir, exist_ok=True)
        for name in DATA_FILES:
            shutil.copy(data.data_file(name), conf_dir)
        self.property_file_roles = os.path.join(
            conf_dir, 'property-protections.conf')
        self.property_file_policies = os.path.join(
            conf_dir, 'property-protections-policies.conf')
        self.policy_file = os.path.join(conf_dir, 'policy.json')
        self.api_server = ApiServer(self.test_dir, self.api_port,
                                    self.policy_file, sock=api_sock)
        self.registry_server = RegistryServer(
            self.test_dir, self.registry_port, sock=registry_sock)
        self.scrubber_daemon = ScrubberDaemon(self.test_dir)
        self.launched_servers = []
        # A moved server holds a socket of its own: close what they hold.
        self.addCleanup(self._close_sockets)
        self.addCleanup(self.reset_databases)
        self.addCleanup(self.cleanup)

    def servers(self):
        """The three servers, then any other ``launched_servers``."""
        own = [self.api_server, self.registry_server, self.scrubber_daemon]
        return own + [s for s in self.launched_servers if s not in own]

    @property
    def clock(self):
        """The wall clock of every server of the stack at once
        (:class:`harness.reach.reachable.ServersClock`): running ones now, the
        others when they start."""
        return reach.ServersClock(self.servers)

    def url(self, path='/'):
        """The API's URL for *path*: ``http://127.0.0.1:<api port><path>``.
        """
        return '%s://127.0.0.1:%d%s' % (self.api_protocol, self.api_port,
                                        path)

    def cleanup(self):
        """Stop every server (see :func:`harness.process.launch.stop_all`)."""
        launch.stop_all(self.servers())

    def reset_databases(self):
        """Empty every database a server of the stack uses."""
        for url in sorted({s.sql_connection for s in self.servers()
                           if s.needs_database}):
            database.reset_database(url)

    def _close_sockets(self):
        for server in self.servers():
            server.close_socket()

    def start_servers(self, **kwargs):
        """Start the registry, the API and a scrubber run, all at once.

        Ports are reserved up front, so nothing waits for another server
        to listen.  On a port clash everything is stopped and started
        again one by one with
        :func:`harness.process.launch.start_with_retry`; any other failure
        raises at once.  *kwargs* override conf template keys.

        :raises LaunchFailedError: a server did not come up.
        :raises UnexpectedExitCodeError: the scrubber run failed.
        """
        self.cleanup()
        kwargs['registry_port'] = self._reserve(self.registry_server)
        self._reserve(self.api_server)
        pair = [self.registry_server, self.api_server]
        try:
            # Each launch returns once forked: the three start together.
            # The registry first: the scrubber's run asks it, and with
            # fork/exec the API first made the cycle 40-55 ms longer
            # (preloaded, the order is the same within 0.5 ms).
            procs = [s.launch_overlapped(kwargs) for s in
                     (self.registry_server, self.api_server,
                      self.scrubber_daemon)]
            for proc in procs:
                proc.wait_group()
            message = launch.launch_message(pair)[0]
            clash = any(s.died_of_port_clash() for s in pair)
        except errors.PortInUseError as exc:
            message, procs, clash = str(exc), [], True
        if message and not clash:
            raise errors.LaunchFailedError('api', message)
        if message:
            self.cleanup()
            self._start_one_by_one(kwargs)
            return
        self.launched_servers.extend(pair)
        self._finish_scrubber(procs[2], 'daemon' not in kwargs,
                              bool(kwargs.get('daemon')))

    def stop_servers(self):
        """Stop the API, registry and scrubber; reset the database."""
        launch.stop_all([self.api_server, self.registry_server,
                         self.scrubber_daemon])
        database.reset_database(self.registry_server.sql_connection)

    def _on_move(self, server):
        if server is self.api_server:
            self.api_port = server.bind_port
        elif server is self.registry_server:
            self.registry_port = server.bind_port

    def _reserve(self, server):
        """Make sure *server* holds a bound socket; return its port."""
        if server.sock is None and server.fork_socket:
            try:
                server.sock = ports.bind(server.bind_port)
            except errors.PortInUseError:
                launch.move_to_fresh_port(server)
                self._on_move(server)
        return server.bind_port

    def _start_one_by_one(self, kwargs):
        for server in (self.registry_server, self.api_server):
            launch.start_with_retry(server, 3, on_move=self._on_move,
                                    **kwargs)
            self.launched_servers.append(server)
            kwargs['registry_port'] = self.registry_server.bind_port
        self.scrubber_daemon.start(**kwargs)

    def _finish_scrubber(self, proc, expect_exit, daemon=False):
        scrubber = self.scrubber_daemon
        scrubber.stop_kill = not expect_exit
        if daemon:
            # Up means past its first run, with its signal handlers: a
            # stop right after start_servers() is then a graceful one.
            message = launch.launch_message([scrubber])[0]
            if message:
                raise errors.LaunchFailedError('scrubber', message)
        if not expect_exit:
            return
        exitcode = proc.wait_exit(scrubber.exit_timeout)
        if exitcode != 0:
            raise errors.UnexpectedExitCodeError(
                'scrubber', exitcode, 0, scrubber.read_output()[1])
