"""Unit tests of the reset's pieces: the pause gate and the directory
tree (real files in a temporary directory)."""

import os
import threading

import fixtures
import testtools

from harness.stack import reset
from harness.agent import hooks


class TestGate(testtools.TestCase):

    def test_pause_waits_for_the_pass_under_way(self):
        gate = hooks.Gate()
        self.assertTrue(gate.enter())
        paused = []
        waiter = threading.Thread(target=lambda: paused.append(
            gate.pause(30)))
        waiter.start()
        gate.leave()
        waiter.join(30)
        self.assertEqual([True], paused)
        self.assertFalse(gate.enter())  # held: the next pass is skipped
        gate.resume()
        self.assertTrue(gate.enter())

    def test_pause_times_out_mid_pass(self):
        gate = hooks.Gate()
        gate.enter()
        self.assertFalse(gate.pause(0))


class TestTree(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        os.mkdir(os.path.join(self.root, 'queue'))
        self.write('kept', b'baseline')

    def write(self, rel, data):
        with open(os.path.join(self.root, rel), 'wb') as handle:
            handle.write(data)

    def test_restore_removes_additions_and_rewrites_changes(self):
        tree = reset.Tree(self.root, skip=('index.db',))
        os.makedirs(os.path.join(self.root, 'new', 'deep'))
        self.write('new/deep/file', b'x')
        self.write('queue/marker', b'')
        self.write('kept', b'changed')
        self.write('index.db', b'left alone')
        self.assertEqual(['kept', 'new', 'new/deep', 'new/deep/file',
                          'queue/marker'], tree.differences())
        tree.restore()
        self.assertEqual([], tree.differences())
        self.assertEqual(['index.db', 'kept', 'queue'],
                         sorted(os.listdir(self.root)))
        self.assertFalse(tree.file_changed('kept'))

    def test_missing_root_is_made_again(self):
        tree = reset.Tree(self.root)
        os.unlink(os.path.join(self.root, 'kept'))
        os.rmdir(os.path.join(self.root, 'queue'))
        os.rmdir(self.root)
        self.assertEqual(['.'], tree.differences())
        tree.restore()
        self.assertEqual([], tree.differences())

    def test_root_absent_at_start_is_removed(self):
        tree = reset.Tree(os.path.join(self.root, 'later'))
        os.makedirs(os.path.join(self.root, 'later', 'x'))
        self.assertEqual(['.'], tree.differences())
        tree.restore()
        self.assertFalse(os.path.exists(os.path.join(self.root, 'later')))
