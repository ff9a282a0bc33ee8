"""Who a worker is on a shared database server, and proof that it lives.

Several hosts (CI machines, containers, PID namespaces) may point their
test processes at one MySQL/MariaDB or PostgreSQL server, so neither a pid
nor a local liveness check can tell whose database is whose:

* the **token** names this process among all of them: random, drawn once
  per process (a forked child draws its own);
* the **lease** proves that the owner of a name still lives: a lock that
  the owner takes on a connection it keeps open for its whole life, and
  that the server itself releases when that session ends, however the
  process died (``pg_try_advisory_lock`` on PostgreSQL, ``GET_LOCK`` on
  MariaDB/MySQL).  Whoever can take a name's lock knows its owner is gone.

Fork safety: the lease connection lives in the test process only.  The
harness's own children (janitor, fork-server, servers) are exec'd with
their descriptors closed, so they never see it; a plain ``os.fork()`` of
the test process (a test, a plugin) would inherit the socket and, on
closing its copy of the connection, tell the server to end the *parent's*
session.  So the child's copy is pointed at ``/dev/null`` right after
the fork: whatever the child does with it reaches no server.
"""

import hashlib
import os
import secrets

from harness.process import forks

#: Hex digits of the token: 40 bits, no clash among any plausible number
#: of workers sharing a server.
TOKEN_DIGITS = 10

_token = forks.PerProcess()  # this process's token
_leases = []    # the Lease objects this process holds


def token():
    """This process's token: drawn once, drawn again in a forked child."""
    return _token.get() or _token.set(secrets.token_hex(TOKEN_DIGITS // 2))


def _pg_key(name):
    # Advisory locks are keyed by a bigint: the name's hash, signed.
    digest = hashlib.sha256(name.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


def try_lock(conn, name):
    """Take the lock of *name* on SQLAlchemy connection *conn* if free.

    :returns: True if this session now holds it.
    """
    from sqlalchemy import text
    if conn.dialect.name == 'postgresql':
        row = conn.execute(text('SELECT pg_try_advisory_lock(:k)'),
                           {'k': _pg_key(name)})
    else:
        row = conn.execute(text('SELECT GET_LOCK(:n, 0)'), {'n': name})
    return bool(row.scalar())


def unlock(conn, name):
    """Release a lock that *conn*'s session took with :func:`try_lock`."""
    from sqlalchemy import text
    if conn.dialect.name == 'postgresql':
        conn.execute(text('SELECT pg_advisory_unlock(:k)'),
                     {'k': _pg_key(name)})
    else:
        conn.execute(text('SELECT RELEASE_LOCK(:n)'), {'n': name})


class Lease(object):
    """Locks held on one connection kept open for the process's life.

    :param engine: an AUTOCOMMIT SQLAlchemy engine on the shared server;
        the lease owns it.
    """

    def __init__(self, engine):
        self.engine = engine
        self.owner = os.getpid()
        self.conn = engine.connect()
        self.names = set()
        _protect_from_fork(self.conn)
        _leases.append(self)

    def hold(self, name):
        """Take the lock of *name* for good.

        :returns: False if another live session holds it.
        """
        if name in self.names:
            return True
        if not try_lock(self.conn, name):
            return False
        self.names.add(name)
        return True

    def close(self):
        """End the session: the server releases every lock at once."""
        if self in _leases:
            _leases.remove(self)
        if forks.mine(self):
            self.conn.close()
        self.engine.dispose()
        self.names.clear()


def _socket_fd(dbapi_conn):
    """The descriptor of a psycopg2 or PyMySQL connection's socket."""
    fileno = getattr(dbapi_conn, 'fileno', None)
    if fileno is not None:
        return fileno()  # psycopg2
    return dbapi_conn._sock.fileno()  # PyMySQL keeps its socket there


def _protect_from_fork(conn):
    fd = _socket_fd(conn.connection.dbapi_connection)
    os.set_inheritable(fd, False)  # exec'd children never get it
    conn.info['harness_lease_fd'] = fd


def _blind_in_child():
    """After ``os.fork()``: point the child's copies of the lease sockets
    at /dev/null and forget the leases (they are the parent's)."""
    leases = list(_leases)
    _leases.clear()
    if not leases:
        return
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    try:
        for lease in leases:
            os.dup2(null, lease.conn.info['harness_lease_fd'],
                    inheritable=False)
    finally:
        os.close(null)


os.register_at_fork(after_in_child=_blind_in_child)
