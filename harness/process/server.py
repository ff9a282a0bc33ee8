"""``Server``: one server program, its conf files and its process.

The attributes are the seed's; every one can be overridden per start, since
the conf templates are filled from the attributes updated by the keyword
arguments of :meth:`Server.start`.  The program is ``python -m
<server_module>`` or, for any other program, the ``command`` templates
filled the same way.  The process itself is a
:class:`harness.process.child.ServerProcess`; its
:mod:`harness.process.readiness` check is the class's choice.
"""

import os
import re
import sys

from harness import errors
from harness.process import activation
from harness.process import child as process
from harness.process import launchlogs
from harness.process import logs
from harness.process import ports
from harness.process import readiness as readiness_checks
from harness.reach import injector as remote
from harness.reach import reachable as reach

#: Seconds ``start(expect_exit=True)`` waits for the program to exit.
EXIT_TIMEOUT = 60.0


def bind_port(port):
    """Bind a fresh socket to 127.0.0.1:*port* (not listening); see
    :func:`harness.process.ports.bind`.

    :raises PortInUseError: when something else holds the port.
    """
    return ports.bind(port)


class Server(reach.Reachable, launchlogs.LaunchLogs):
    """Class used to easily manage starting and stopping a server.

    ``patch``, ``spy`` and ``clock`` reach inside its (Python) program:
    see :class:`harness.reach.reachable.Reachable`.

    :param test_dir: the test's directory: ``etc/`` and the logs go there.
    :param port: the port to serve on (``bind_port``).
    :param sock: a socket already bound to *port*, not listening, handed
        to the program (else the harness binds one at launch).

    What a subclass sets in its ``__init__`` (each also a conf template
    value, and overridable per start by a keyword argument):

    :ivar server_name: the name of its files (``etc/<name>.conf``) and of
        its log details.
    :ivar server_module: the program is ``python -m <server_module>
        --config-file <conf>``.
    :ivar command: instead, any program: a list of argv templates
        (``%(conf_file_name)s``, ``%(bind_port)s``, ``%(socket_fd)s``...).
    :ivar conf_base: the conf template (required with ``server_module``);
        ``paste_conf_base`` a paste.ini template.
    :ivar log_file: the program's log file, read by the log details and
        :class:`harness.process.readiness.LogMatch`.
    :ivar fork_socket: False if the program binds its port itself (the
        harness then keeps it reserved until the launch).
    :ivar exec_env: Glance's plain dict of extra environment variables
        (before :attr:`env`).
    :ivar needs_database: read by the reference servers
        (:class:`harness.glance.servers.HarnessServer`): True, a database
        is provisioned before each launch.
    """

    #: Signal that makes the program re-read its conf in place (None: the
    #: program cannot, so ``reload`` is a stop and a start).
    reload_signal = None
    #: True if the program writes its ready byte (else: TCP ping).
    ready_event = False
    #: A :mod:`harness.process.readiness` check (None: chosen by
    #: ``ready_event``).
    readiness = None
    #: What a program that binds its own port says when the port is taken:
    #: ``FunctionalTest.start_with_retry`` retries only on such a death.
    port_clash = re.compile(
        r'already in use|EADDRINUSE|could not bind to \S+ after trying', re.I)
    #: True if ``server_module`` may be imported once in the preloaded
    #: fork-server and each launch forked from it (``harness.forkserver``):
    #: its import must start nothing (no thread, connection or socket).
    preload = False
    #: True: hand the socket over by systemd's socket activation (fd 3,
    #: ``LISTEN_FDS``, ``LISTEN_PID``, ``LISTEN_FDNAMES=<server_name>``;
    #: :mod:`harness.process.activation`).
    socket_activation = False
    #: Extra environment variables of the program, ``{name: template}``
    #: filled like the conf templates (``{'MYSVC_DB': '%(db_file)s'}``).
    env = None

    def __init__(self, test_dir, port, sock=None):
        self.verbose = True
        self.debug = True
        self.no_venv = False
        self.test_dir = test_dir
        self.bind_port = port
        self.conf_file_name = None
        self.conf_base = None
        self.paste_conf_base = None
        self.exec_env = None
        self.deployment_flavor = ''
        self.show_image_direct_url = False
        self.show_multiple_locations = False
        self.property_protection_file = ''
        self.enable_v1_api = True
        self.enable_v2_api = True
        self.enable_v1_registry = True
        self.enable_v2_registry = True
        self.needs_database = False
        self.log_file = None
        self.sock = sock
        self.fork_socket = True
        self.process_pid = None
        self.server_module = None
        # argv templates filled like the conf ones; replaces server_module.
        self.command = None
        self.stop_kill = False
        self.server_name = None
        self.pid_file = None
        #: The socket's descriptor number in the program (the
        #: ``%(socket_fd)s`` template value), set by each launch.
        self.socket_fd = None
        self.exit_timeout = EXIT_TIMEOUT
        self.process = None
        self.start_kwargs = {}
        self._log_marks = {}

    # -- configuration ---------------------------------------------------
    def write_conf(self, **kwargs):
        """Write the conf (and paste) file; return ``(name, overridden)``."""
        if not self.conf_base:
            raise errors.ConfigError('Subclass did not populate config_base!')
        conf_override = self._values(kwargs)
        conf_dir = os.path.join(self.test_dir, 'etc')
        os.makedirs(conf_dir, exist_ok=True)
        conf_path = os.path.join(conf_dir, '%s.conf' % self.server_name)
        paste_path = conf_path.replace('.conf', '-paste.ini')
        core = self._fill(self.conf_base, conf_override)
        self.conf_file_name = _write_text(conf_path, core)
        paste = ''
        if self.paste_conf_base:
            paste = self._fill(self.paste_conf_base, conf_override)
            _write_text(paste_path, paste)
        overridden = ('==Core config==\n%s\n==Paste config==\n%s'
                      % (core, paste))
        return self.conf_file_name, overridden

    def _values(self, kwargs):
        values = self.__dict__.copy()
        values.update(kwargs)
        if values.get('socket_fd') is None:
            values.pop('socket_fd', None)  # no socket: a clear KeyError
        return values

    def _fill(self, template, values, what='conf template'):
        try:
            return template % values
        except KeyError as exc:
            if exc.args[0] == 'socket_fd':
                raise errors.HarnessError(
                    "the %s %s needs 'socket_fd', and the server hands "
                    "over no pre-bound socket (fork_socket is false, or "
                    "it has no port)" % (self.server_name, what)) from None
            raise errors.HarnessError(
                "the %s %s needs %s: set that attribute or pass it to "
                "start()" % (self.server_name, what, exc)) from None
        except (TypeError, ValueError) as exc:
            raise errors.HarnessError(
                "the %s %s %r is not a %%(name)s template (%s); write a "
                "literal %% as %%%%" % (self.server_name, what,
                                        template[:80], exc)) from None

    def argv(self, **kwargs):
        """The program's argument list for a start with *kwargs*.

        ``command`` items are filled like the conf templates (a literal
        ``%`` is written ``%%``); without ``command``, the contract's
        ``python -m <server_module> --config-file <conf>``.
        """
        if self.command:
            values = self._values(kwargs)
            return [self._fill(part, values, 'command') for part in
                    self.command]
        if not self.server_module:
            raise errors.HarnessError('the %s server declares neither '
                                      'server_module nor command'
                                      % self.server_name)
        return [sys.executable, '-m', self.server_module,
                '--config-file', self.conf_file_name]

    # -- lifecycle -------------------------------------------------------
    def start(self, expect_exit=True, expected_exitcode=0, **kwargs):
        """Start the server; kwargs override conf values.

        With *expect_exit* the call waits (bounded) for the program to exit
        and checks its status; otherwise it returns once the process runs.
        """
        proc = self.launch(**kwargs)
        self.stop_kill = not expect_exit
        if not expect_exit:
            return 0, '', ''
        rc = proc.wait_exit(self.exit_timeout)
        self.injector.detach()  # it ended as it should: nothing to reach
        out, err = self.read_output()
        if rc != expected_exitcode:
            raise errors.UnexpectedExitCodeError(
                self.server_name, rc, expected_exitcode, proc.log_tail())
        return rc, out, err

    def launch(self, **kwargs):
        """Write confs, create the DB and start the process; don't wait
        (but for the process to lead its own process group)."""
        proc = self.launch_overlapped(kwargs)
        proc.wait_group()
        return proc

    def launch_overlapped(self, kwargs):
        """:meth:`launch` with the overrides *kwargs* (a dict), returning
        as soon as the process is forked: it leads its own process group
        a moment later (``proc.wait_group()``; signalling it waits too).
        ``Stack.start_servers`` overlaps its launches so."""
        kwargs = dict(kwargs)
        if self.process is not None and self.process.poll() is None:
            raise errors.HarnessError(
                '%s server is already running (pid %d); stop it first'
                % (self.server_name, self.process.pid))
        sock = self._launch_socket()
        self.socket_fd = None
        if sock is not None:
            self.socket_fd = (activation.FD if self.socket_activation
                              else sock.fileno())
        elif self.socket_activation:
            raise errors.HarnessError(
                'the %s server asks for socket_activation but hands over '
                'no pre-bound socket (fork_socket is false, or it has no '
                'port)' % self.server_name)
        if self.conf_base or not self.command:
            self.write_conf(**kwargs)
        self.start_kwargs = kwargs
        self.create_database()
        argv = self.argv(**kwargs)
        proc = process.ServerProcess(
            self.server_name, argv, self.log_path('stdout'),
            self.log_path('stderr'), env=self.environment(kwargs),
            sock=sock, preload=self.preload,
            agent=self.injector.init_request() if remote.is_python(argv)
            else None,
            activation=(self.server_name or 'server')
            if self.socket_activation else None)
        self._mark_logs()
        try:
            proc.launch(wait_group=False)
        except OSError as exc:  # no such program, not executable...
            raise errors.LaunchError(self.server_name, argv[0],
                                     exc.strerror) from None
        finally:
            self.sock = None  # the process owns it now (or closed it)
        self.process, self.process_pid = proc, proc.pid
        try:
            self.injector.attach(proc)
        except errors.HarnessError:
            self.process = None  # attach() stopped it
            raise
        if self.pid_file:
            _write_text(self.pid_file, '%d\n' % proc.pid)
        return proc

    def environment(self, kwargs=None):
        """The program's extra environment: ``exec_env`` (Glance's), then
        :attr:`env` with its templates filled like the conf ones."""
        env = dict(self.exec_env or {})
        if self.env:
            values = self._values(kwargs or {})
            for name, template in self.env.items():
                if not isinstance(template, str):
                    raise errors.HarnessError(
                        'the %s env value of %s must be a string template, '
                        'not %r' % (self.server_name, name, template))
                env[name] = self._fill(template, values,
                                       'env value of %s' % name)
        return env

    def _launch_socket(self):
        if not self.fork_socket:
            self.close_socket()  # the program binds bind_port itself
            return None
        if self.sock is None and self.bind_port:
            self.sock = bind_port(self.bind_port)
        return self.sock

    def close_socket(self):
        """Release the reserved socket, if still held."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    # -- readiness -------------------------------------------------------
    def ready_check(self):
        """The readiness probe of the current launch."""
        check = self.readiness or readiness_checks.default_check(self)
        return check.bind(self)

    def reload(self, expect_exit=True, expected_exitcode=0, **kwargs):
        """Make the server re-read its (rewritten) conf.

        A program with a :attr:`reload_signal` restarts in place (same pid
        and socket) and the returned ``out`` is what it printed meanwhile;
        others are stopped and started again.  *kwargs* change the
        overrides of the previous start; the others stay.
        """
        kwargs = dict(self.start_kwargs, **kwargs)
        proc = self.process
        if proc is None or proc.poll() is not None or not self.reload_signal:
            self.stop()
            return self.start(expect_exit=expect_exit,
                              expected_exitcode=expected_exitcode, **kwargs)
        self.write_conf(**kwargs)
        self._mark_logs()
        proc.expect_ready_again()
        os.kill(proc.pid, self.reload_signal)
        readiness_checks.wait([proc], self.exit_timeout,
                              probes={proc: self.ready_check()})
        stdout = self.log_path('stdout')
        return 0, logs.read_text(stdout, self.log_mark(stdout)), ''

    def create_database(self):
        """What the program needs before each launch, after its conf is
        written: nothing here.  The reference servers provision their
        database (:class:`harness.glance.servers.HarnessServer`)."""

    def terminate(self):
        """Send SIGTERM now; a later :meth:`stop` waits for the exit."""
        if self.process is not None:
            self.process.terminate()

    def stop(self):
        """Stop the server (bounded, idempotent); return ``(rc, '', '')``."""
        if self.process is None:
            return 0, '', ''
        self.injector.detach()
        proc, self.process = self.process, None
        return proc.stop(), '', ''


def _write_text(path, text):
    with open(path, 'w') as handle:
        handle.write(text)
    return path
