"""The event loop: accept, TLS handshakes, request heads, idle clients.

One :class:`Loop` runs in the main thread of each serving process.  A
connection belongs to the loop while it has no complete request head: the
loop reads what arrives without blocking, and only a complete (or surely
bad) head is handed to a pool thread (:func:`.http.serve`).  So idle
keep-alive clients and slow senders of heads hold no thread, and:

* a head must be complete within ``header_timeout`` of its first byte
  (408, then close), whatever its pace;
* a connection idle for ``client_socket_timeout`` is closed;
* at ``max_connections``, a new client evicts the longest-waiting one that
  the loop holds, so a flood of idle connections cannot lock real clients
  out; only when every connection is busy in a thread does the loop stop
  accepting until one ends.
"""

import collections
import logging
import selectors
import socket
import time

from harness.service.wsgi import head as head_mod
from harness.service.wsgi import http

LOG = logging.getLogger('harness.wsgi.server')

_READ_BLOCK = 1 << 16
_TIMEOUT_408 = (b'HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain'
                b'\r\nContent-Length: 44\r\nConnection: close\r\n\r\n'
                b'408 Request Timeout\n\nRequest head too slow.\n')
_HANDSHAKE, _HEAD = 'handshake', 'head'


def _ssl_would_block(exc):
    # ssl.SSLWantReadError / SSLWantWriteError, without importing ssl.
    return type(exc).__name__ in ('SSLWantReadError', 'SSLWantWriteError')


