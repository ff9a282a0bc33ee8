"""Run :mod:`wsgi_app` as a real child process for the server tests.

:class:`ServiceProcess` passes the descriptors of the process contract
(pre-bound socket, readiness pipe, lifeline pipe) plus two test pipes, and
registers a cleanup that kills the whole process group and reaps the
child, whatever the test did.  Nothing here sleeps: waits are on pipes,
``select`` and ``Popen.wait`` with deadlines.
"""

import http.client
import os
import select
import signal
import socket
import subprocess
import sys
import time

import fixtures

MODULE = 'harness.tests.unit.service.wsgi_app'
DEADLINE = 20.0


def child_pids(pid):
    """Pids whose parent is *pid*, from ``/proc`` (zombies excluded)."""
    found = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat.rpartition(')')[2].split()
        if int(fields[1]) == pid and fields[0] != 'Z':
            found.append(int(name))
    return sorted(found)


def is_alive(pid):
    """Whether *pid* exists and is not a zombie."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rpartition(')')[2].split()[0] != 'Z'
    except OSError:
        return False


def wait_until(predicate, timeout=DEADLINE, message='condition'):
    """Poll *predicate* (with a short select pause) until true or timeout.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('Timed out waiting for %s' % message)
        select.select([], [], [], 0.02)


def read_line(fd, timeout=DEADLINE):
    """Read one ``\\n``-terminated line from pipe *fd* within *timeout*."""
    data = b''
    deadline = time.monotonic() + timeout
    while not data.endswith(b'\n'):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError('No line on the pipe; got %r' % data)
        chunk = os.read(fd, 1)
        if not chunk:
            raise AssertionError('Pipe closed; got %r' % data)
        data += chunk
    return data.decode()


def raw_exchange(port, data, timeout=DEADLINE):
    """Send *data* on a new connection and read until the server closes."""
    with socket.create_connection(('127.0.0.1', port),
                                  timeout=timeout) as sock:
        sock.sendall(data)
        parts = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b''.join(parts)
            parts.append(chunk)


class ServiceProcess(object):
    """One run of the test service, cleaned up by *test*.

    :param options: extra ``[DEFAULT]`` config keys.
    :param adopt: hand over a pre-bound socket (else the service binds).
    """

    def __init__(self, test, workers=0, options=None, adopt=True):
        self.test = test
        self.workers = workers
        self.options = dict(options or {})
        self.adopt = adopt
        self.dir = test.useFixture(fixtures.TempDir()).path
        self.conf_file = os.path.join(self.dir, 'service.conf')
        self.out_file = os.path.join(self.dir, 'out.log')
        self.err_file = os.path.join(self.dir, 'err.log')
        self.port = None
        self.proc = None
        self._fds = []

    def _pipe(self):
        rfd, wfd = os.pipe()
        self._fds.extend((rfd, wfd))
        self.test.addCleanup(self._close_fd, rfd)
        self.test.addCleanup(self._close_fd, wfd)
        return rfd, wfd

    def _close_fd(self, fd):
        if fd in self._fds:
            self._fds.remove(fd)
            os.close(fd)

    def _write_conf(self):
        lines = ['[DEFAULT]', 'bind_host = 127.0.0.1',
                 'workers = %d' % self.workers]
        lines += ['%s = %s' % item for item in self.options.items()]
        with open(self.conf_file, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')

    def start(self):
        """Start the service (does not wait for readiness)."""
        env = dict(os.environ)
        passed = []
        if self.adopt:
            sock = socket.socket()
            self.test.addCleanup(sock.close)
            sock.bind(('127.0.0.1', 0))
            self.port = sock.getsockname()[1]
            env['HARNESS_TEST_SOCKET_FD'] = str(sock.fileno())
            passed.append(sock.fileno())
        else:
            self.port = int(self.options['bind_port'])
        self._write_conf()
        self.ready_r, ready_w = self._pipe()
        lifeline_r, self.lifeline_w = self._pipe()
        release_r, self.release_w = self._pipe()
        self.report_r, report_w = self._pipe()
        env.update(HARNESS_READY_FD=str(ready_w),
                   HARNESS_LIFELINE_FD=str(lifeline_r),
                   TEST_RELEASE_FD=str(release_r),
                   TEST_REPORT_FD=str(report_w))
        passed += [ready_w, lifeline_r, release_r, report_w]
        with open(self.out_file, 'wb') as out, \
                open(self.err_file, 'wb') as err:
            self.proc = subprocess.Popen(
                [sys.executable, '-m', MODULE, '--config-file',
                 self.conf_file], stdout=out, stderr=err, pass_fds=passed,
                env=env, start_new_session=True)
        self.test.addCleanup(self.kill)
        # Only the child keeps these ends: EOF then means it is gone.
        for fd in (ready_w, lifeline_r, release_r, report_w):
            self._close_fd(fd)
        if self.adopt:
            sock.close()
        return self

    def wait_ready(self, timeout=DEADLINE):
        """Wait for the readiness byte; fail with the logs if none comes."""
        ready = select.select([self.ready_r], [], [], timeout)[0]
        byte = os.read(self.ready_r, 1) if ready else b''
        if byte != b'1':
            self.test.fail('Service not ready (%r); stderr:\n%s'
                           % (byte, self.stderr()))
        return self

    def kill(self):
        """Cleanup: SIGKILL the process group, reap the child."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # group already empty: nothing left to kill
        self.proc.wait(timeout=DEADLINE)

    def signal(self, signum):
        os.kill(self.proc.pid, signum)

    def wait_exit(self, timeout=DEADLINE):
        """Return the exit status, failing if it takes too long."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.test.fail('Service still running; stderr:\n%s'
                           % self.stderr())

    def stderr(self):
        with open(self.err_file, encoding='utf-8', errors='replace') as f:
            return f.read()

    def stdout(self):
        with open(self.out_file, encoding='utf-8', errors='replace') as f:
            return f.read()

    def connection(self, timeout=DEADLINE):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=timeout)
        self.test.addCleanup(conn.close)
        return conn

    def request(self, method, path, body=None, headers=None):
        """One request on a new connection: ``(response, body bytes)``."""
        conn = self.connection()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
