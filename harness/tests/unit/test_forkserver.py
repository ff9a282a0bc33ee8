"""Tests for the fork-server's client and child: what may be preloaded,
and exit statuses.  Real processes only (the functional tests start real
servers through it)."""

import gc
import json
import os
import signal
import socket
import subprocess
import sys

import fixtures
import testtools

from harness.forkserver import client as forkserver
from harness.forkserver import child as fork_child
from harness.forkserver import protocol
from harness.forkserver import server as fork_server
from harness.forkserver import warm
from harness.process import child as process


class WhatIsPreloadedTest(testtools.TestCase):

    def test_only_python_dash_m_of_this_interpreter(self):
        self.assertEqual('harness.cmd.api', forkserver.preload_module(
            [sys.executable, '-m', 'harness.cmd.api', '--config-file', 'x']))
        self.assertIsNone(forkserver.preload_module(
            ['/usr/bin/python3.0', '-m', 'harness.cmd.api']))
        self.assertIsNone(forkserver.preload_module(
            [sys.executable, '-c', 'print(1)']))
        self.assertIsNone(forkserver.preload_module([sys.executable]))

    def test_preload_0_spawns_nothing(self):
        self.useFixture(fixtures.EnvironmentVariable(forkserver.ENV, '0'))
        self.assertFalse(forkserver.enabled())
        child = forkserver.spawn(
            [sys.executable, '-m', 'harness.cmd.api'], dict(os.environ),
            1, 2, [])
        self.assertIsNone(child)

    def test_enabled_by_default(self):
        self.useFixture(fixtures.EnvironmentVariable(forkserver.ENV))
        self.assertTrue(forkserver.enabled())
        self.useFixture(fixtures.EnvironmentVariable(forkserver.ENV, '1'))
        self.assertTrue(forkserver.enabled())

    def test_interpreter_settings_that_differ_mean_exec(self):
        self.useFixture(fixtures.EnvironmentVariable(forkserver.ENV, '1'))
        env = dict(os.environ, PYTHONWARNINGS='error::ResourceWarning')
        if os.environ.get('PYTHONWARNINGS') == env['PYTHONWARNINGS']:
            self.skipTest('PYTHONWARNINGS already set that way')
        child = forkserver.spawn(
            [sys.executable, '-m', 'harness.cmd.api'], env, 1, 2, [])
        self.assertIsNone(child)

    def test_a_program_that_is_not_python_dash_m_is_exec_d(self):
        dir_ = self.useFixture(fixtures.TempDir()).path
        proc = process.ServerProcess(
            'child', [sys.executable, '-c', 'print("hi")'],
            os.path.join(dir_, 'out'), os.path.join(dir_, 'err'),
            preload=True)
        self.addCleanup(proc.stop)
        proc.launch()
        self.assertNotIsInstance(proc.popen, forkserver.Child)
        self.assertEqual(0, proc.wait_exit(60))


class ExitStatusTest(testtools.TestCase):

    def test_sys_exit_codes_as_an_interpreter_maps_them(self):
        self.assertEqual(0, fork_child.exit_status(None))
        self.assertEqual(3, fork_child.exit_status(3))
        self.assertEqual(255, fork_child.exit_status(-1))
        self.assertEqual(0, fork_child.exit_status(256))
        stderr = self.useFixture(fixtures.StringStream('stderr')).stream
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', stderr))
        self.assertEqual(1, fork_child.exit_status('bad conf'))
        stderr.seek(0)
        self.assertEqual('bad conf\n', stderr.read())


class ForkSafetyTest(testtools.TestCase):

    def test_this_process_counts_its_threads_and_descriptors(self):
        before = fork_server.open_fds()
        read_end, write_end = os.pipe()
        self.addCleanup(os.close, read_end)
        self.addCleanup(os.close, write_end)
        self.assertEqual({read_end, write_end},
                         fork_server.open_fds() - before)
        self.assertGreaterEqual(fork_server.thread_count(), 1)


