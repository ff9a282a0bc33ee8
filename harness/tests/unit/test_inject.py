"""Tests for harness.agent (the server side) and harness.reach.injector's
pure helpers, in this process: layers, the clock, the agent's protocol."""

import datetime
import os
import pickle
import socket
import threading
import time

import fixtures
import testtools
import time_machine

from harness import errors
from harness.reach import calls
from harness.reach import injector as remote
from harness.agent import serve as agent_mod
from harness.agent import clock as clock_mod
from harness.agent import layers
from harness.agent import wire
from harness.tests.unit import inject_target as target

MOD = 'harness.tests.unit.inject_target'


def patch_spec(layer_id, name, **kwargs):
    spec = {'id': layer_id, 'kind': 'patch', 'target': MOD + '.' + name,
            'delay': kwargs.get('delay'), 'raises': None, 'returns': None}
    if 'raises' in kwargs:
        spec['raises'] = pickle.dumps(kwargs['raises'])
    if 'returns' in kwargs:
        spec['returns'] = pickle.dumps(kwargs['returns'])
    return spec


def spy_spec(layer_id, name, folder):
    """A spy whose records go to ``<folder>/<layer_id>.calls``."""
    path = os.path.join(folder, '%d.calls' % layer_id)
    open(path, 'w').close()
    return {'id': layer_id, 'kind': 'spy', 'target': MOD + '.' + name,
            'calls_path': path}


