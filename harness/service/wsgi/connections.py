"""The accepting side: the accept loop and the set of live connections.

One :class:`ServerState` per serving process tracks its connections so a
graceful stop can close the idle keep-alive ones at once and give the busy
ones a bounded time to finish.  :func:`accept_loop` runs in the main thread
(of the single process or of each pre-forked worker) and returns the
runtime event that ended it.
"""

import errno
import logging
import selectors
import socket
import threading
import time

from harness.errors import ConfigError
from harness.service.wsgi import http
from harness.service.wsgi import request
from harness.service.wsgi import response

LOG = logging.getLogger('harness.wsgi.server')

#: Runtime events that end the accept loop; the first three mean "stop",
#: and win over HUP ("reload") when both are pending.
STOP_EVENTS = ('TERM', 'INT', 'LIFELINE', 'HUP')
#: Default seconds a client may stay silent (idle keep-alive or mid-request).
DEFAULT_CLIENT_TIMEOUT = 60.0
#: Most connections served at once by one process (eventlet's pool: 1000).
MAX_CONNECTIONS = 1000
_ACCEPT_BATCH = 64
_ACCEPT_PAUSE = 0.1
_OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS,
                     errno.ENOMEM)


def _client_timeout(conf):
    # Not a Glance 2014.1 option (Juno's name); lets tests use short ones.
    raw = conf.get('client_socket_timeout')
    if raw in (None, ''):
        return DEFAULT_CLIENT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError('Invalid float value %r for option '
                          'client_socket_timeout' % raw) from None
    return value if value > 0 else DEFAULT_CLIENT_TIMEOUT


def _shutdown(sock, how):
    # The plain socket method also works on an SSLSocket without tearing
    # down its SSL object under the feet of the thread using it.
    try:
        socket.socket.shutdown(sock, how)
    except OSError as exc:
        LOG.debug('shutdown of a client socket failed: %s', exc)


class ServerState(object):
    """What the connections of one serving process share."""

    def __init__(self, app, conf, listener, tls_context=None,
                 multiprocess=False):
        self.app = app
        self.tls_context = tls_context
        self.max_header_line = conf.max_header_line
        self.timeout = self.idle_timeout = _client_timeout(conf)
        name, port = listener.getsockname()[:2]
        self.base_environ = request.base_environ(
            name, port, 'https' if tls_context else 'http', multiprocess)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._connections = set()
        self._stopping = False

    def is_stopping(self):
        """Whether a graceful stop began (connections then close)."""
        return self._stopping

    def has_room(self):
        """Whether another connection may be accepted now."""
        return len(self._connections) < MAX_CONNECTIONS

    def start(self, sock, address):
        """Serve the accepted *sock* in a new daemon thread."""
        try:
            http.tcp_nodelay(sock)
        except OSError as exc:
            LOG.debug('Client %s gone before being served: %s', address, exc)
            sock.close()
            return
        conn = http.Connection(sock, address, self)
        with self._lock:
            self._connections.add(conn)
        thread = threading.Thread(target=conn.run, daemon=True,
                                  name='conn-%s:%s' % address[:2])
        try:
            thread.start()
        except RuntimeError as exc:
            LOG.error('Cannot start a thread for %s: %s', address[0], exc)
            self.forget(conn)
            sock.close()

    def forget(self, conn):
        """Called by a connection's thread when it ends."""
        with self._changed:
            self._connections.discard(conn)
            self._changed.notify_all()

    def replace_socket(self, conn, sock):
        """Record the TLS socket that now wraps *conn*'s socket."""
        with self._lock:
            conn.sock = sock

    def enter_idle(self, conn):
        """Mark *conn* as waiting for its next request; False: close it."""
        with self._lock:
            if self._stopping:
                return False
            conn.idle = True
            return True

    def leave_idle(self, conn):
        """Mark *conn* busy: a request line arrived."""
        with self._lock:
            conn.idle = False

    def stop(self, grace):
        """Close idle connections; wait up to *grace* s for the busy ones.

        Connections that have not sent their first request yet get the
        grace period to send it: their client surely means to.

        :returns: how many connections were still busy after *grace*.
        """
        with self._lock:
            self._stopping = True
            for conn in self._connections:
                if conn.idle:
                    # SHUT_RD wakes the blocked reader with EOF but still
                    # lets a response go out if a request just slipped in.
                    _shutdown(conn.sock, socket.SHUT_RD)
        deadline = time.monotonic() + grace
        with self._changed:
            while self._connections:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            late = list(self._connections)
        for conn in late:
            LOG.warning('Closing connection from %s still busy after '
                        '%.1f s', conn.address[0], grace)
            _shutdown(conn.sock, socket.SHUT_RDWR)
        return len(late)

    @staticmethod
    def log_access(client, request_line, code, length, start):
        """Eventlet-style access log line on ``harness.wsgi.server``."""
        LOG.info('%s - - [%s] "%s" %s %s %.6f', client,
                 response.log_date(), request_line, code, length,
                 time.time() - start)


def first_stop_event(events):
    """The event of *events* that ends an accept loop, or ``None``.

    A stop (TERM, INT, LIFELINE) wins over a reload (HUP).
    """
    for event in events:
        if event in STOP_EVENTS[:3]:
            return event
    return 'HUP' if 'HUP' in events else None


def accept_loop(listener, runtime, state):
    """Accept connections until a stop event; return that event's name.

    The listening socket is left open: the caller closes it, or keeps it
    for a re-exec.
    """
    listener.setblocking(False)
    with selectors.DefaultSelector() as selector:
        selector.register(runtime.wakeup_fd, selectors.EVENT_READ, None)
        listening = False
        pause_until = 0.0
        while True:
            wanted = state.has_room() and time.monotonic() >= pause_until
            if wanted != listening:
                if wanted:
                    selector.register(listener, selectors.EVENT_READ, True)
                else:
                    selector.unregister(listener)
                listening = wanted
            # Without the listener registered, poll briefly for room.
            timeout = None if listening else _ACCEPT_PAUSE
            for key, _ in selector.select(timeout):
                if key.data is None:
                    event = first_stop_event(runtime.drain())
                    if event is not None:
                        return event
                elif not _accept_batch(listener, state):
                    pause_until = time.monotonic() + _ACCEPT_PAUSE


def _accept_batch(listener, state):
    """Accept what is pending; False when out of descriptors/memory."""
    for _ in range(_ACCEPT_BATCH):
        if not state.has_room():
            return True
        try:
            sock, address = listener.accept()
        except BlockingIOError:
            # Another worker took it, or the backlog is empty.
            return True
        except ConnectionAbortedError:
            continue
        except OSError as exc:
            if exc.errno in _OUT_OF_RESOURCES:
                LOG.error('Cannot accept connections: %s', exc)
                return False
            raise
        state.start(sock, address)
    return True
