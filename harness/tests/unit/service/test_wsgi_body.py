"""``wsgi.input`` streams and response framing, in process."""

import socket
import sys

import fixtures
import h11
import testtools

from harness.service.wsgi import body
from harness.service.wsgi import chunked
from harness.service.wsgi import response


class _Conn(object):
    """What the inputs need of a connection: a buffer and a real socket."""

    def __init__(self, test, data, buffered=b''):
        self.sock, peer = socket.socketpair()
        test.addCleanup(self.sock.close)
        test.addCleanup(peer.close)
        self.sock.settimeout(5)
        peer.sendall(data)
        peer.shutdown(socket.SHUT_WR)
        self.buffer = bytearray(buffered)


def _protocol(head):
    protocol = h11.Connection(h11.SERVER)
    protocol.receive_data(head)
    event = protocol.next_event()
    assert type(event) is h11.Request, event
    return protocol


def _length_input(test, data, length, hook=None):
    # Part of the body already in the buffer, like after the head.
    conn = _Conn(test, data[3:], data[:3])
    return conn, body.LengthInput(conn, length, hook)


def _chunked_input(test, data):
    conn = _Conn(test, data)
    protocol = _protocol(b'POST / HTTP/1.1\r\nHost: x\r\n'
                         b'Transfer-Encoding: chunked\r\n\r\n')
    return conn, body.ChunkedInput(conn, protocol, chunked.ChunkedCheck())


class TestLengthInput(testtools.TestCase):

    def test_never_reads_past_the_body(self):
        conn, stream = _length_input(self, b'hello worldGET / HTTP/1.1\r\n',
                                     11)
        self.assertEqual(b'hello', stream.read(5))
        self.assertEqual(b' world', stream.read(100))
        self.assertEqual(b'', stream.read())
        self.assertTrue(stream.complete)
        self.assertEqual(b'GET / HTTP/1.1\r\n',
                         bytes(conn.buffer) + conn.sock.recv(100))

    def test_readline_and_iteration(self):
        conn, stream = _length_input(self, b'a\nbb\ncccNEXT', 8)
        self.assertEqual([b'a\n', b'bb\n', b'ccc'], list(stream))

    def test_readline_limit(self):
        conn, stream = _length_input(self, b'abcdef\n', 7)
        self.assertEqual(b'abc', stream.readline(3))
        self.assertEqual(b'def\n', stream.readline())

    def test_readinto_fills_the_buffer(self):
        conn, stream = _length_input(self, b'0123456789xyz', 10)
        buffer = bytearray(8)
        self.assertEqual(8, stream.readinto(buffer))
        self.assertEqual(b'01234567', bytes(buffer))
        self.assertEqual(2, stream.readinto(buffer))
        self.assertEqual(0, stream.readinto(buffer))
        self.assertTrue(stream.complete)

    def test_short_body_is_a_disconnect(self):
        conn, stream = _length_input(self, b'abc', 10)
        error = self.assertRaises(body.ClientDisconnected, stream.read)
        self.assertIsInstance(error, IOError)
        self.assertTrue(stream.broken)

    def test_huge_claimed_length_is_read_in_blocks(self):
        conn, stream = _length_input(self, b'x' * 10, 1 << 40)
        self.assertRaises(body.ClientDisconnected, stream.read)

    def test_continue_hook_runs_once_on_first_read(self):
        calls = []
        conn, stream = _length_input(self, b'abcd', 4,
                                     lambda: calls.append(1))
        self.assertFalse(stream.started)
        stream.read(2)
        stream.read(2)
        self.assertEqual([1], calls)

    def test_discard(self):
        conn, stream = _length_input(self, b'abcdef', 6)
        stream.read(1)
        self.assertTrue(stream.discard())


class TestChunkedInput(testtools.TestCase):

    BODY = (b'5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\n'
            b'Trailer: x\r\n\r\nNEXT')

    def test_read_all(self):
        conn, stream = _chunked_input(self, self.BODY)
        self.assertEqual(b'hello world!', stream.read())
        self.assertTrue(stream.complete)
        self.assertEqual(b'NEXT', bytes(conn.buffer))

    def test_read_sizes_span_chunks(self):
        conn, stream = _chunked_input(self, self.BODY)
        self.assertEqual(b'hel', stream.read(3))
        self.assertEqual(b'lo wor', stream.read(6))
        self.assertEqual(b'ld!', stream.read(10))
        self.assertEqual(b'', stream.read(10))

    def test_readline_spans_chunks(self):
        conn, stream = _chunked_input(
            self, b'3\r\nab\n\r\n4\r\ncd\ne\r\n0\r\n\r\n')
        self.assertEqual([b'ab\n', b'cd\n', b'e'], list(stream))

    def test_invalid_size(self):
        for data in (b'zz\r\nab\r\n0\r\n\r\n', b'0x2\r\nab\r\n0\r\n\r\n',
                     b'2\r\nabXX1\r\n', b'-1\r\n', b'2 \r\nab\r\n',
                     b' 2\r\nab\r\n', b'2\nab\r\n', b'2;a\rb\r\nab\r\n',
                     b'1' * 4000 + b'\r\n', b'2\r\nab\r\n0\r\nX: y\n\r\n'):
            conn, stream = _chunked_input(self, data)
            self.assertRaises(body.InvalidChunkedBody, stream.read)
            self.assertTrue(stream.broken)

    def test_truncated_is_a_disconnect(self):
        for data in (b'', b'5\r\nab', b'5\r\nhello\r\n', b'2\r\nab\r\n0\r\n'):
            conn, stream = _chunked_input(self, data)
            self.assertRaises(body.ClientDisconnected, stream.read)

    def test_discard_reaches_the_end(self):
        conn, stream = _chunked_input(self, self.BODY)
        stream.read(2)
        self.assertTrue(stream.discard())
        self.assertTrue(stream.complete)


