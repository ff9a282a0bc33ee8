"""The WSGI server as a real process: sockets, HTTP, signals, reload."""

import errno
import json
import os
import re
import signal
import socket

import fixtures
import testtools

from harness import contract
from harness.errors import StartupError
from harness.service.wsgi import sockets
from harness.tests.unit.service import support


class ServerCase(testtools.TestCase):

    def start(self, **kwargs):
        return support.ServiceProcess(self, **kwargs).start().wait_ready()


class TestSocketHandOff(ServerCase):

    def test_adopts_prebound_socket_and_serves(self):
        service = self.start()
        response, body = service.request('GET', '/')
        self.assertEqual((300, b'versions'), (response.status, body))
        response, body = service.request('GET', '/env')
        # Removed from the environment once adopted.
        self.assertIsNone(json.loads(body)['socket_fd_env'])

    def test_binds_itself_without_socket_env(self):
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        service = self.start(adopt=False, options={'bind_port': port})
        response, body = service.request('GET', '/')
        self.assertEqual(300, response.status)

    def test_port_in_use_gives_startup_error(self):
        holder = socket.socket()
        self.addCleanup(holder.close)
        holder.bind(('127.0.0.1', 0))
        holder.listen()
        port = holder.getsockname()[1]
        error = self.assertRaises(StartupError, sockets.bind_socket,
                                  '127.0.0.1', port, 0.25)
        self.assertEqual('Could not bind to 127.0.0.1:%d after trying for '
                         '0 seconds' % port, str(error))

    def test_other_bind_error_fails_at_once(self):
        # TEST-NET-1 is never a local address: EADDRNOTAVAIL, no retry.
        error = self.assertRaises(StartupError, sockets.bind_socket,
                                  '192.0.2.1', 0, 30)
        self.assertIn('Could not bind to 192.0.2.1:0', str(error))

    def test_adopting_a_bad_descriptor_fails(self):
        self.useFixture(fixtures.EnvironmentVariable(
            contract.SOCKET_FD, '9999'))
        error = self.assertRaises(StartupError, sockets.get_socket,
                                  _Conf(), 1)
        self.assertIn('HARNESS_TEST_SOCKET_FD', str(error))


class _Conf(object):
    bind_host, bind_port, backlog, tcp_keepidle = '127.0.0.1', 0, 5, 600


