"""What the connections of one serving process share, and its stop.

One :class:`ServerState` per serving process holds the application, the
limits, the thread pool and the count of live connections;
:func:`accept_loop` runs the process's :class:`~.loop.Loop` until a stop
event, and :meth:`ServerState.stop` then lets the busy connections finish
for a bounded time.
"""

import errno
import logging
import resource
import socket
import threading
import time

from harness.errors import ConfigError
from harness.service import background
from harness.service.wsgi import loop as loop_mod
from harness.service.wsgi import pool as pool_mod
from harness.service.wsgi import request
from harness.service.wsgi import response

LOG = logging.getLogger('harness.wsgi.server')

#: Runtime events that end the accept loop; the first three mean "stop",
#: and win over HUP ("reload") when both are pending.
STOP_EVENTS = ('TERM', 'INT', 'LIFELINE', 'HUP')
#: Default seconds a client may stay silent (idle keep-alive or mid-body).
DEFAULT_CLIENT_TIMEOUT = 60.0
#: Default seconds from the first byte of a request head to its end.
DEFAULT_HEADER_TIMEOUT = 10.0
#: Most connections held by one process (eventlet's pool: 1000); fewer
#: when the descriptor limit is low.
MAX_CONNECTIONS = 1000
#: Most threads serving requests at once in one process.
MAX_THREADS = 64
_OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS,
                     errno.ENOMEM)


def _float_option(conf, name, default):
    # Not Glance 2014.1 options (client_socket_timeout is Juno's name);
    # they let tests use short limits.
    raw = conf.get(name)
    if raw in (None, ''):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError('Invalid float value %r for option %s'
                          % (raw, name)) from None
    return value if value > 0 else default


def _max_connections(conf):
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    limit = MAX_CONNECTIONS
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, max(soft // 2, 8))
    return int(_float_option(conf, 'max_client_connections', limit))


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
        self.timeout = self.idle_timeout = _float_option(
            conf, 'client_socket_timeout', DEFAULT_CLIENT_TIMEOUT)
        self.header_timeout = _float_option(
            conf, 'client_header_timeout', DEFAULT_HEADER_TIMEOUT)
        self.max_connections = _max_connections(conf)
        name, port = listener.getsockname()[:2]
        self.base_environ = request.base_environ(
            name, port, 'https' if tls_context else 'http', multiprocess)
        self.pool = pool_mod.Pool(MAX_THREADS)
        self.loop = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._connections = set()
        self._busy = set()
        self._stopping = False

    def is_stopping(self):
        """Whether a graceful stop began (connections then close)."""
        return self._stopping

    # -- bookkeeping (loop thread and pool threads) -------------------------

    def add(self, conn):
        with self._lock:
            self._connections.add(conn)

    def forget(self, conn):
        with self._changed:
            self._connections.discard(conn)
            self._busy.discard(conn)
            self._changed.notify_all()

    def busy(self, conn):
        with self._lock:
            self._busy.add(conn)

    def idle(self, conn):
        with self._changed:
            self._busy.discard(conn)
            self._changed.notify_all()

    def busy_count(self):
        with self._lock:
            return len(self._busy)

    def wait_idle(self, timeout):
        """Wait up to *timeout* seconds for no request in flight; return
        how many are still busy (the agent's ``status``)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._busy, timeout)
            return len(self._busy)

    def is_full(self, waiting):
        """Whether a new connection must evict one of *waiting* first."""
        return waiting and len(self._connections) >= self.max_connections

    def has_room(self, waiting):
        """Whether to accept now: below the limit, or someone to evict."""
        return len(self._connections) < self.max_connections or waiting > 0

    @staticmethod
    def out_of_resources(exc):
        if exc.errno in _OUT_OF_RESOURCES:
            LOG.error('Cannot accept connections: %s', exc)
            return True
        return False

    @staticmethod
    def stop_event(events):
        return first_stop_event(events)

    # -- stop ---------------------------------------------------------------

    def stop(self, grace):
        """Serve what clients already sent for up to *grace* s; close the
        rest; then end the background jobs (:func:`background.stop`).

        :returns: how many connections were still busy after *grace*.
        """
        deadline = time.monotonic() + grace
        with self._lock:
            self._stopping = True
        if self.loop is not None:
            self.loop.drain(deadline)
        with self._changed:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            late = list(self._busy)
        for conn in late:
            LOG.warning('Closing connection from %s still busy after '
                        '%.1f s', conn.address[0], grace)
            _shutdown(conn.sock, socket.SHUT_RDWR)
        if self.loop is not None:
            self.loop.close()
            self.loop = None
        # What the requests left running in the background ends with
        # them: it would die unmarked with the process (or its re-exec).
        background.stop(deadline)
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


def accept_loop(listener, runtime, state, on_ready=None):
    """Serve connections until a stop event; return that event's name.

    The listening socket is left open: the caller closes it, or keeps it
    for a re-exec.  :meth:`ServerState.stop` must follow.

    :param on_ready: called once the loop listens (see :meth:`.Loop.run`).
    """
    state.loop = loop_mod.Loop(listener, runtime, state)
    return state.loop.run(on_ready)