class TestResponse(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.new_pair()

    def new_pair(self):
        self.server_side, self.client_side = socket.socketpair()
        self.addCleanup(self.server_side.close)
        self.addCleanup(self.client_side.close)

    def make(self, method='GET', http11=True, stopping=False):
        protocol = _protocol(b'%s / HTTP/1.%d\r\nHost: x\r\n\r\n'
                             % (method.encode(), http11))
        return response.Response(self.server_side, protocol, method,
                                 lambda: stopping)

    def respond(self, result, headers=(), method='GET', http11=True,
                status='200 OK'):
        self.new_pair()
        resp = self.make(method, http11)
        resp.start_response(status, list(headers))
        resp.send_result(result)
        self.server_side.shutdown(socket.SHUT_WR)
        data = b''.join(iter(lambda: self.client_side.recv(65536), b''))
        head, _, payload = data.partition(b'\r\n\r\n')
        return resp, head.decode('latin-1').split('\r\n'), payload

    def test_single_element_list_gets_a_length(self):
        resp, head, payload = self.respond([b'abc'])
        self.assertIn('Content-Length: 3', head)
        self.assertEqual(b'abc', payload)
        self.assertTrue(resp.keep_alive)

    def test_stream_is_chunked_large_and_small(self):
        big = b'x' * 100000
        resp, head, payload = self.respond(iter([b'ab', big, b'', b'c']))
        self.assertIn('Transfer-Encoding: chunked', head)
        self.assertEqual(b'2\r\nab\r\n186a0\r\n' + big + b'\r\n1\r\nc\r\n'
                         b'0\r\n\r\n', payload)
        self.assertEqual(100003, resp.body_bytes)

    def test_http10_stream_closes(self):
        resp, head, payload = self.respond(iter([b'a', b'b']), http11=False)
        self.assertFalse(resp.keep_alive)
        self.assertEqual(b'ab', payload)

    def test_excess_body_is_clipped(self):
        resp, head, payload = self.respond(
            iter([b'abc', b'x' * 20000]), [('Content-Length', '5')])
        self.assertEqual(b'abcxx', payload)
        self.assertFalse(resp.keep_alive)

    def test_short_body_closes(self):
        resp, head, payload = self.respond(iter([b'abc']),
                                           [('Content-Length', '5')])
        self.assertFalse(resp.keep_alive)

    def test_head_and_304_have_no_body(self):
        for method, status in (('HEAD', '200 OK'), ('GET', '304 Not '
                                                           'Modified')):
            resp, head, payload = self.respond(
                [b'abc'], [('Content-Length', '3')], method=method,
                status=status)
            self.assertEqual(b'', payload)
            self.assertNotIn('Transfer-Encoding: chunked', head)

    def test_empty_result_has_zero_length(self):
        resp, head, payload = self.respond([])
        self.assertIn('Content-Length: 0', head)

    def test_file_wrapper_sends_from_the_descriptor(self):
        path = self.useFixture(fixtures.TempDir()).join('f')
        with open(path, 'wb') as handle:
            handle.write(b'0123456789' * 1000)
        handle = open(path, 'rb')
        handle.seek(5)
        resp, head, payload = self.respond(
            response.FileWrapper(handle), [('Content-Length', '9995')])
        self.assertEqual((b'0123456789' * 1000)[5:], payload)
        handle.close()

    def test_file_shorter_than_announced_closes(self):
        path = self.useFixture(fixtures.TempDir()).join('f')
        with open(path, 'wb') as handle:
            handle.write(b'0123456789')
        with open(path, 'rb') as handle:
            resp, head, payload = self.respond(
                response.FileWrapper(handle), [('Content-Length', '15')])
        self.assertEqual(b'0123456789', payload)
        self.assertFalse(resp.keep_alive)

    def test_invalid_headers_are_rejected(self):
        resp = self.make()
        self.assertRaises(ValueError, resp.start_response, '200 OK',
                          [('X-Evil', 'a\r\nSet-Cookie: x')])
        self.assertRaises(ValueError, resp.start_response, 'OK', [])
        self.assertRaises(TypeError, resp.start_response, '200 OK',
                          [('X-Bytes', b'x')])

    def test_exc_info_after_headers_reraises(self):
        resp = self.make()
        resp.start_response('200 OK', [])
        resp.write(b'partial')
        try:
            raise KeyError('boom')
        except KeyError:
            info = sys.exc_info()
        self.assertRaises(KeyError, resp.start_response, '500 Oops', [],
                          info)

    def test_stopping_server_closes_after_response(self):
        resp = self.make(stopping=True)
        resp.start_response('200 OK', [])
        resp.send_result([b'x'])
        self.assertFalse(resp.keep_alive)
        self.assertIn(b'Connection: close', self.client_side.recv(4096))


class TestDates(testtools.TestCase):

    def test_formats(self):
        stamp = 1397730225  # 2014-04-17 10:23:45 UTC, a Thursday
        self.assertEqual('Thu, 17 Apr 2014 10:23:45 GMT',
                         response.http_date(stamp))
        self.assertEqual('17/Apr/2014 10:23:45', response.log_date(stamp))
