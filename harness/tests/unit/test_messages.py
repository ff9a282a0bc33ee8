"""Tests for harness.agent.messages and harness.agent.wire: every request
there and back, the frames that are no request, and an agent (served by
its own thread, on a real socket pair) that answers them and serves on."""

import pickle
import socket
import struct
import threading

import fixtures
import testtools

from harness import errors
from harness.agent import messages
from harness.agent import serve
from harness.agent import wire
from harness.process import server as server_mod

LAYER = {'id': 3, 'kind': 'patch', 'target': 'os.getpid', 'delay': None,
         'raises': None, 'returns': pickle.dumps(7)}
SPY = {'id': 4, 'kind': 'spy', 'target': 'os.getpid', 'calls_path': '/x'}
#: One request of each kind, its fields set (not the defaults).
SAMPLES = [
    messages.Init([LAYER, SPY], ('frozen', 1e9)),
    messages.Apply(LAYER),
    messages.Remove(3),
    messages.SetClock(('offset', -60.0)),
    messages.SetClock(None),
    messages.Status(2.5),
    messages.Pause(5),
    messages.Resume(),
    messages.Reach([10, 11], 1.0),
    messages.Ping(),
]


def frame_of(data):
    """*data* framed as :mod:`harness.agent.wire` frames a pickle."""
    return struct.pack('>I', len(data)) + data


class TestRequests(testtools.TestCase):

    def test_every_request_there_and_back(self):
        self.assertEqual(set(messages.REQUESTS.values()),
                         {type(request) for request in SAMPLES})
        for request in SAMPLES:
            frame = request.to_wire()
            self.assertEqual(request.op, frame['op'])
            self.assertEqual(set(request.__slots__) | {'op'}, set(frame))
            again = messages.Request.from_wire(frame)
            self.assertIs(type(request), type(again))
            self.assertEqual(request, again)
            self.assertEqual(request, type(request).from_wire(frame))

    def test_every_request_through_a_socket(self):
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        self.addCleanup(theirs.close)
        for request in SAMPLES:
            messages.send(ours, request)
        self.assertEqual(SAMPLES, [messages.receive(theirs)
                                   for _ in SAMPLES])

    def test_defaults_may_be_left_out(self):
        self.assertEqual(messages.Status(0),
                         messages.Request.from_wire({'op': 'status'}))
        self.assertEqual(messages.Reach([], 0),
                         messages.Request.from_wire({'op': 'reach'}))
        self.assertEqual(messages.Init([], None),
                         messages.Request.from_wire({'op': 'init'}))

    def test_unknown_op(self):
        for frame in ({'op': 'bogus'}, {'op': None}, {'op': ['status']},
                      {'wait': 1}, {}):
            error = self.assertRaises(messages.BadMessage,
                                      messages.Request.from_wire, frame)
            self.assertIn('unknown request op', str(error))

    def test_not_a_dict(self):
        for frame in ('status', ['op', 'status'], None, messages.Ping()):
            error = self.assertRaises(messages.BadMessage,
                                      messages.Request.from_wire, frame)
            self.assertIn('not a request', str(error))

    def test_missing_and_extra_fields(self):
        error = self.assertRaises(messages.BadMessage,
                                  messages.Request.from_wire,
                                  {'op': 'apply'})
        self.assertEqual("'apply' request with missing field(s) layer",
                         str(error))
        error = self.assertRaises(
            messages.BadMessage, messages.Request.from_wire,
            {'op': 'status', 'wait': 1, 'timeout': 2, 3: 4})
        self.assertEqual("'status' request with unknown field(s) 3, timeout",
                         str(error))
        error = self.assertRaises(messages.BadMessage,
                                  messages.Request.from_wire,
                                  {'op': 'clock', 'when': 1})
        self.assertEqual("'clock' request with missing field(s) state; "
                         "unknown field(s) when", str(error))

    def test_bad_field_values(self):
        for frame in ({'op': 'status', 'wait': -1},
                      {'op': 'status', 'wait': '1'},
                      {'op': 'pause', 'timeout': True},
                      {'op': 'remove', 'id': '3'},
                      {'op': 'apply', 'layer': 'os.getpid'},
                      {'op': 'apply', 'layer': dict(LAYER, kind='mock')},
                      {'op': 'apply', 'layer': dict(LAYER, id=None)},
                      {'op': 'clock', 'state': ('stopped', 1.0)},
                      {'op': 'clock', 'state': ('frozen', 'noon')},
                      {'op': 'clock', 'state': 'frozen'},
                      {'op': 'reach', 'expect': ['10']},
                      {'op': 'reach', 'expect': 10},
                      {'op': 'init', 'layers': LAYER}):
            self.assertRaises(messages.BadMessage,
                              messages.Request.from_wire, frame)

    def test_a_class_reads_only_its_own_requests(self):
        error = self.assertRaises(messages.BadMessage,
                                  messages.Init.from_wire,
                                  messages.Status().to_wire())
        self.assertEqual("a 'status' request where 'init' was expected",
                         str(error))

    def test_errors_are_harness_errors(self):
        self.assertTrue(issubclass(messages.BadMessage, wire.BadFrame))
        self.assertTrue(issubclass(wire.BadFrame, errors.HarnessError))

    def test_a_constructor_checks_its_fields_too(self):
        self.assertRaises(messages.BadMessage, messages.Status, -1)
        self.assertRaises(messages.BadMessage, messages.Remove, 1.5)
        self.assertRaises(TypeError, messages.Apply)

    def test_slots(self):
        for request in SAMPLES:
            self.assertRaises(AttributeError, setattr, request, 'extra', 1)

    def test_every_request_has_a_handler(self):
        self.assertEqual(set(messages.REQUESTS.values()),
                         set(serve.Agent.HANDLERS))

    def test_answers_of_several_processes_combine(self):
        mine, child = {'pid': 1, 'boot': 'b', 'busy': 2}, {'busy': 3}
        self.assertEqual({'pid': 1, 'boot': 'b', 'busy': 5},
                         messages.Status().combine(mine, child))
        self.assertFalse(messages.Pause().combine(True, False))
        self.assertTrue(messages.Pause().combine(True, True))
        self.assertIsNone(messages.Remove(1).combine(None, 'theirs'))
        self.assertEqual({'ok': False, 'target': False,
                          'error': 'ValueError: x'},
                         messages.failure(ValueError('x')))

    def test_only_these_reach_every_process(self):
        self.assertEqual({'apply', 'clock', 'reach'},
                         {op for op, kind in messages.REQUESTS.items()
                          if kind.reaching})


