"""harness.process.activation and its exec shim, on real descriptors and
real processes (the launches themselves: tests/functional/test_activation)."""

import os
import socket
import subprocess
import sys
import textwrap

import testtools

from harness.process import activation

# In a fresh interpreter descriptor 3 is free: a pipe's write end is put
# there, as a launch's ready pipe may land on it.
OFF_FD3 = textwrap.dedent('''
    import fcntl, os
    from harness.process import activation
    ends = os.pipe()
    r, w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in ends)
    for fd in ends:
        os.close(fd)
    os.dup2(w, 3)
    os.close(w)
    moved = activation.off_fd3(3)
    os.write(moved, b'through')
    try:
        os.fstat(3)
        print('fd 3 still open')
    except OSError:
        print(moved > 3, os.read(r, 16).decode())
''')


class TestActivation(testtools.TestCase):

    def test_off_fd3_moves_descriptor_3_and_closes_it(self):
        out = subprocess.run([sys.executable, '-c', OFF_FD3],
                             capture_output=True, text=True, check=True)
        self.assertEqual('True through\n', out.stdout)

    def test_other_descriptors_stay(self):
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        self.addCleanup(os.close, w)
        if w != activation.FD:
            self.assertEqual(w, activation.off_fd3(w))

    def test_environ_sets_or_clears_the_protocol(self):
        env = {'LISTEN_PID': '1', 'LISTEN_FDS': '4', 'LISTEN_FDNAMES': 'x',
               'OTHER': 'kept'}
        activation.environ(env, None)
        self.assertEqual({'OTHER': 'kept'}, env)
        activation.environ(env, 'web')
        # LISTEN_PID is the child's to set, once its pid exists.
        self.assertEqual({'OTHER': 'kept', 'LISTEN_FDS': '1',
                          'LISTEN_FDNAMES': 'web'}, env)

    def test_the_shim_execs_with_the_socket_at_3_and_its_own_pid(self):
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        report = ('import os, socket; s = socket.socket(fileno=3); '
                  'print(os.environ["LISTEN_PID"] == str(os.getpid()), '
                  's.getsockname()[1])')
        argv = activation.shim_argv([sys.executable, '-c', report],
                                    sock.fileno(), os.environ)
        out = subprocess.run(argv, pass_fds=[sock.fileno()],
                             capture_output=True, text=True, check=True)
        self.assertEqual('True %d\n' % sock.getsockname()[1], out.stdout)

    def test_the_shim_refuses_a_missing_program(self):
        self.assertRaises(FileNotFoundError, activation.shim_argv,
                          ['no-such-program-24'], 5, {'PATH': '/nonexistent'})