class TestHTTP(ServerCase):

    def setUp(self):
        super().setUp()
        self.service = self.start(options={'client_socket_timeout': 2})

    def test_keep_alive_serves_two_requests_on_one_connection(self):
        conn = self.service.connection()
        ports = []
        for _ in range(2):
            conn.request('GET', '/env')
            ports.append(json.loads(conn.getresponse().read())[
                'REMOTE_PORT'])
        self.assertEqual(ports[0], ports[1])
        self.assertEqual(str(conn.sock.getsockname()[1]), ports[0])

    def test_chunked_upload_is_echoed_byte_exact(self):
        data = os.urandom(300000) + b'\r\n0\r\n\r\n' + os.urandom(77)
        sizes = [1, 2, 65536, 100000, 7]
        chunks, pos = [], 0
        for size in sizes:
            chunks.append(data[pos:pos + size])
            pos += size
        chunks.append(data[pos:])
        conn = self.service.connection()
        conn.request('POST', '/echo', body=iter(chunks),
                     encode_chunked=True)
        response = conn.getresponse()
        self.assertEqual(200, response.status)
        self.assertEqual(data, response.read())

    def test_chunk_extensions_and_trailers(self):
        reply = support.raw_exchange(self.service.port, (
            b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked'
            b'\r\nConnection: close\r\n\r\n5;name=value\r\nhello\r\n'
            b'1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n'))
        self.assertTrue(reply.startswith(b'HTTP/1.1 200 OK\r\n'), reply)
        self.assertTrue(reply.endswith(b'\r\n\r\nhello!'), reply)

    def test_readline_iterates_a_chunked_body(self):
        conn = self.service.connection()
        conn.request('POST', '/echo-lines', body=iter([b'a\nb', b'b\nccc']),
                     encode_chunked=True)
        self.assertEqual(['a\n', 'bb\n', 'ccc'],
                         json.loads(conn.getresponse().read()))

    def test_invalid_chunk_size_is_400(self):
        reply = support.raw_exchange(self.service.port, (
            b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked'
            b'\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'))
        self.assertTrue(reply.startswith(b'HTTP/1.1 400 '), reply)

    def test_streaming_response_without_length_is_chunked(self):
        response, body = self.service.request('GET',
                                              '/stream?chunks=4&size=3')
        self.assertEqual('chunked', response.getheader('Transfer-Encoding'))
        self.assertIsNone(response.getheader('Content-Length'))
        self.assertEqual(b'000111222333', body)
        reply = support.raw_exchange(self.service.port, (
            b'GET /stream?chunks=2&size=3 HTTP/1.1\r\nHost: x\r\n'
            b'Connection: close\r\n\r\n'))
        self.assertTrue(reply.endswith(
            b'\r\n\r\n3\r\n000\r\n3\r\n111\r\n0\r\n\r\n'), reply)

    def test_http10_stream_is_delimited_by_close(self):
        reply = support.raw_exchange(self.service.port, (
            b'GET /stream?chunks=2&size=2 HTTP/1.0\r\n\r\n'))
        head, _, body = reply.partition(b'\r\n\r\n')
        self.assertNotIn(b'chunked', head)
        self.assertEqual(b'0011', body)

    def test_head_has_no_body_and_keeps_the_connection(self):
        conn = self.service.connection()
        conn.request('HEAD', '/')
        response = conn.getresponse()
        self.assertEqual('8', response.getheader('Content-Length'))
        self.assertEqual(b'', response.read())
        conn.request('GET', '/')
        self.assertEqual(b'versions', conn.getresponse().read())

    def test_oversized_header_is_400_and_server_keeps_serving(self):
        reply = support.raw_exchange(self.service.port, (
            b'GET / HTTP/1.1\r\nX-Big: ' + b'a' * 20000 + b'\r\n\r\n'))
        self.assertTrue(reply.startswith(b'HTTP/1.1 400 '), reply[:100])
        self.assertIn(b'Line is too long', reply)
        response, body = self.service.request(
            'GET', '/env', headers={'X-Foo': 'b' * 16000})
        self.assertEqual(200, response.status)
        self.assertEqual('b' * 16000, json.loads(body)['HTTP_X_FOO'])

    def test_malformed_requests_are_4xx(self):
        cases = [
            (b'GARBAGE\r\n\r\n', b'400'),
            (b'GET /\r\n\r\n', b'400'),
            (b'GET / HTTP/2.0\r\n\r\n', b'505'),
            (b'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', b'400'),
            (b'GET / HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n', b'400'),
            (b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n',
             b'400'),
            (b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n'
             b'\r\n', b'501'),
        ]
        for request, status in cases:
            reply = support.raw_exchange(self.service.port, request)
            self.assertTrue(reply.startswith(b'HTTP/1.1 ' + status),
                            (request, reply))
        self.assertEqual(300, self.service.request('GET', '/')[0].status)

    def test_client_disconnect_mid_body_is_seen_by_the_app(self):
        for request in (
                b'POST /report-upload HTTP/1.1\r\nHost: x\r\nContent-Length: '
                b'100000\r\n\r\n' + b'x' * 10,
                b'POST /report-upload HTTP/1.1\r\nHost: x\r\n'
                b'Transfer-Encoding: chunked\r\n\r\n100\r\nabc'):
            with socket.create_connection(('127.0.0.1', self.service.port),
                                          timeout=support.DEADLINE) as sock:
                sock.sendall(request)
            self.assertEqual(
                'disconnected ClientDisconnected True\n',
                support.read_line(self.service.report_r))

    def test_complete_upload_is_not_a_disconnect(self):
        response, body = self.service.request('POST', '/report-upload',
                                              body=b'y' * 5000)
        self.assertEqual(b'complete 5000', body)

    def test_app_error_is_a_generic_500(self):
        response, body = self.service.request('GET', '/error')
        self.assertEqual(500, response.status)
        for secret in (b'secret', b'RuntimeError', b'Traceback'):
            self.assertNotIn(secret, body)
        self.assertEqual(0, _stop(self.service))
        log = self.service.stderr()
        self.assertIn('ERROR harness.wsgi.server Unhandled error serving '
                      'GET /error', log)
        self.assertIn('RuntimeError: secret detail', log)

    def test_environ_keys(self):
        response, body = self.service.request(
            'GET', '/e%6Ev?a=%20b&c', headers={'X-Foo': 'bar'})
        env = json.loads(body)
        self.assertEqual({
            'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': '/env',
            'QUERY_STRING': 'a=%20b&c', 'SERVER_NAME': '127.0.0.1',
            'SERVER_PORT': str(self.service.port),
            'SERVER_PROTOCOL': 'HTTP/1.1', 'REMOTE_ADDR': '127.0.0.1',
            'HTTP_X_FOO': 'bar', 'wsgi.url_scheme': 'http',
            'wsgi.multithread': True, 'wsgi.multiprocess': False,
            'wsgi.run_once': False, 'wsgi.input_terminated': False,
        }, {key: env[key] for key in (
            'REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING',
            'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'REMOTE_ADDR',
            'HTTP_X_FOO', 'wsgi.url_scheme', 'wsgi.multithread',
            'wsgi.multiprocess', 'wsgi.run_once', 'wsgi.input_terminated')})

    def test_expect_100_continue(self):
        with socket.create_connection(('127.0.0.1', self.service.port),
                                      timeout=support.DEADLINE) as sock:
            sock.sendall(b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                         b'Content-Length: 4\r\nExpect: 100-continue\r\n'
                         b'Connection: close\r\n\r\n')
            self.assertEqual(b'HTTP/1.1 100 Continue\r\n\r\n',
                             sock.recv(25))
            sock.sendall(b'ping')
            reply = b''.join(iter(lambda: sock.recv(65536), b''))
        self.assertTrue(reply.endswith(b'\r\n\r\nping'), reply)

    def test_idle_connection_times_out(self):
        with socket.create_connection(('127.0.0.1', self.service.port),
                                      timeout=support.DEADLINE) as sock:
            # The server closes it after client_socket_timeout (2 s).
            self.assertEqual(b'', sock.recv(10))

    def test_access_log_line(self):
        self.service.request('GET', '/')
        self.assertEqual(0, _stop(self.service))
        self.assertRegex(
            self.service.stderr(),
            r'INFO harness\.wsgi\.server 127\.0\.0\.1 - - '
            r'\[\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d\] '
            r'"GET / HTTP/1\.1" 300 8 \d+\.\d{6}\n')