class Loop(object):
    """The loop of one process; :meth:`run`, then :meth:`drain`."""

    def __init__(self, listener, runtime, state):
        self.listener = listener
        self.runtime = runtime
        self.state = state
        self.selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        for sock in (self._wake_r, self._wake_w):
            sock.setblocking(False)
        self.selector.register(self._wake_r, selectors.EVENT_READ, 'wake')
        #: Connections the loop holds, and since when they wait.
        self.waiting = {}
        self._returned = collections.deque()
        self._next_check = 0.0
        self._listening = False
        self._draining = False

    def close(self):
        for conn in list(self.waiting):
            self._drop(conn)
        self.selector.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- called from pool threads ---------------------------------------------

    def give_back(self, conn, keep):
        """A thread is done with *conn*: wait for its next request or close.
        """
        self._returned.append((conn, keep))
        try:
            self._wake_w.send(b'x')
        except BlockingIOError:
            pass  # the loop has wake-ups pending already
        except OSError:
            # The loop is gone (a stop gave up waiting for this thread).
            conn.close()
            self.state.forget(conn)

    # -- the loop -------------------------------------------------------------

    def run(self, on_ready=None):
        """Serve until a runtime event says stop; return that event.
        *on_ready()* is called once the loop listens (a worker's "ready")."""
        self.listener.setblocking(False)
        self.selector.register(self.runtime.wakeup_fd, selectors.EVENT_READ,
                               'runtime')
        try:
            while True:
                self._set_listening(self.state.has_room(len(self.waiting)))
                if on_ready is not None:
                    on_ready()
                    on_ready = None
                for key, mask in self.selector.select(self._timeout()):
                    if key.data == 'runtime':
                        event = self.state.stop_event(self.runtime.drain())
                        if event is not None:
                            return event
                    else:
                        self._dispatch(key, mask)
                self._expire()
        finally:
            self._set_listening(False)
            self.selector.unregister(self.runtime.wakeup_fd)

    def drain(self, deadline):
        """Stop accepting; serve the clients that sent (part of) a first
        request; close idle ones.  Returns at *deadline* at the latest."""
        self._draining = True
        for conn in list(self.waiting):
            if conn.served and not conn.buffer:
                self._drop(conn)
        while (self.waiting or self.state.busy_count()) and (
                time.monotonic() < deadline):
            left = deadline - time.monotonic()
            timeout = self._timeout()
            if timeout is None or timeout > left:
                timeout = left
            for key, mask in self.selector.select(max(timeout, 0.0)):
                self._dispatch(key, mask)
            self._expire()

    def _set_listening(self, wanted):
        if wanted != self._listening:
            if wanted:
                self.selector.register(self.listener, selectors.EVENT_READ,
                                       'listener')
            else:
                self.selector.unregister(self.listener)
            self._listening = wanted

    def _timeout(self):
        if not self.waiting:
            return None
        return max(self._next_check - time.monotonic(), 0.0)

    def _dispatch(self, key, mask):
        if key.data == 'listener':
            self._accept()
        elif key.data == 'wake':
            self._take_back()
        else:
            self._readable(key.data)

    # -- connections ----------------------------------------------------------

    def _accept(self):
        for _ in range(64):
            if not self.state.has_room(len(self.waiting)):
                return
            try:
                sock, address = self.listener.accept()
            except (BlockingIOError, ConnectionAbortedError):
                return
            except OSError as exc:
                if not self.state.out_of_resources(exc):
                    raise
                return
            self._add(sock, address)

    def _add(self, sock, address):
        if self.state.is_full(len(self.waiting)):
            oldest = min(self.waiting, key=lambda c: c.since)
            LOG.info('Closing the connection from %s (idle %.1f s): too '
                     'many connections', oldest.address[0],
                     time.monotonic() - oldest.since)
            self._drop(oldest)
        try:
            sock.setblocking(False)
            http.tcp_nodelay(sock)
            if self.state.tls_context is not None:
                sock = self.state.tls_context.wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False)
        except OSError as exc:
            LOG.debug('Client %s gone before being served: %s', address,
                      exc)
            sock.close()
            return
        conn = http.Connection(sock, address, self.state.tls_context
                               is not None)
        self.state.add(conn)
        self._wait(conn)

    def _wait(self, conn):
        conn.since = time.monotonic()
        conn.head_length = 0
        conn.head_started = conn.since if conn.buffer else None
        self.waiting[conn] = True
        self.selector.register(conn.sock, selectors.EVENT_READ, conn)
        self._next_check = min(self._next_check, self._deadline(conn))
        if conn.buffer:
            self._examine(conn)  # a pipelined request

    def _drop(self, conn):
        if self.waiting.pop(conn, None):
            self.selector.unregister(conn.sock)
        conn.close()
        self.state.forget(conn)

    def _take_back(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self._returned:
            conn, keep = self._returned.popleft()
            if not keep or (self._draining and not conn.buffer):
                conn.close()
                self.state.forget(conn)
                continue
            try:
                conn.sock.setblocking(False)
            except OSError:
                conn.close()
                self.state.forget(conn)
                continue
            self.state.idle(conn)
            self._wait(conn)

    def _readable(self, conn):
        if conn.handshaking and not self._handshake(conn):
            return
        while len(conn.buffer) <= head_mod.MAX_HEAD_BYTES:
            try:
                data = conn.sock.recv(_READ_BLOCK)
            except BlockingIOError:
                break
            except OSError as exc:
                if _ssl_would_block(exc):
                    break
                LOG.debug('Connection from %s failed: %s', conn.address[0],
                          exc)
                self._drop(conn)
                return
            if not data:
                # A complete request sent just before closing the write
                # side is still served (the thread sees the EOF again).
                if not self._examine(conn):
                    LOG.debug('Connection from %s closed', conn.address[0])
                    self._drop(conn)
                return
            conn.buffer += data
        self._examine(conn)

    def _handshake(self, conn):
        """Advance a TLS handshake; True once done."""
        try:
            conn.sock.do_handshake()
        except OSError as exc:
            if not _ssl_would_block(exc):
                LOG.debug('TLS handshake with %s failed: %s',
                          conn.address[0], exc)
                self._drop(conn)
                return False
            events = (selectors.EVENT_WRITE if type(exc).__name__ ==
                      'SSLWantWriteError' else selectors.EVENT_READ)
            self.selector.modify(conn.sock, events, conn)
            return False
        conn.handshaking = False
        self.selector.modify(conn.sock, selectors.EVENT_READ, conn)
        return True

    def _examine(self, conn):
        """Hand a complete (or bad) head to a thread; else keep waiting.

        :returns: whether a thread took the connection.
        """
        if conn.head_started is None:
            head_mod.strip_empty_lines(conn.buffer)
            if not conn.buffer:
                return False
            conn.head_started = time.monotonic()
            self._next_check = min(self._next_check, self._deadline(conn))
        conn.head_length = head_mod.scan(conn.buffer,
                                         self.state.max_header_line)
        if conn.head_length == 0:
            return False
        del self.waiting[conn]
        self.selector.unregister(conn.sock)
        self.state.busy(conn)
        self.state.pool.submit(self._serve, conn)
        return True

    def _serve(self, conn):
        # In a pool thread; the pool calls the result once the thread is
        # free again.
        keep = http.serve(conn, self.state)
        return lambda: self.give_back(conn, keep)

    # -- timeouts -------------------------------------------------------------

    def _deadline(self, conn):
        state = self.state
        if conn.handshaking:
            return conn.since + state.timeout
        if conn.head_started is not None:
            return conn.head_started + state.header_timeout
        return conn.since + state.idle_timeout

    def _expire(self):
        now = time.monotonic()
        if now < self._next_check:
            return
        upcoming = now + 3600.0
        for conn in list(self.waiting):
            deadline = self._deadline(conn)
            if deadline > now:
                upcoming = min(upcoming, deadline)
                continue
            if conn.head_started is not None and not conn.handshaking:
                LOG.info('Request head from %s not complete in %.1f s',
                         conn.address[0], self.state.header_timeout)
                _best_effort_send(conn.sock, _TIMEOUT_408)
            self._drop(conn)
        self._next_check = upcoming


def _best_effort_send(sock, data):
    try:
        sock.send(data)
    except OSError as exc:
        LOG.debug('Could not send the 408: %s', exc)
