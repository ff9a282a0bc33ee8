"""Without ``bind_port`` the servers bind Glance's ports, 9292 and 9191.

These start the programs by hand, as an operator would, outside any
harness launch: no socket is handed over, so the server binds its own.
"""

import os
import socket
import subprocess
import sys
import time

import fixtures
import testtools

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
        proc = subprocess.Popen(
            [sys.executable, '-m', 'harness.cmd.' + name,
             '--config-file', conf],
            stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        return proc, stderr

    def assert_listens(self, name, paste, port):
        if not port_free(port):
            self.skipTest('port %d is in use on this machine' % port)
        proc, stderr = self.start(name, paste)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    stderr.seek(0)
                    self.fail('%s did not listen on %d (exit %s): %s'
                              % (name, port, proc.poll(), stderr.read()))
                # Nothing to wait on but the port itself: poll it.
                time.sleep(0.05)
        proc.terminate()
        self.assertEqual(0, proc.wait(10))

    def test_api_binds_9292(self):
        self.assert_listens('api', templates.API_PASTE, 9292)

    def test_registry_binds_9191(self):
        self.assert_listens('registry', templates.REGISTRY_PASTE, 9191)
