"""Tests for reaching fresh interpreters (harness.agent.checkin,
harness.agent.lazy, the agent's sitecustomize) and for reading a
server's tree (harness.reach.tree), with real processes and imports."""

import os
import socket
import subprocess
import sys

import fixtures
import testtools

from harness.agent import checkin
from harness.agent import lazy
from harness.agent import messages
from harness.agent import wire
from harness.reach import tree


class TestSitecustomize(testtools.TestCase):

    def test_runs_the_sitecustomize_it_hides(self):
        hidden = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(hidden, 'sitecustomize.py'), 'w') as out:
            out.write('MARK = "hidden ran"\n')
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [checkin.SITE_DIR, hidden]))
        env.pop(checkin.ADDRESS_ENV, None)
        out = subprocess.run(
            [sys.executable, '-c', 'import sitecustomize; '
             'print(sitecustomize.MARK)'],
            env=env, capture_output=True, text=True, check=True)
        self.assertEqual('hidden ran\n', out.stdout)
        self.assertEqual('', out.stderr)

    def test_checks_in_and_refuses_where_harness_is_missing(self):
        listener = checkin.Listener.__new__(checkin.Listener)
        listener.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(listener.sock.close)
        listener.address = 'harness-test-%s' % os.urandom(8).hex()
        listener.sock.bind('\0' + listener.address)
        listener.sock.listen()
        listener.refused = {}
        # -s -E: no site-packages, no PYTHONPATH... but this folder by
        # hand, so the sitecustomize runs and harness is not importable.
        child = subprocess.Popen(
            [sys.executable, '-S', '-c', 'import sys; sys.path[:0] = '
             '[sys.argv[1]]; import sitecustomize', checkin.SITE_DIR],
            env={checkin.ADDRESS_ENV: listener.address},
            cwd='/', stderr=subprocess.PIPE)
        self.addCleanup(child.wait)
        listener.sock.settimeout(30)
        conn, _ = listener.sock.accept()
        with conn:
            conn.settimeout(30)
            hello = wire.recv(conn)
        self.assertEqual(child.pid, hello['pid'])
        self.assertIn('cannot import harness', hello['refused'])


class TestLazyTable(testtools.TestCase):

    def setUp(self):
        super().setUp()
        folder = self.useFixture(fixtures.TempDir()).path
        self.name = 'lazy_target_%s' % os.urandom(4).hex()
        with open(os.path.join(folder, self.name + '.py'), 'w') as out:
            out.write('def answer():\n    return 42\n')
        sys.path.insert(0, folder)
        self.addCleanup(sys.path.remove, folder)
        self.addCleanup(sys.modules.pop, self.name, None)
        self.table = lazy.LazyTable()
        self.addCleanup(self._clear)

    def _clear(self):
        for layer_id in list(self.table.layers) + list(self.table.pending):
            self.table.remove(layer_id)
        if self.table.watcher in sys.meta_path:
            sys.meta_path.remove(self.table.watcher)

    def spec(self, layer_id):
        import pickle
        return {'id': layer_id, 'kind': 'patch', 'delay': None,
                'target': self.name + '.answer', 'raises': None,
                'returns': pickle.dumps('patched')}

    def test_waits_for_the_import_then_patches(self):
        self.table.apply(self.spec(1))
        self.assertNotIn(self.name, sys.modules)  # imported nothing
        self.assertEqual({1}, set(self.table.pending))
        module = __import__(self.name)
        self.assertEqual('patched', module.answer())
        self.assertEqual({}, self.table.pending)
        # The module keeps its own loader.
        self.assertNotIsInstance(module.__loader__, lazy._Notifying)
        self.table.remove(1)
        self.assertEqual(42, module.answer())

    def test_removed_before_the_import(self):
        self.table.apply(self.spec(1))
        self.table.remove(1)
        self.assertEqual(42, __import__(self.name).answer())

    def test_already_imported_is_patched_at_once(self):
        module = __import__(self.name)
        self.table.apply(self.spec(1))
        self.assertEqual('patched', module.answer())


class TestListener(testtools.TestCase):

    def test_other_users_are_dropped_unread(self):
        if os.getuid() != 0:
            self.skipTest('needs root, to connect as another user')
        # What the Listener sets in this process's environment, restored.
        self.useFixture(fixtures.EnvironmentVariable('PYTHONPATH'))
        self.useFixture(fixtures.EnvironmentVariable(checkin.ADDRESS_ENV))
        listener = checkin.Listener()
        self.addCleanup(listener.close)
        pid = os.fork()
        if pid == 0:
            try:
                os.setuid(65534)
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect('\0' + listener.address)
                wire.send(sock, {'pid': os.getpid()})
                sock.recv(1)  # EOF: dropped
            finally:
                os._exit(0)
        self.addCleanup(os.waitpid, pid, 0)
        import select
        select.select([listener], [], [], 30)
        self.assertEqual((pid, None), listener.accept(messages.Init()))
        self.assertEqual({}, listener.refused)


class TestTree(testtools.TestCase):

    def test_interpreter_flags(self):
        self.assertEqual({'I'}, tree.interpreter_flags(['python', '-I', '-c',
                                                        'x']))
        self.assertEqual({'S', 'u'}, tree.interpreter_flags(
            ['python', '-Su', 'script.py', '-E']))
        self.assertEqual(set(), tree.interpreter_flags(
            ['python', '-W', 'ignore', '-m', 'x', '-I']))
        self.assertEqual({'b'}, tree.interpreter_flags(
            ['python', '-b', '-Xdev', '-cI']))

    def test_python_processes_of_a_tree(self):
        child = subprocess.Popen(
            [sys.executable, '-I', '-c', 'import subprocess, sys; '
             'cat = subprocess.Popen(["cat"]); print("up", flush=True); '
             'sys.stdin.read(); cat.kill(); cat.wait()'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.addCleanup(child.wait)
        self.addCleanup(child.stdout.close)
        self.addCleanup(child.stdin.close)
        self.assertEqual(b'up\n', child.stdout.readline())
        found = tree.python_processes(os.getpid())
        mine = [process for process in found if process.pid == child.pid]
        self.assertEqual(1, len(mine), found)
        self.assertEqual(os.getpid(), mine[0].ppid)
        # cat, its child, is not Python: not in question.
        self.assertEqual([], [process for process in found
                              if process.ppid == child.pid])
        missed, pending = tree.unreached(mine, set(), {})
        self.assertEqual([], pending)
        self.assertIn('-I (isolated mode)', missed[0][1])
        self.assertEqual(([], []), tree.unreached(mine, {child.pid}, {}))
