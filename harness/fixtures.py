"""The reference stack, and any one server, as fixtures.

In the ``fixtures`` library's style: ``_setUp`` acquires one thing at a
time and registers its release with ``addCleanup`` right after, so a
failure half-way releases exactly what was acquired, newest first.

* :class:`ServerFixture` starts any :class:`harness.server.Server` with
  every guarantee ``FunctionalTest`` gives: pre-bound socket, readiness,
  fail fast, a retry on a fresh port only on a port clash, bounded stop of
  the process group, and the janitor (through :mod:`harness.process`).
* :class:`Stack` is the reference stack laid out in a directory (ports
  reserved, conf dir with its data files, the three servers declared) but
  not started: ``start_servers(**kwargs)`` and ``stop_servers()`` are what
  ``FunctionalTest`` delegates to.  :class:`StackFixture` is a started one
  in its own temporary directory.
* Server logs are details, with :func:`harness.logs.details`'
  de-duplication; they are read when the details are (testtools reads a
  fixture's details at the end of the test, before the fixture stops).

Failures raise :class:`harness.errors.HarnessError` subclasses (the
start and stop logic itself is :mod:`harness.launch`'s).  This
module is ``harness.fixtures``; with absolute imports ``import fixtures``
below is the ``fixtures`` library (only running a file of ``harness/`` as
a script, which puts ``harness/`` first on ``sys.path``, could shadow it).
"""

import functools
import os
import shutil

import fixtures
from testtools import content

from harness import data
from harness import errors
from harness import janitor
from harness import launch
from harness import logs
from harness import server as server_mod
from harness import utils
from harness.servers import ApiServer
from harness.servers import RegistryServer
from harness.servers import ScrubberDaemon

DATA_FILES = ('schema-image.json', 'policy.json', 'property-protections.conf',
              'property-protections-policies.conf')


def log_names(server):
    """The detail names :func:`harness.logs.details` may give *server*."""
    paths = [server.log_file, server.log_path('stdout'),
             server.log_path('stderr')]
    return [os.path.basename(p) for p in paths if p]


def _log_bytes(server, name):
    return [dict(logs.details(server)).get(name, '').encode('utf-8')]


def add_log_details(fixture, servers):
    """Give *fixture* a detail per log of *servers*, read when it is read.

    A log empty by then is an empty detail (testtools lists those under
    "Empty attachments").
    """
    for server in servers:
        for name in log_names(server):
            fixture.addDetail(name, content.Content(
                content.UTF8_TEXT, functools.partial(_log_bytes, server,
                                                     name)))


def set_up(fixture):
    """``fixture.setUp()``; on failure, raise the error that broke it.

    The ``fixtures`` library raises ``MultipleExceptions`` (the error, any
    cleanup errors, and a ``SetupError`` holding the details it read before
    cleaning up).  This raises the first error instead, with those details
    as ``error.details`` (``{name: text}``, empty ones left out).

    :returns: *fixture*.
    """
    try:
        fixture.setUp()
    except fixtures.MultipleExceptions as exc:
        kind, error, trace = exc.args[0]
        setup = exc.args[-1]
        texts = {}
        if setup[0] is fixtures.SetupError:
            texts = {name: detail.as_text()
                     for name, detail in setup[1].args[0].items()}
        error.details = {name: text for name, text in texts.items() if text}
        raise error.with_traceback(trace) from None
    return fixture


# -- fixtures ---------------------------------------------------------------
class TestDir(fixtures.Fixture):
    """A temporary directory that the janitor removes if we are killed."""

    def _setUp(self):
        self.path = self.useFixture(fixtures.TempDir()).path
        janitor.watch_dir(self.path)


class ServerFixture(fixtures.Fixture):
    """*server* started and ready; stopped (bounded) on cleanUp.

    :param server: any :class:`harness.server.Server`, ``server_module``
        or ``command``, preloaded or not.
    :param max_retries: launches tried, each on a fresh pre-bound port,
        while the port turns out to be taken.
    :param kwargs: overrides of conf template keys, as ``start()`` takes.
    """

    def __init__(self, server, max_retries=3, **kwargs):
        super().__init__()
        self.server = server
        self.max_retries = max_retries
        self.kwargs = kwargs

    @property
    def port(self):
        """The port the server listens on (it may move on a clash)."""
        return self.server.bind_port

    def url(self, path='/'):
        """``http://127.0.0.1:<port><path>``."""
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def _setUp(self):
        add_log_details(self, [self.server])
        self.addCleanup(self.server.close_socket)
        # stop() is idempotent: registered once, it covers every launch
        # start_with_retry makes.
        self.addCleanup(launch.stop_all, [self.server])
        launch.start_with_retry(self.server, self.max_retries,
                                **self.kwargs)


