"""Without ``bind_port`` the servers bind Glance's ports, 9292 and 9191.

These start the programs by hand, as an operator would, outside any
harness launch: no socket is handed over, so the server binds its own.
Only the readiness pipe is given, to wait on its byte instead of polling.
"""

import os
import select
import socket
import subprocess
import sys

import fixtures
import testtools

from harness import contract
from harness.glance import templates

START_TIMEOUT = 30


def port_free(port):
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(('127.0.0.1', port))
    except OSError:
        return False
    finally:
        probe.close()
    return True


class TestDefaultPorts(testtools.TestCase):

    def start(self, name, paste):
        tmp = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(tmp, name + '-paste.ini'), 'w') as handle:
            handle.write(paste)
        conf = os.path.join(tmp, name + '.conf')
        with open(conf, 'w') as handle:
            handle.write('[DEFAULT]\nbind_host = 127.0.0.1\n'
                         'log_file = %s\nsql_connection = sqlite://\n'
                         'filesystem_store_datadir = %s\n'
                         % (os.path.join(tmp, name + '.log'),
                            os.path.join(tmp, 'images')))
        stderr = open(os.path.join(tmp, 'stderr'), 'w+')
        self.addCleanup(stderr.close)
        ready_r, ready_w = os.pipe()
        self.addCleanup(os.close, ready_r)
        try:
            proc = subprocess.Popen(
                [sys.executable, '-m', 'harness.cmd.' + name,
                 '--config-file', conf],
                stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                pass_fds=[ready_w],
                env=dict(os.environ, **{contract.READY_FD: str(ready_w)}))
        finally:
            os.close(ready_w)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        return proc, stderr, ready_r

    def assert_listens(self, name, paste, port):
        if not port_free(port):
            self.skipTest('port %d is in use on this machine' % port)
        proc, stderr, ready = self.start(name, paste)
        # One byte once listening; EOF (b'') if the server died first.
        readable, _, _ = select.select([ready], [], [], START_TIMEOUT)
        if not readable or os.read(ready, 1) != b'1':
            stderr.seek(0)
            self.fail('%s was not ready (exit %s): %s'
                      % (name, proc.poll(), stderr.read()))
        socket.create_connection(('127.0.0.1', port), 5).close()
        proc.terminate()
        self.assertEqual(0, proc.wait(10))

    def test_api_binds_9292(self):
        self.assert_listens('api', templates.API_PASTE, 9292)

    def test_registry_binds_9191(self):
        self.assert_listens('registry', templates.REGISTRY_PASTE, 9191)