class TestLayers(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.table = layers.Table()
        self.addCleanup(self._clear)
        self.folder = self.useFixture(fixtures.TempDir()).path

    def calls(self, layer_id):
        return calls.read(os.path.join(self.folder, '%d.calls' % layer_id))

    def _clear(self):
        for layer_id in list(self.table.layers):
            self.table.remove(layer_id)

    def test_patch_returns_and_restores_the_original(self):
        original = target.add
        self.table.apply(patch_spec(1, 'add', returns=None))
        self.assertIsNone(target.use_add(1))
        self.table.remove(1)
        self.assertIs(original, target.add)
        self.assertEqual(2, target.use_add(1))

    def test_raises_a_fresh_exception_each_call(self):
        self.table.apply(patch_spec(1, 'add', raises=OSError(28, 'full')))
        first = self.assertRaises(OSError, target.add, 1)
        second = self.assertRaises(OSError, target.add, 1)
        self.assertIsNot(first, second)
        self.assertEqual(28, second.errno)

    def test_delay_then_call_through(self):
        self.table.apply(patch_spec(1, 'add', delay=0.05))
        start = time.monotonic()
        self.assertEqual(3, target.add(1, 2))
        self.assertGreaterEqual(time.monotonic() - start, 0.05)

    def test_nesting_pops_back_to_the_outer_layer(self):
        self.table.apply(patch_spec(1, 'add', returns='outer'))
        self.table.apply(patch_spec(2, 'add', returns='inner'))
        self.assertEqual('inner', target.add(1))
        self.table.remove(2)
        self.assertEqual('outer', target.add(1))
        # Out of order too.
        self.table.apply(patch_spec(3, 'add', returns='again'))
        self.table.remove(1)
        self.assertEqual('again', target.add(1))
        self.table.remove(3)
        self.assertEqual(2, target.add(1))

    def test_spy_sees_calls_under_a_later_patch(self):
        self.table.apply(spy_spec(1, 'add', self.folder))
        self.assertEqual(5, target.add(2, b=3))
        self.table.apply(patch_spec(2, 'add', raises=ValueError('no')))
        self.assertRaises(ValueError, target.add, 4)
        seen = self.calls(1)
        self.assertEqual([('2',), ('4',)], [c.args for c in seen])
        self.assertEqual({'b': '3'}, seen[0].kwargs)
        self.assertEqual(('5', None), (seen[0].result, seen[0].exception))
        self.assertEqual((None, "ValueError('no')"),
                         (seen[1].result, seen[1].exception))
        self.assertEqual({os.getpid()}, {c.pid for c in seen})

    def test_methods_static_class_and_inherited(self):
        self.table.apply(patch_spec(1, 'Base.greet', returns='hi'))
        self.table.apply(patch_spec(2, 'Base.static', returns='s'))
        self.table.apply(spy_spec(3, 'Base.klass', self.folder))
        self.table.apply(patch_spec(4, 'Child.greet', returns='child'))
        self.assertEqual('hi', target.Base().greet('x'))
        self.assertEqual('child', target.Child().greet('x'))
        self.assertEqual('s', target.Base.static(1))
        self.assertEqual('Child:1', target.Child.klass(1))
        self.assertEqual(1, len(self.calls(3)))
        self._clear()
        self.assertNotIn('greet', vars(target.Child))
        self.assertIsInstance(vars(target.Base)['static'], staticmethod)
        self.assertIsInstance(vars(target.Base)['klass'], classmethod)
        self.assertEqual('hello x', target.Child().greet('x'))
        self.assertEqual(2, target.Base.static(1))

    def test_bad_targets(self):
        for name, reason in (
                ('nosuch', "has no attribute 'nosuch'"),
                ('Base.nosuch', "Base has no attribute 'nosuch'"),
                ('NOT_CALLABLE', 'not callable')):
            error = self.assertRaises(layers.TargetError, self.table.apply,
                                      patch_spec(1, name, returns=1))
            self.assertEqual(MOD + '.' + name, error.target)
            self.assertIn(reason, str(error))
        for path in ('nosuchmodule.f', 'single', 'a..b', 7):
            error = self.assertRaises(layers.TargetError, layers.resolve,
                                      path)
            self.assertIsInstance(error, errors.HarnessError)  # one root
        self.assertEqual({}, self.table.slots)

    def test_long_reprs_are_cut(self):
        self.table.apply(spy_spec(1, 'add', self.folder))
        target.add('x' * 5000, 'y')
        recorded = self.calls(1)[0].args[0]
        self.assertEqual(layers.MAX_REPR + 3, len(recorded))


class TestClock(testtools.TestCase):

    def test_freeze_offset_reset(self):
        clock = clock_mod.Clock()
        self.addCleanup(clock.set, None)
        clock.set(('frozen', 1000000000.0))
        self.assertEqual(1000000000, int(time.time()))
        self.assertEqual(datetime.datetime(2001, 9, 9, 1, 46, 40),
                         datetime.datetime.utcnow().replace(microsecond=0))
        real = time_machine.escape_hatch.time.time
        clock.set(('offset', 86400.0))
        self.assertAlmostEqual(real() + 86400, time.time(), delta=5)
        clock.set(None)
        self.assertFalse(time_machine.escape_hatch.is_travelling())


class TestAgentProtocol(testtools.TestCase):
    """An agent on one end of a socket pair, served by its own thread."""

    def setUp(self):
        super().setUp()
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        self.sock = ours
        agent = agent_mod.Agent(theirs)
        thread = threading.Thread(target=agent.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(theirs.close)
        self.addCleanup(ours.shutdown, socket.SHUT_RDWR)

    def call(self, request):
        wire.send(self.sock, request)
        return wire.recv(self.sock)

    def test_apply_calls_remove(self):
        folder = self.useFixture(fixtures.TempDir()).path
        spec = spy_spec(1, 'add', folder)
        reply = self.call({'op': 'apply', 'layer': spec})
        self.assertTrue(reply['ok'], reply)
        target.add(1)
        self.assertEqual(['2'], [c.result for c in
                                 calls.read(spec['calls_path'])])
        self.call({'op': 'remove', 'id': 1})
        self.assertFalse(hasattr(target.add, '__wrapped__'))

    def test_errors_are_replies(self):
        reply = self.call({'op': 'apply',
                           'layer': patch_spec(1, 'nosuch', returns=1)})
        self.assertEqual((False, True, MOD + '.nosuch'),
                         (reply['ok'], reply['target'], reply['what']))
        reply = self.call({'op': 'bogus'})
        self.assertEqual((False, False), (reply['ok'], reply['target']))
        self.assertIn('bogus', reply['error'])


class TestRemoteHelpers(testtools.TestCase):

    def test_is_python(self):
        import sys
        self.assertTrue(remote.is_python([sys.executable, '-m', 'x']))
        self.assertTrue(remote.is_python([sys.executable, 'prog.py']))
        self.assertFalse(remote.is_python(['/nonexistent/python3', 'p.py']))
        self.assertFalse(remote.is_python(['/bin/sleep', '5']))
        self.assertFalse(remote.is_python([sys.executable, '-c', 'x']))
        self.assertFalse(remote.is_python([sys.executable]))

    def test_clock_states(self):
        states = []

        def apply(state):
            states.append(state)
            return state
        clock = calls.Clock(apply)
        clock.advance(10)
        clock.advance(5)
        clock.freeze(datetime.datetime(2001, 9, 9, 1, 46, 40,
                                       tzinfo=datetime.timezone.utc))
        clock.advance(60)
        clock.reset()
        self.assertEqual([('offset', 10.0), ('offset', 15.0),
                          ('frozen', 1e9), ('frozen', 1e9 + 60), None],
                         states)
        self.assertRaises(errors.InjectError, clock.freeze,
                          datetime.datetime(2001, 1, 1))
        self.assertRaises(errors.InjectError, clock.freeze, 'noon')