class NewServerFixture(fixtures.Fixture):
    """``server_class(test_dir, port, *args, sock=sock)`` in a directory
    and on a port of its own, started as :class:`ServerFixture`; exposes
    ``server``, ``port``, ``url()`` and ``test_dir``."""

    def __init__(self, server_class, *args, **kwargs):
        super().__init__()
        self.server_class = server_class
        self.args = args
        self.kwargs = kwargs

    def _setUp(self):
        self.test_dir = self.useFixture(TestDir()).path
        port, sock = utils.get_unused_port_and_socket()
        self.addCleanup(sock.close)
        self.server = self.server_class(self.test_dir, port, *self.args,
                                        sock=sock)
        started = self.useFixture(ServerFixture(self.server, **self.kwargs))
        self.port, self.url = started.port, started.url


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
        self.api_port, api_sock = utils.get_unused_port_and_socket()
        self.addCleanup(api_sock.close)
        self.registry_port, registry_sock = \
            utils.get_unused_port_and_socket()
        self.addCleanup(registry_sock.close)
        conf_dir = os.path.join(self.test_dir, 'etc')
        utils.safe_mkdirs(conf_dir)
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

    def url(self, path='/'):
        """The API's URL for *path*: ``http://127.0.0.1:<api port><path>``.
        """
        return '%s://127.0.0.1:%d%s' % (self.api_protocol, self.api_port,
                                        path)

    def cleanup(self):
        """Stop every server (see :func:`harness.launch.stop_all`)."""
        launch.stop_all(self.servers())

    def reset_databases(self):
        """Empty every database a server of the stack uses."""
        for url in sorted({s.sql_connection for s in self.servers()
                           if s.needs_database}):
            launch.reset_database(url)

    def _close_sockets(self):
        for server in self.servers():
            server.close_socket()

    def start_servers(self, **kwargs):
        """Start the registry, the API and a scrubber run, all at once.

        Ports are reserved up front, so nothing waits for another server
        to listen.  On a port clash everything is stopped and started
        again one by one with
        :func:`harness.launch.start_with_retry`; any other failure
        raises at once.  *kwargs* override conf template keys.

        :raises LaunchFailedError: a server did not come up.
        :raises UnexpectedExitCodeError: the scrubber run failed.
        """
        self.cleanup()
        kwargs['registry_port'] = self._reserve(self.registry_server)
        self._reserve(self.api_server)
        pair = [self.registry_server, self.api_server]
        try:
            procs = [s.launch(**kwargs) for s in pair +
                     [self.scrubber_daemon]]
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
        launch.reset_database(self.registry_server.sql_connection)

    def _on_move(self, server):
        if server is self.api_server:
            self.api_port = server.bind_port
        elif server is self.registry_server:
            self.registry_port = server.bind_port

    def _reserve(self, server):
        """Make sure *server* holds a bound socket; return its port."""
        if server.sock is None and server.fork_socket:
            try:
                server.sock = server_mod.bind_port(server.bind_port)
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


class StackFixture(Stack):
    """A started reference stack, as ``start_servers(**kwargs)`` builds
    it, in a temporary directory of its own (or *test_dir*).

    :param api: attributes to set on ``api_server`` before the start
        (e.g. ``{'deployment_flavor': 'caching'}``); likewise *registry*
        and *scrubber*.
    :param kwargs: overrides of conf template keys, for every server.
    """

    def __init__(self, test_dir=None, api=None, registry=None,
                 scrubber=None, **kwargs):
        super().__init__(test_dir)
        self._given_dir = test_dir
        self._attrs = (api or {}, registry or {}, scrubber or {})
        self.kwargs = kwargs

    def _setUp(self):
        self.test_dir = (self._given_dir or
                         self.useFixture(TestDir()).path)
        super()._setUp()
        own = [self.api_server, self.registry_server, self.scrubber_daemon]
        add_log_details(self, own)
        for server, attrs in zip(own, self._attrs):
            for name, value in attrs.items():
                setattr(server, name, value)
        self.start_servers(**dict(self.kwargs))
