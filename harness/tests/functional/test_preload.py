"""Servers forked from the preloaded fork-server keep every exec promise.

Each test checks it really ran in preload mode (the server's parent is the
fork-server, a ``python -m harness.forkserver.server`` process) or, where
it says so, that it really did not.
"""

import json
import os
import signal
import socket
import subprocess
import sys

import fixtures
import psutil

from harness.forkserver import client as forkserver
from harness.glance import functional
from harness.process import pgroups
from harness.process import child as process
from harness.process import server as server_mod
from harness.tests.functional import client
from harness.tests.functional import runner_support

PROGRAMS = 'harness.tests.functional.programs.'


class TinyServer(server_mod.Server):
    """A user server that opts in to preloading."""

    preload = True
    ready_event = True

    def __init__(self, test_dir, port, sock=None, module='tiny',
                 name='tiny'):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = name
        self.server_module = PROGRAMS + module
        self.conf_base = '[DEFAULT]\nbind_port = %(bind_port)s\n'


def is_preloaded(pid):
    """True if *pid* was forked by a fork-server."""
    parent = psutil.Process(pid).parent()
    return (parent is not None
            and 'harness.forkserver.server' in parent.cmdline())


def expected_argv(server):
    return [sys.executable, '-m', server.server_module, '--config-file',
            server.conf_file_name]


def agent_listener_fd(pid):
    """The descriptor of *pid* that is its agent's check-in listener
    (bound to ``@harness-agent-<pid>-...``), or None."""
    names = {}
    with open('/proc/net/unix') as table:
        next(table)
        for line in table:
            fields = line.split()
            if len(fields) > 7:
                names[fields[6]] = fields[7]
    prefix = '@harness-agent-%d-' % pid
    for fd in os.listdir('/proc/%d/fd' % pid):
        link = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        inode = link[len('socket:['):-1]
        if names.get(inode, '').startswith(prefix):
            return int(fd)
    return None


def tiny_report(port):
    with socket.create_connection(('127.0.0.1', port), timeout=30) as conn:
        chunks = []
        while True:
            data = conn.recv(65536)
            if not data:
                break
            chunks.append(data)
    return json.loads(b''.join(chunks))


