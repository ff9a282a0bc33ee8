"""Helpers of ``glance.tests.utils`` (and ``safe_mkdirs``), for Python 3.

Names, signatures and defaults are Glance 2014.1's.  The differences are
listed in ``doc/source/explanation/reference_service.rst`` ("Differences
from the Glance harness"): commands run from argv lists (a string is
split with :func:`shlex.split`, never given to a shell), output is text,
waits are bounded, and sockets are bound to 127.0.0.1.
"""

import errno
import functools
import math
import os
import select
import shlex
import shutil
import subprocess

import fixtures
import testtools

from harness import errors
from harness import lazy
from harness.glance import data
from harness.process import ports
from harness.process import testdir

# FakeAuthMiddleware: the module __getattr__ below imports it on first use.
__all__ = ['BaseTestCase', 'FakeAuthMiddleware',  # noqa: F822
           'depends_on_exe', 'execute', 'find_executable', 'fork_exec',
           'get_unused_port', 'get_unused_port_and_socket',
           'minimal_add_command', 'minimal_headers', 'requires',
           'safe_mkdirs', 'skip_if_disabled', 'wait_for_fork',
           'xattr_writes_supported']

TIMEOUT_ENV = 'OS_TEST_TIMEOUT'
#: Names of the reference service, imported on first use only: a test of
#: another service never imports it (nor WebOb with it).
_SERVICE_NAMES = {
    'FakeAuthMiddleware': 'harness.service.api.middleware.fakeauth',
}


__getattr__, __dir__ = lazy.attributes(__name__, _SERVICE_NAMES)


def test_timeout():
    """Per-test timeout in whole seconds from ``OS_TEST_TIMEOUT`` (0: none).

    A fraction rounds up (the alarm counts whole seconds).

    :raises harness.errors.ConfigError: the value is not a number of
        seconds (Glance's base silently ran without a timeout then).
    """
    value = os.environ.get(TIMEOUT_ENV, '').strip() or '0'
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not seconds >= 0 or math.isinf(seconds):
        raise errors.ConfigError(
            '%s=%s: not a number of seconds (unset it, or 0, for no '
            'timeout)' % (TIMEOUT_ENV, value))
    return math.ceil(seconds)


class BaseTestCase(testtools.TestCase):
    """Base of every harness test: per-test timeout, temp dir, policy."""

    def setUp(self):
        """The per-test timeout (``OS_TEST_TIMEOUT``), ``test_dir`` (a
        temporary directory the janitor removes even if the test process
        is killed), ``conf_dir`` and its ``policy.json``."""
        super().setUp()
        timeout = test_timeout()
        if timeout > 0:
            # gentle: raise in the test, so cleanups still stop servers.
            self.useFixture(fixtures.Timeout(timeout, gentle=True))
        self.test_dir = self.useFixture(testdir.TestDir()).path
        self.conf_dir = os.path.join(self.test_dir, 'etc')
        safe_mkdirs(self.conf_dir)
        self.set_policy()

    def set_policy(self):
        """Copy the test ``policy.json`` into the conf dir."""
        self.policy_file = self._copy_data_file('policy.json', self.conf_dir)

    def _copy_data_file(self, file_name, dst_dir):
        shutil.copy(data.data_file(file_name), dst_dir)
        return os.path.join(dst_dir, file_name)

    def set_property_protection_rules(self, rules):
        """Write ``{section: {operation: [roles]}}`` to ``property_file``."""
        with open(self.property_file, 'w') as handle:
            for section, operations in rules.items():
                handle.write('[%s]\n' % section)
                for operation, roles in operations.items():
                    handle.write('%s = %s\n' % (operation, ','.join(roles)))


class requires(object):
    """Decorator that runs extra setup/teardown around a test."""

    def __init__(self, setup=None, teardown=None):
        self.setup = setup
        self.teardown = teardown

    def __call__(self, func):
        @functools.wraps(func)
        def _runner(*args, **kw):
            if self.setup:
                self.setup(args[0])
            result = func(*args, **kw)
            if self.teardown:
                self.teardown(args[0])
            return result
        return _runner


class depends_on_exe(object):
    """Decorator that disables a test when an executable is missing."""

    def __init__(self, exe):
        self.exe = exe

    def __call__(self, func):
        @functools.wraps(func)
        def _runner(*args, **kw):
            if shutil.which(self.exe) is None:
                args[0].disabled_message = 'test requires exe: %s' % self.exe
                args[0].disabled = True
            return func(*args, **kw)
        return _runner


def skip_if_disabled(func):
    """Decorator that skips a test if its test case is disabled."""
    @functools.wraps(func)
    def wrapped(*a, **kwargs):
        test_obj = a[0]
        if getattr(test_obj, 'disabled', False):
            test_obj.skipTest(getattr(test_obj, 'disabled_message',
                                      'Test disabled'))
        return func(*a, **kwargs)
    return wrapped