def _stop(service, signum=signal.SIGTERM):
    service.signal(signum)
    return service.wait_exit()


def _refused(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=5).close()
    except OSError as exc:
        return exc.errno == errno.ECONNREFUSED
    return False


class TestStopAndReload(ServerCase):

    def test_sigterm_lets_the_in_flight_request_finish(self):
        service = self.start()
        conn = service.connection()
        conn.request('GET', '/hold')
        response = conn.getresponse()
        self.assertEqual(b'first;', response.read(6))
        service.signal(signal.SIGTERM)
        support.wait_until(lambda: _refused(service.port),
                           message='the listener to close')
        os.write(service.release_w, b'x')
        self.assertEqual(b'last', response.read())
        self.assertEqual(0, service.wait_exit())
        self.assertIn('"GET /hold HTTP/1.1" 200 10 ', service.stderr())

    def test_sigint_stops_with_status_0(self):
        self.assertEqual(0, _stop(self.start(), signal.SIGINT))

    def test_closed_lifeline_stops_the_service(self):
        service = self.start()
        service._close_fd(service.lifeline_w)
        self.assertEqual(0, service.wait_exit())
        self.assertIn('Lifeline closed', service.stderr())

    def test_sighup_reexecs_in_place(self):
        service = self.start()
        pid = service.proc.pid
        self.assertEqual(str(pid).encode(),
                         service.request('GET', '/pid')[1])
        service.signal(signal.SIGHUP)
        # Connecting meanwhile is never refused: the socket stays open.
        self.assertEqual(300, service.request('GET', '/')[0].status)
        service.wait_ready()
        self.assertIn('Restarting harness-test with %s\n'
                      % os.path.abspath(service.conf_file), service.stdout())
        self.assertIsNone(service.proc.poll())
        self.assertEqual(str(pid).encode(),
                         service.request('GET', '/pid')[1])
        # The new image still watches the lifeline.
        service._close_fd(service.lifeline_w)
        self.assertEqual(0, service.wait_exit())
        self.assertEqual(1, len(re.findall('Restarting', service.stdout())))

    def test_sigterm_right_after_sighup_still_exits_0(self):
        service = self.start()
        service.signal(signal.SIGHUP)
        service.signal(signal.SIGTERM)
        self.assertEqual(0, service.wait_exit())

    def test_sighup_during_restart_does_not_kill(self):
        service = self.start()
        service.signal(signal.SIGHUP)
        # Printed just before execv: the next signal lands while the new
        # image starts, before its handlers exist.  It must wait for them
        # (blocked across exec) instead of killing the process.
        support.wait_until(lambda: 'Restarting' in service.stdout(),
                           message='the restart message')
        service.signal(signal.SIGHUP)
        service.wait_ready()
        self.assertEqual(300, service.request('GET', '/')[0].status)
        self.assertIsNone(service.proc.poll())
        self.assertEqual(0, _stop(service))