class TestPreload(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable('HARNESS_PRELOAD', '1'))

    def start_tiny(self, module='tiny', name='tiny'):
        port, sock = functional.utils.get_unused_port_and_socket()
        setattr(self, name + '_port', port)
        server = TinyServer(self.test_dir, port, sock=sock, module=module,
                            name=name)
        self.start_with_retry(server, name + '_port', 3)
        return server, tiny_report(getattr(self, name + '_port'))

    def test_pid_group_and_command_line(self):
        self.start_servers(**self.__dict__.copy())
        for server in (self.api_server, self.registry_server):
            pid = server.process_pid
            self.assertTrue(is_preloaded(pid))
            self.assertEqual(pid, os.getpgid(pid))
            self.assertEqual(pid, os.getsid(pid))
            argv = expected_argv(server)
            self.assertEqual(argv, psutil.Process(pid).cmdline())
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                cmdline = handle.read().rstrip(b'\0').decode()
            self.assertEqual(' '.join(argv), cmdline)
            ps = subprocess.run(['ps', '-ww', '-o', 'args=', '-p', str(pid)],
                                capture_output=True, text=True, check=True)
            self.assertEqual(' '.join(argv), ps.stdout.strip())
            # The thread name stays the interpreter's, as after an exec.
            self.assertEqual(os.path.basename(sys.executable)[:15],
                             psutil.Process(pid).name()[:15])
        # What each fork copies: one thread, and no socket but the control
        # channel (beyond stdio, only pidfds of the servers it watches).
        fork_server = psutil.Process(self.api_server.process_pid).parent()
        self.assertEqual(1, fork_server.num_threads())
        links = [os.readlink('/proc/%d/fd/%s' % (fork_server.pid, fd))
                 for fd in os.listdir('/proc/%d/fd' % fork_server.pid)
                 if int(fd) > 2]
        extra = [link for link in links if 'pidfd' not in link]
        self.assertEqual(1, len(extra), links)
        self.assertTrue(extra[0].startswith('socket:'), links)

    def test_ignored_signals_and_mask_pass_on_as_through_exec(self):
        # An exec keeps what the launcher ignores (nohup ignores SIGHUP, a
        # background job SIGINT) and its signal mask: so must the fork.
        for signum in (signal.SIGHUP, signal.SIGINT):
            self.addCleanup(signal.signal, signum, signal.getsignal(signum))
            signal.signal(signum, signal.SIG_IGN)
        self.addCleanup(signal.pthread_sigmask, signal.SIG_UNBLOCK,
                        [signal.SIGUSR2])
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
        forked, state = self.start_tiny()
        self.assertTrue(is_preloaded(state['pid']))
        with fixtures.EnvironmentVariable('HARNESS_PRELOAD', '0'):
            execd, exec_state = self.start_tiny(name='tiny_exec')
        for key in ('SigBlk', 'SigIgn', 'SigCgt'):
            self.assertEqual(exec_state[key], state[key], key)
        ignored = int(state['SigIgn'], 16)
        for signum in (signal.SIGHUP, signal.SIGINT):
            self.assertTrue(ignored & (1 << (signum - 1)), signum)
        self.assertTrue(int(state['SigBlk'], 16)
                        & (1 << (signal.SIGUSR2 - 1)))

    def test_forked_user_server_looks_exec_d(self):
        # Settings an interpreter reads once from its environment, changed
        # after the fork-server started (it serves this first launch).
        self.start_tiny(name='first')
        tmp = os.path.join(self.test_dir, 'tmp')
        os.mkdir(tmp)
        self.useFixture(fixtures.EnvironmentVariable('TMPDIR', tmp))
        self.useFixture(fixtures.EnvironmentVariable('TZ', 'XYZ+05'))
        forked, state = self.start_tiny()
        self.assertTrue(is_preloaded(state['pid']))
        # It has the fork-server's modules (which hold the reference
        # service only once a reference server was launched).
        self.assertIn('harness.forkserver.child', state['modules'])
        with fixtures.EnvironmentVariable('HARNESS_PRELOAD', '0'):
            execd, exec_state = self.start_tiny(name='tiny_exec')
        self.assertFalse(is_preloaded(exec_state['pid']))
        self.assertEqual(os.getpid(), psutil.Process(
            exec_state['pid']).ppid())
        # What an exec gives a program, the fork gives it too: descriptors
        # (no leak), signal dispositions and mask, cwd, sys.path[0],
        # __main__, and the environment but for what tells them apart.
        self.assertEqual(tmp, state['tempdir'])
        self.assertEqual('XYZ', state['tzname'][0])
        for key in ('SigBlk', 'SigIgn', 'SigCgt', 'cwd', 'name', 'path0',
                    'inheritable', 'tempdir', 'tzname', 'main'):
            self.assertEqual(exec_state[key], state[key], key)
        for report in (state, exec_state):
            self.assertEqual(self._given_fds(report),
                             sorted(set(report['fds']) & set(
                                 self._given_fds(report))))
            # ... and the agent's own: its check-in listener.
            self.assertEqual([agent_listener_fd(report['pid'])],
                             sorted(set(report['fds'])
                                    - set(self._given_fds(report))))
        self.assertEqual(state['pid'], state['pgid'])
        self.assertEqual(state['pid'], state['sid'])
        self.assertEqual(self._env(exec_state), self._env(state))
        self.assertTrue(state['argv'][0].endswith('programs/tiny.py'))
        # The module ran as __main__ from the code the fork-server read.
        self.assertTrue(state['main']['is_main'])
        self.assertEqual(forked.server_module, state['main']['spec'])
        self.assertEqual(state['argv'][0], state['main']['file'])
        self.assertEqual(['--config-file', forked.conf_file_name],
                         state['argv'][1:])
        self.assertEqual(' '.join(expected_argv(forked)),
                         state['cmdline'].rstrip('\0'))
        self.assertIn('tiny up', forked.read_output()[0])

    @staticmethod
    def _given_fds(state):
        return sorted([0, 1, 2] + [int(state['env'][name]) for name in (
            'HARNESS_READY_FD', 'HARNESS_LIFELINE_FD',
            'HARNESS_TEST_SOCKET_FD', 'HARNESS_AGENT_FD')])

    @staticmethod
    def _env(state):
        env = dict(state['env'])
        for name in ('HARNESS_PRELOAD', 'HARNESS_READY_FD',
                     'HARNESS_LIFELINE_FD', 'HARNESS_TEST_SOCKET_FD',
                     'HARNESS_AGENT_FD', 'HARNESS_AGENT_ADDRESS'):
            env.pop(name)
        return env

    def test_module_that_cannot_be_preloaded_falls_back_to_exec(self):
        server, state = self.start_tiny('threaded', 'threaded')
        self.assertFalse(is_preloaded(state['pid']))
        self.assertEqual(os.getpid(), psutil.Process(state['pid']).ppid())
        self.assertIn('started a thread',
                      forkserver.refused()[server.server_module])
        # The reference servers are still preloaded afterwards.
        self.start_servers(**self.__dict__.copy())
        self.assertTrue(is_preloaded(self.api_server.process_pid))

    def test_preload_0_means_fork_exec(self):
        with fixtures.EnvironmentVariable('HARNESS_PRELOAD', '0'):
            self.start_servers(**self.__dict__.copy())
        for server in (self.api_server, self.registry_server):
            self.assertFalse(is_preloaded(server.process_pid))
            self.assertEqual(os.getpid(),
                             psutil.Process(server.process_pid).ppid())

    def test_crash_at_start_fails_fast(self):
        self.api_server.start(expect_exit=False, registry_port=1,
                              deployment_flavor='nosuchflavor')
        self.assertIsInstance(self.api_server.process.popen,
                              forkserver.Child)
        # A generous timeout: the answer must come from the child's death,
        # reported by the fork-server.
        msg = self.wait_for_servers([self.api_server], timeout=600)
        self.assertIn('exited with status 1 before it was ready', msg)
        self.assertIn('Unable to load harness-api-nosuchflavor', msg)

    def test_a_fork_signalled_right_after_its_launch_is_stopped(self):
        # An overlapped launch returns before the fork leads its process
        # group; a stop at once must still reach that group.
        port, sock = functional.utils.get_unused_port_and_socket()
        server = TinyServer(self.test_dir, port, sock=sock)
        self.addCleanup(server.stop)
        proc = server.launch_overlapped({})
        self.assertIsInstance(proc.popen, forkserver.Child)
        pid = proc.pid
        rc = server.stop()[0]
        self.assertIn(rc, (0, -signal.SIGTERM))
        self.assertFalse(psutil.pid_exists(pid))
        self.assertFalse(pgroups.group_alive(pid))

    def test_overlapped_launches_lead_their_groups_once_waited(self):
        servers = []
        for name in ('one', 'two', 'three'):
            port, sock = functional.utils.get_unused_port_and_socket()
            server = TinyServer(self.test_dir, port, sock=sock, name=name)
            self.addCleanup(server.stop)
            servers.append(server)
        procs = [server.launch_overlapped({}) for server in servers]
        for proc in procs:
            proc.wait_group()
            self.assertEqual(proc.pid, os.getpgid(proc.pid))
            self.assertEqual(proc.pid, os.getsid(proc.pid))

    def test_scrubber_exit_codes(self):
        scrubber = self.scrubber_daemon
        rc, _, _ = scrubber.start(registry_port=self.registry_port)
        self.assertEqual(0, rc)
        self.assertIsInstance(scrubber.process.popen, forkserver.Child)
        scrubber.daemon = 'maybe'  # not a boolean: exit status 1
        rc, _, err = scrubber.start(expected_exitcode=1,
                                    registry_port=self.registry_port)
        self.assertEqual(1, rc)
        self.assertIn('ERROR: Invalid boolean value', err)
        self.assertIsInstance(scrubber.process.popen, forkserver.Child)

    def test_reload_lands_on_the_same_module_and_conf(self):
        self.start_servers(**self.__dict__.copy())
        pid = self.api_server.process_pid
        self.assertTrue(is_preloaded(pid))
        self.reload_server(self.api_server, True, enable_v2_api=False)
        self.assertEqual(pid, self.api_server.process.pid)
        # Re-exec'd for real now (through harness.agent.boot, which
        # shows the argv as its title, as a preloaded child does).
        self.assertEqual(' '.join(expected_argv(self.api_server)),
                         ' '.join(psutil.Process(pid).cmdline()).strip())
        status, _, body = client.request(self.api_port, 'GET', '/')
        self.assertEqual(client.versions_document(self.api_port, v2=False),
                         body)
        self.assertEqual(0, self.api_server.stop()[0])

    def test_workers(self):
        self.api_server.workers = 2
        self.start_servers(**self.__dict__.copy())
        parent = self.api_server.process_pid
        self.assertTrue(is_preloaded(parent))
        for _ in range(6):
            status, _, body = client.request(self.api_port, 'GET',
                                             '/v1/images')
            self.assertEqual(200, status)
        workers = psutil.Process(parent).children()
        self.assertEqual(2, len(workers))
        self.assertEqual(0, self.api_server.stop()[0])
        for worker in workers:
            self.assertTrue(process.wait_gone(worker.pid, 30))

    def test_a_killed_fork_server_is_replaced(self):
        self.start_servers(**self.__dict__.copy())
        old = forkserver.current().proc
        self.assertEqual(old.pid, psutil.Process(
            self.api_server.process_pid).ppid())
        old.kill()
        old.wait()
        # The servers it forked run on; their statuses died with it.
        self.assertEqual(forkserver.LOST_STATUS, self.api_server.stop()[0])
        self.start_servers(**self.__dict__.copy())
        pid = self.api_server.process_pid
        self.assertTrue(is_preloaded(pid))
        self.assertNotEqual(old.pid, psutil.Process(pid).ppid())
        self.assertEqual(0, self.api_server.stop()[0])

    def test_sigkill_of_the_test_process_leaves_nothing(self):
        runner, test_dir, pids = runner_support.start_stack(self)
        fork_server = psutil.Process(pids[0]).parent()
        self.assertIn('harness.forkserver.server', fork_server.cmdline())
        self.assertEqual(runner.pid, fork_server.ppid())
        janitor = runner_support.janitor_of(self, runner)
        runner_support.kill_and_check(
            self, runner, pids + [fork_server.pid], janitor, test_dir)
