"""The one exception root of the project, and its specific subclasses.

Every error the harness or the reference service raises on purpose is a
:class:`HarnessError`.  Subclasses carry the numbers that explain them (a
port, a pid, an exit status) as attributes, so callers and tests can check
them without parsing messages.  Nothing here imports testtools or fixtures:
the service processes use this module too.
"""


class HarnessError(Exception):
    """Root of every deliberate error in ``harness``."""


class _LogTailError(HarnessError):
    """An error about a process whose message ends with its log's last
    lines.

    :ivar name: the server (or program) name.
    :ivar log_tail: the last lines of its console log.
    """

    def __init__(self, name, what, log_tail):
        super().__init__("%s\n--- last lines of its log ---\n%s"
                         % (what, log_tail))
        self.name = name
        self.log_tail = log_tail


class ConfigError(HarnessError):
    """A configuration file or option is invalid.

    :ivar path: the file at fault, or ``None``.
    """

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class StartupError(HarnessError):
    """A service could not start; ``exit_code`` is what its process returns."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


class PortInUseError(HarnessError):
    """A TCP port could not be bound because something else holds it."""

    def __init__(self, host, port):
        super().__init__("port %d on %s is already in use" % (port, host))
        self.host = host
        self.port = port


class LaunchError(HarnessError):
    """The program of a server could not be executed at all.

    :ivar name: the server name.
    :ivar program: ``argv[0]``.
    """

    def __init__(self, name, program, reason):
        super().__init__("cannot run %s for the %s server: %s"
                         % (program, name, reason))
        self.name = name
        self.program = program


class ServerDiedError(_LogTailError):
    """A launched server exited while it was expected to be serving.

    :ivar name: the server name (``api``, ``registry``...).
    :ivar pid: its process id.
    :ivar returncode: ``Popen.returncode`` (negative: killed by that signal).
    :ivar log_tail: the last lines of its console log.
    """

    _WHEN = 'before it was ready'

    def __init__(self, name, pid, returncode, log_tail=''):
        super().__init__(name, "%s server (pid %d) exited with status %s %s"
                         % (name, pid, returncode, self._WHEN), log_tail)
        self.pid = pid
        self.returncode = returncode


class ServerTimeoutError(_LogTailError):
    """A launched server did not become ready (or exit) in time."""

    def __init__(self, name, pid, timeout, log_tail=''):
        super().__init__(name, "%s server (pid %d) was not ready after %.1f "
                         "seconds" % (name, pid, timeout), log_tail)
        self.pid = pid
        self.timeout = timeout


class UnexpectedExitCodeError(_LogTailError):
    """A process that was expected to exit returned the wrong status."""

    def __init__(self, name, returncode, expected, log_tail=''):
        super().__init__(name, "%s exited with status %s, expected %s"
                         % (name, returncode, expected), log_tail)
        self.returncode = returncode
        self.expected = expected


class StopError(HarnessError):
    """A server survived SIGTERM and SIGKILL within the stop budget."""

    def __init__(self, name, pid):
        super().__init__("%s server (pid %d) could not be stopped"
                         % (name, pid))
        self.name = name
        self.pid = pid


class DatabaseError(HarnessError):
    """Creating, syncing or resetting a test database failed."""


class InjectError(HarnessError):
    """Reaching inside a server (patch, spy, clock) failed.

    :ivar name: the server name.
    """

    def __init__(self, message, name=None):
        super().__init__(message)
        self.name = name


class TargetError(InjectError):
    """A patch or spy target does not import or has no such attribute.

    :ivar target: the dotted path, as given.
    """

    def __init__(self, name, target, reason):
        super().__init__('cannot patch %s in the %s server: %s'
                         % (target, name, reason), name)
        self.target = target


class NotPythonError(InjectError):
    """The server's program is not a Python program, so there is nothing
    to patch, spy on or move the clock of.

    :ivar program: ``argv[0]`` of its command.
    """

    def __init__(self, name, program):
        super().__init__('the %s server runs %s, not a Python program (of '
                         'the interpreter running the tests): it cannot be '
                         'patched, spied on or have its clock moved'
                         % (name, program), name)
        self.program = program


class NotReachedError(InjectError):
    """A Python process of the server's tree has no agent, so a patch, a
    spy or the clock would miss it: another interpreter, one that cannot
    import ``harness``, one run with ``-I``/``-S``/``-E``, one whose
    environment was cleared.  What was applied is undone before it is
    raised.  A test that does not care sets ``ignore_unreached = True``
    on the server.

    :ivar pid: the (first) process not reached.
    :ivar cmdline: its command line, as one string.
    :ivar processes: ``[(pid, cmdline, reason)]``, every one not reached.
    """

    def __init__(self, name, processes):
        lines = ['  process %d (%s): %s' % item for item in processes]
        super().__init__(
            'the %s server has Python processes the harness cannot reach '
            '(patch, spy and clock would miss them; set ignore_unreached '
            '= True on the server if the test does not care):\n%s'
            % (name, '\n'.join(lines)), name)
        self.processes = list(processes)
        self.pid, self.cmdline = processes[0][:2]


class ServerGoneError(ServerDiedError):
    """A server exited (or re-executed itself) while the test reached
    inside it; like :class:`ServerDiedError`, with its log tail."""

    _WHEN = 'while the test reached inside it'


class ProgramMissingError(HarnessError):
    """The programs of a database the harness starts itself are missing.

    :ivar kind: ``postgresql`` or ``mysql``.
    :ivar install_hint: what to install.
    """

    def __init__(self, kind, programs, install_hint):
        super().__init__(
            'HARNESS_TEST_SQL_CONNECTION=%s needs %s, not found on PATH: %s'
            % (kind, programs, install_hint))
        self.kind = kind
        self.install_hint = install_hint


class LaunchFailedError(HarnessError, AssertionError):
    """A server did not come up as a start expected it to.

    The message is the launch status: which server, its exit status or
    timeout, and the tail of its log.  It is also an ``AssertionError``,
    so a test runner counts it as a failure, as Glance's
    ``assertTrue(launch_msg is None, launch_msg)`` was.

    :ivar name: the server name.
    """

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