class WarmTest(testtools.TestCase):
    """What the fork-server does once instead of every fork."""

    def test_database_modules_follow_the_test_database(self):
        sqlite = ['sqlalchemy.dialects.sqlite.pysqlite', 'sqlite3']
        self.assertEqual(sqlite, warm.database_modules({}))
        self.assertEqual(sqlite, warm.database_modules(
            {warm.SQL_ENV: 'sqlite:////tmp/x.db'}))
        self.assertEqual(
            sqlite + ['sqlalchemy.dialects.mysql.pymysql', 'pymysql'],
            warm.database_modules(
                {warm.SQL_ENV: 'mysql+pymysql://root@127.0.0.1/test'}))
        # A bare scheme: the server the harness starts itself.
        self.assertEqual(
            sqlite + ['sqlalchemy.dialects.mysql.pymysql', 'pymysql'],
            warm.database_modules({warm.SQL_ENV: 'mysql'}))
        self.assertEqual(
            sqlite + ['sqlalchemy.dialects.postgresql.psycopg2',
                      'psycopg2'],
            warm.database_modules({warm.SQL_ENV: 'postgresql'}))

    def test_the_dialect_modules_are_those_sqlalchemy_loads(self):
        from sqlalchemy.engine import url as sa_url
        for name in ('sqlite:////tmp/x', 'mysql+pymysql://h/db',
                     'postgresql://h/db'):
            dialect = sa_url.make_url(name).get_dialect()
            self.assertIn(dialect.__module__, warm.database_modules(
                {warm.SQL_ENV: name}), name)

    def test_main_code_is_the_module_s_own(self):
        spec, code = warm.main_code('harness.cmd.scrubber')
        self.assertEqual('harness.cmd.scrubber', spec.name)
        self.assertTrue(spec.origin.endswith('harness/cmd/scrubber.py'))
        self.assertEqual(spec.origin, code.co_filename)
        self.assertIsNone(warm.main_code('harness.cmd'))  # a package
        self.assertIsNone(warm.main_code('harness.no_such_module'))

    def test_signal_plan_ignores_what_the_launcher_ignores(self):
        self.addCleanup(signal.signal, signal.SIGHUP,
                        signal.getsignal(signal.SIGHUP))
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        fork_child.signal_plan.cache_clear()
        self.addCleanup(fork_child.signal_plan.cache_clear)
        plan = dict(fork_child.signal_plan((int(signal.SIGHUP),)))
        self.assertEqual(signal.SIG_IGN, plan[signal.SIGHUP])
        self.assertNotIn(signal.SIGHUP,
                         dict(fork_child.signal_plan(())))

    def test_signal_plan_is_worked_out_again_after_a_load(self):
        # A module loaded later may have changed a disposition at import.
        self.addCleanup(signal.signal, signal.SIGUSR2,
                        signal.getsignal(signal.SIGUSR2))
        signal.signal(signal.SIGUSR2, signal.SIG_DFL)
        self.addCleanup(fork_child.signal_plan.cache_clear)
        self.assertNotIn(signal.SIGUSR2, dict(fork_child.signal_plan(())))
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        self.addCleanup(theirs.close)
        self.addCleanup(gc.unfreeze)
        fork_server.ForkLoop(theirs).preload([])
        self.assertEqual(signal.SIG_DFL,
                         dict(fork_child.signal_plan(()))[signal.SIGUSR2])

    def test_a_reference_program_is_loaded_with_its_siblings(self):
        # A stack starts them together: asking for one loads all three;
        # a user module is loaded alone.
        self.assertEqual(['mysvc.main'], fork_server.needs(['mysvc.main']))
        self.assertEqual(
            ['mysvc.main'] + list(fork_server.MODULES) + ['other'],
            fork_server.needs(['mysvc.main', 'harness.cmd.scrubber',
                               'harness.cmd.api', 'other']))

    def test_set_environ_changes_the_c_environment_too(self):
        self.useFixture(fixtures.EnvironmentVariable('HARNESS_T_GONE', 'x'))
        self.useFixture(fixtures.EnvironmentVariable('HARNESS_T_SAME', 's'))
        self.useFixture(fixtures.EnvironmentVariable('HARNESS_T_NEW'))
        env = dict(os.environ, HARNESS_T_NEW='n')
        del env['HARNESS_T_GONE']
        saved = dict(os.environ)
        self.addCleanup(fork_child.set_environ, saved)
        fork_child.set_environ(env)
        self.assertEqual(env, dict(os.environ))
        # What a program exec'd now inherits: the C environment.
        shown = subprocess.run(['env'], capture_output=True, text=True,
                               check=True).stdout.splitlines()
        self.assertIn('HARNESS_T_NEW=n', shown)
        self.assertIn('HARNESS_T_SAME=s', shown)
        self.assertNotIn('HARNESS_T_GONE=x', shown)


