"""Bounds of the WSGI server as a real process: head deadline, idle
timeout, connection limit, threads; and what it refuses to send."""

import os
import select
import signal
import socket

import testtools

from harness.tests import http_corpus
from harness.tests.unit.service import support


def _threads(pid):
    return len(os.listdir('/proc/%d/task' % pid))


def _closed_by_peer(sock, timeout):
    """Whether the server closed *sock* within *timeout* s (waits on it)."""
    if not select.select([sock], [], [], timeout)[0]:
        return False
    try:
        return sock.recv(65536) == b''
    except ConnectionResetError:
        return True


class LimitCase(testtools.TestCase):

    def start(self, **options):
        return support.ServiceProcess(self, options=options).start() \
            .wait_ready()

    def connect(self, service, timeout=support.DEADLINE):
        sock = socket.create_connection(('127.0.0.1', service.port),
                                        timeout=timeout)
        self.addCleanup(sock.close)
        return sock


class TestHeadDeadline(LimitCase):

    def test_a_trickled_head_gets_408_at_the_deadline(self):
        # Each byte comes well within the per-read timeout (30 s); only the
        # deadline for the whole head (1 s from its first byte) ends it.
        service = self.start(client_header_timeout=1,
                             client_socket_timeout=30)
        sock = self.connect(service)
        sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')
        for _ in range(150):
            if select.select([sock], [], [], 0.1)[0]:
                break
            sock.sendall(b'X')
        else:
            self.fail('The server still waits for the head after 15 s')
        reply = b''.join(iter(lambda: sock.recv(65536), b''))
        self.assertTrue(reply.startswith(b'HTTP/1.1 408 '), reply)

    def test_what_cannot_begin_a_request_gets_400_at_once(self):
        # The head deadline (300 s) is far away: only the shape of the
        # bytes can end these.
        service = self.start(client_header_timeout=300)
        for data in (b'hello, world', b'x\r\n', b'GET / HTTP/1.1 x\r\n',
                     b'GET /a b HTTP/1.1\r\n', b'\x16\x03\x01\x02\x00'):
            sock = self.connect(service)
            sock.sendall(data)
            self.assertTrue(select.select([sock], [], [], support.DEADLINE)[0],
                            data)
            reply = b''.join(iter(lambda: sock.recv(65536), b''))
            self.assertTrue(reply.startswith(b'HTTP/1.1 400 '), (data, reply))
        # A request that arrives in pieces is still served.
        sock = self.connect(service)
        for piece in (b'GE', b'T / HT', b'TP/1.', b'1\r', b'\nHost: x\r\n'):
            sock.sendall(piece)
            self.assertFalse(select.select([sock], [], [], 0.05)[0], piece)
        sock.sendall(b'Connection: close\r\n\r\n')
        reply = b''.join(iter(lambda: sock.recv(65536), b''))
        self.assertTrue(reply.endswith(b'\r\n\r\nversions'), reply)

    def test_silence_before_a_head_is_the_idle_timeout(self):
        service = self.start(client_header_timeout=30,
                             client_socket_timeout=1)
        conn = service.connection()
        conn.request('GET', '/')
        self.assertEqual(b'versions', conn.getresponse().read())
        # Kept alive, then closed once idle for 1 s.
        self.assertTrue(_closed_by_peer(conn.sock, support.DEADLINE))


class TestConnectionLimit(LimitCase):

    def test_idle_flood_does_not_lock_out_a_real_client(self):
        service = self.start(max_client_connections=10,
                             client_socket_timeout=300,
                             client_header_timeout=300)
        idle = [self.connect(service) for _ in range(30)]
        for sock in idle[::2]:
            sock.sendall(b'GET / HTTP/1.1\r\n')  # a head never finished
        # A real request is served at once: the idle ones are evicted,
        # oldest first (their timeouts are 300 s away).
        response, body = service.request('GET', '/')
        self.assertEqual((300, b'versions'), (response.status, body))
        evicted = sum(_closed_by_peer(sock, 0) for sock in idle[:20])
        self.assertEqual(20, evicted)
        self.assertIn('too many connections', service.stderr())

    def test_idle_connections_hold_no_thread(self):
        service = self.start()
        self.assertEqual(300, service.request('GET', '/')[0].status)
        before = _threads(service.proc.pid)
        idle = [self.connect(service) for _ in range(50)]
        for sock in idle[::2]:
            sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')
        conn = service.connection()
        for _ in range(3):
            conn.request('GET', '/')
            self.assertEqual(b'versions', conn.getresponse().read())
        self.assertEqual(before, _threads(service.proc.pid))


class TestResponseChecks(LimitCase):

    def test_cr_or_lf_from_the_app_is_a_500_never_sent(self):
        service = self.start()
        for path in ('/bad-header', '/bad-status'):
            status, headers, body, rest = http_corpus.exchange(
                service.port, b'GET %s HTTP/1.1\r\nHost: x\r\n'
                b'Connection: close\r\n\r\n' % path.encode())
            self.assertEqual(500, status, body)
            self.assertNotIn(b'stolen', body + rest)
            self.assertNotIn('set-cookie', headers)
        service.signal(signal.SIGTERM)
        self.assertEqual(0, service.wait_exit())
        log = service.stderr()
        for path in ('/bad-header', '/bad-status'):
            self.assertEqual(1, log.count(
                'ERROR harness.wsgi.server Unhandled error serving GET %s'
                % path), log)

    def test_pipelined_requests_are_answered_in_order(self):
        service = self.start()
        status, headers, body, rest = http_corpus.exchange(
            service.port,
            b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n'
            b'abcPOST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: '
            b'chunked\r\n\r\n2\r\nde\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x'
            b'\r\nConnection: close\r\n\r\n')
        self.assertEqual((200, b'abc'), (status, body))
        self.assertIn(b'\r\n\r\nde', rest)
        self.assertTrue(rest.endswith(b'\r\n\r\nversions'), rest)
        self.assertEqual(3, rest.count(b'HTTP/1.1 ') + 1)