def _argv(cmd):
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def _environment(exec_env, no_venv=False):
    env = os.environ.copy()
    for name, value in (exec_env or {}).items():
        env[name] = value(env.get(name)) if callable(value) else value
    if no_venv and 'VIRTUAL_ENV' in env:
        env['PATH'] = env['PATH'].split(os.pathsep, 1)[-1]
        del env['VIRTUAL_ENV']
    return env


def execute(cmd, raise_error=True, no_venv=False, exec_env=None,
            expect_exit=True, expected_exitcode=0, context=None):
    """Run *cmd* and return ``(exitcode, out, err)`` as text.

    With ``expect_exit=False`` the command is left running (its output goes
    to this process's stdout/stderr) and ``(0, '', '')`` is returned.

    :raises RuntimeError: if the exit code is not *expected_exitcode* and
        *raise_error* is true.
    """
    env = _environment(exec_env, no_venv)
    if not expect_exit:
        subprocess.Popen(_argv(cmd), env=env, stdin=subprocess.DEVNULL)
        return 0, '', ''
    proc = subprocess.run(_argv(cmd), env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    exitcode, out, err = proc.returncode, proc.stdout, proc.stderr
    if exitcode != expected_exitcode and raise_error:
        msg = ('Command %s did not succeed. Returned an exit code of %d.'
               '\n\nSTDOUT: %s\n\nSTDERR: %s' % (cmd, exitcode, out, err))
        if context:
            msg += '\n\nCONTEXT: %s' % context
        raise RuntimeError(msg)
    return exitcode, out, err


def fork_exec(cmd, exec_env=None, logfile=None):
    """Start *cmd* (output appended to *logfile* if given); return its pid.

    Reap it with :func:`wait_for_fork`.
    """
    env = _environment(exec_env)
    if logfile is None:
        return subprocess.Popen(_argv(cmd), env=env).pid
    with open(logfile, 'ab') as log:
        return subprocess.Popen(_argv(cmd), env=env, stdout=log,
                                stderr=subprocess.STDOUT).pid


def wait_for_fork(pid, raise_error=True, expected_exitcode=0, timeout=None):
    """Reap child *pid* and return its exit code (negative: signal).

    :param timeout: seconds to wait at most (``None``: no limit, as Glance).
    :raises RuntimeError: on an unexpected exit code or a timeout, when
        *raise_error* is true.
    """
    try:
        rc = _waitpid(pid, timeout)
    except (RuntimeError, ChildProcessError):
        if raise_error:
            raise
        return -1
    if rc != expected_exitcode and raise_error:
        raise RuntimeError('The exit code %d is not %d'
                           % (rc, expected_exitcode))
    return rc


def _waitpid(pid, timeout):
    if timeout is not None:
        fd = os.pidfd_open(pid)
        try:
            if not select.select([fd], [], [], timeout)[0]:
                raise RuntimeError('pid %d did not exit within %s seconds'
                                   % (pid, timeout))
        finally:
            os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def find_executable(cmdname):
    """Absolute path of *cmdname* on ``./bin`` + ``PATH``, or ``None``."""
    if os.path.isabs(cmdname):
        return cmdname
    path = os.pathsep.join([os.path.join(os.getcwd(), 'bin'),
                            os.environ.get('PATH', '')])
    return shutil.which(cmdname, path=path)


def get_unused_port():
    """Return a port that was free a moment ago (prefer the socket form)."""
    port, sock = get_unused_port_and_socket()
    sock.close()
    return port


def get_unused_port_and_socket():
    """Return ``(port, socket)``: a socket bound to 127.0.0.1, not listening.

    Keeping the socket bound reserves the port until the server adopts it.
    """
    return ports.unused_port_and_socket()


def safe_mkdirs(path):
    """Create *path* and its parents; an existing directory is fine."""
    os.makedirs(path, exist_ok=True)


def xattr_writes_supported(path):
    """True if a file in *path* accepts a ``user.`` extended attribute."""
    probe = os.path.join(path, 'testing-checkme')
    with open(probe, 'wb') as handle:
        handle.write(b'XXX')
    try:
        os.setxattr(probe, 'user.hits', b'1')
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
            return False
        raise
    finally:
        os.unlink(probe)
    return True


def minimal_headers(name, public=True):
    """Headers for a minimal v1 image create."""
    headers = {
        'Content-Type': 'application/octet-stream',
        'X-Image-Meta-Name': name,
        'X-Image-Meta-disk_format': 'raw',
        'X-Image-Meta-container_format': 'ovf',
    }
    if public:
        headers['X-Image-Meta-Is-Public'] = 'True'
    return headers


def minimal_add_command(port, name, suffix='', public=True):
    """The legacy CLI ``add`` command line for a minimal image."""
    visibility = 'is_public=True' if public else ''
    return ('bin/harness --port=%d add %s'
            ' disk_format=raw container_format=ovf'
            ' name=%s %s' % (port, visibility, name, suffix))