class TestBadFrames(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.ours, self.theirs = socket.socketpair()
        self.addCleanup(self.ours.close)
        self.addCleanup(self.theirs.close)

    def test_a_frame_that_cannot_be_unpickled(self):
        # Garbage; a truncated pickle (EOFError inside pickle); a pickle
        # naming a module that does not exist (an import while loading).
        for data in (b'not a pickle', pickle.dumps({'op': 'ping'})[:-3],
                     b'cno_such_module_here\nthing\n.'):
            self.ours.sendall(frame_of(data))
            messages.send(self.ours, messages.Ping())
            error = self.assertRaises(wire.BadFrame, wire.recv, self.theirs)
            self.assertIn('cannot be unpickled', str(error))
            # Read whole: the next frame is read in step.
            self.assertEqual(messages.Ping(), messages.receive(self.theirs))

    def test_a_frame_that_is_no_request(self):
        wire.send(self.ours, {'op': 'bogus'})
        self.assertRaises(messages.BadMessage, messages.receive, self.theirs)

    def test_eof_is_still_channel_closed(self):
        self.ours.close()
        self.assertRaises(wire.ChannelClosed, wire.recv, self.theirs)


class TestAgentServesOn(testtools.TestCase):
    """A served agent answers what is no request, and serves the next."""

    def setUp(self):
        super().setUp()
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        self.sock = ours
        self.agent = serve.Agent(theirs)
        thread = threading.Thread(target=self.agent.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(theirs.close)
        self.addCleanup(ours.shutdown, socket.SHUT_RDWR)

    def assert_serves_on(self):
        messages.send(self.sock, messages.Ping())
        self.assertEqual({'ok': True, 'value': None}, wire.recv(self.sock))

    def test_bad_frame(self):
        self.sock.sendall(frame_of(b'cno_such_module_here\nthing\n.'))
        reply = wire.recv(self.sock)
        self.assertEqual((False, False), (reply['ok'], reply['target']))
        self.assertIn('BadFrame: a frame of', reply['error'])
        self.assert_serves_on()

    def test_unknown_op_and_bad_fields(self):
        for frame, text in (({'op': 'bogus'}, 'unknown request op'),
                            ({'op': 'status', 'wait': 'x'}, 'wait='),
                            ({'op': 'remove'}, 'missing field(s) id')):
            wire.send(self.sock, frame)
            reply = wire.recv(self.sock)
            self.assertEqual((False, False), (reply['ok'], reply['target']))
            self.assertIn('BadMessage: ', reply['error'])
            self.assertIn(text, reply['error'])
        self.assert_serves_on()

    def test_status_by_message(self):
        messages.send(self.sock, messages.Status())
        reply = wire.recv(self.sock)
        self.assertTrue(reply['ok'], reply)
        self.assertEqual(self.agent.boot, reply['value']['boot'])
        self.assertEqual(0, reply['value']['busy'])

    def test_first_frame_must_be_init(self):
        agent = serve.Agent(None)
        reply = agent.handle_init(messages.Status().to_wire())
        self.assertIn("a 'status' request where 'init' was expected",
                      reply['error'])
        reply = agent.handle_init(wire.BadFrame('a frame of 3 bytes'))
        self.assertEqual({'ok': False, 'target': False,
                          'error': 'BadFrame: a frame of 3 bytes'}, reply)
        self.assertEqual({'ok': True, 'value': None},
                         agent.handle_init(messages.Init().to_wire()))
        self.assertRaises(messages.BadMessage, agent.apply_local,
                          {'op': 'ping'})


class TestAsk(testtools.TestCase):

    def test_ask_takes_a_request(self):
        test_dir = self.useFixture(fixtures.TempDir()).path
        server = server_mod.Server(test_dir, 1)
        error = self.assertRaises(errors.InjectError,
                                  server.injector.ask, 'status')
        self.assertIn('takes a harness.agent.messages request', str(error))
        error = self.assertRaises(errors.InjectError, server.injector.ask,
                                  messages.Status())
        self.assertIn('is not running', str(error))