class ProtocolTest(testtools.TestCase):
    """The messages, one class each, the same packets as ever."""

    def test_a_message_round_trips(self):
        launch = protocol.Launch(module='m', args=['a'], env={'K': 'v'},
                                 cwd='/', title='t', targets=[1, 2],
                                 signals={'ignored': [], 'blocked': [1]})
        self.assertEqual(launch, protocol.decode(protocol.encode(launch)))
        self.assertIs(protocol.Started, launch.reply)
        self.assertEqual({'op': 'exit', 'pid': 7, 'rc': -9}, json.loads(
            protocol.encode(protocol.Exit(pid=7, rc=-9))))

    def test_what_is_no_message_is_refused(self):
        for packet in (b'{"op": "nope"}', b'{"op": "exit", "pid": 1}',
                       b'[1]', b'not json', b'{"pid": 1}'):
            self.assertRaises(protocol.ProtocolError, protocol.decode,
                              packet)

    def test_the_fork_server_answers_a_bad_request_and_serves_on(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX,
                                         socket.SOCK_SEQPACKET)
        self.addCleanup(ours.close)
        self.addCleanup(theirs.close)
        loop = fork_server.ForkLoop(theirs)
        self.addCleanup(gc.unfreeze)  # a load freezes what the GC saw
        for packet in (b'{"op": "nope"}',
                       protocol.encode(protocol.Exit(pid=1, rc=0))):
            ours.send(packet)
            self.assertTrue(loop.handle())
            reply, _fds = protocol.receive(ours)
            self.assertIsInstance(reply, protocol.Error)
        protocol.send(ours, protocol.Load(module='json'))
        self.assertTrue(loop.handle())
        reply, _fds = protocol.receive(ours)
        self.assertEqual(protocol.Loaded(ok=True, error=None,
                                         tainted=False), reply)


class SettingUpTest(testtools.TestCase):
    """A fork-server whose test process is gone kills the forks that did
    not lead their group yet (the janitor's group kill missed them)."""

    def _fork(self, leads):
        """A child that waits for a byte on a pipe, then (if *leads*)
        calls setsid and closes its set-up pipe; returns ``(pid, set_up_r,
        go_w)``."""
        go_r, go_w = os.pipe()
        set_up_r, set_up_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(go_w)
                os.close(set_up_r)
                os.read(go_r, 1)
                if leads:
                    os.setsid()
                    os.close(set_up_w)
                os.read(go_r, 1)  # EOF only when the test is gone
            finally:
                os._exit(0)
        os.close(go_r)
        os.close(set_up_w)
        self.addCleanup(os.close, go_w)
        self.addCleanup(_reap_if_needed, pid)
        return pid, set_up_r, go_w

    def _loop(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX,
                                         socket.SOCK_SEQPACKET)
        self.addCleanup(ours.close)
        self.addCleanup(theirs.close)
        return fork_server.ForkLoop(theirs)

    def test_a_fork_that_leads_its_group_is_killed_with_it(self):
        pid, set_up_r, go_w = self._fork(leads=True)
        loop = self._loop()
        loop.setting_up[set_up_r] = pid
        os.write(go_w, b'1')
        loop.kill_setting_up()
        _pid, status = os.waitpid(pid, 0)
        self.assertEqual(-signal.SIGKILL, os.waitstatus_to_exitcode(status))
        self.assertEqual({}, loop.setting_up)

    def test_a_fork_stuck_before_setsid_is_killed_after_the_timeout(self):
        self.useFixture(fixtures.MonkeyPatch(
            'harness.forkserver.server.SET_UP_TIMEOUT', 0.05))
        pid, set_up_r, _go_w = self._fork(leads=False)
        loop = self._loop()
        loop.setting_up[set_up_r] = pid
        loop.kill_setting_up()
        _pid, status = os.waitpid(pid, 0)
        self.assertEqual(-signal.SIGKILL, os.waitstatus_to_exitcode(status))


def _reap_if_needed(pid):
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        return
