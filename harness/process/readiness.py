"""Readiness checks: what tells the harness that a launched program serves.

A server class picks one in its ``readiness`` attribute, in the spirit of
mirakuru's executors:

* :class:`ReadyByte`: the program writes a byte on ``HARNESS_READY_FD``
  (an event, no polling);
* :class:`TcpPort`: a TCP connection to its port succeeds;
* :class:`HttpGet`: ``GET <path>`` on its port answers a chosen status;
* :class:`LogMatch`: a regular expression matches what the program wrote
  to its log file, stdout or stderr since it was launched.

The checks are frozen declarations, safe to share as class attributes;
``check.bind(server)`` gives the probe for one launch.  :func:`wait` runs
the probes and fails fast, with the exit status and the log tail, as soon
as a program dies while it is awaited.
"""

import dataclasses
import re
import select
import socket
import time

from harness import errors
from harness.process import logs

#: How often the polled checks (all but the ready byte) look again.
POLL_INTERVAL = 0.05
#: Seconds one TCP connect or HTTP request of a probe may take.
PROBE_TIMEOUT = 1.0


def connects(port, host='127.0.0.1'):
    """Return True if a TCP connection to *host*:*port* succeeds."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False


def http_status(port, path, host='127.0.0.1'):
    """Status of ``GET path`` on *host*:*port*, or ``None`` if no answer."""
    # Imported here: http.client (with the email package) would be a good
    # part of what importing harness.fixtures costs, for one check of four.
    import http.client
    conn = http.client.HTTPConnection(host, port, timeout=PROBE_TIMEOUT)
    try:
        conn.request('GET', path)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


@dataclasses.dataclass(frozen=True)
class ReadyByte(object):
    """Ready once the program writes a byte on ``HARNESS_READY_FD``."""

    polls = False

    def bind(self, server):
        return self

    def fds(self, proc):
        return proc.wait_fds()

    def ready(self, proc):
        return proc.read_ready()


class _Polled(object):
    """Base of the checks that look again every :data:`POLL_INTERVAL`."""

    polls = True

    def fds(self, proc):
        return proc.exit_fds()  # wake up at once on death


class _OnPort(_Polled):
    """A polled check of a port (default: the server's ``bind_port``)."""

    def bind(self, server):
        return dataclasses.replace(self, port=self.port or server.bind_port)


@dataclasses.dataclass(frozen=True)
class TcpPort(_OnPort):
    """Ready once *port* (default: the server's ``bind_port``) accepts."""

    port: int = None
    host: str = '127.0.0.1'

    def ready(self, proc):
        return bool(self.port) and connects(self.port, self.host)


@dataclasses.dataclass(frozen=True)
class HttpGet(_OnPort):
    """Ready once ``GET path`` answers *status* (other answers: not yet)."""

    path: str = '/'
    status: int = 200
    port: int = None
    host: str = '127.0.0.1'

    def ready(self, proc):
        return (bool(self.port)
                and http_status(self.port, self.path, self.host)
                == self.status)


@dataclasses.dataclass(frozen=True)
class LogMatch(object):
    """Ready once *pattern* matches a line the program wrote.

    :param source: ``'log'`` (the server's ``log_file``), ``'stdout'`` or
        ``'stderr'``.  Only what was written since the launch counts.
    """

    pattern: str
    source: str = 'log'

    def __post_init__(self):
        if self.source not in ('log', 'stdout', 'stderr'):
            raise errors.HarnessError("LogMatch source must be 'log', "
                                      "'stdout' or 'stderr', not %r"
                                      % (self.source,))
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise errors.HarnessError('LogMatch pattern %r: %s'
                                      % (self.pattern, exc)) from None

    def bind(self, server):
        if self.source == 'log':
            path = server.log_file
            if not path:
                raise errors.HarnessError(
                    '%s: LogMatch on the log needs log_file set'
                    % server.server_name)
        else:
            path = server.log_path(self.source)
        return _LogScan(re.compile(self.pattern, re.M), path,
                        server.log_mark(path))


class _LogScan(_Polled):
    """One launch's probe of :class:`LogMatch`."""

    def __init__(self, regex, path, offset):
        self.regex = regex
        self.path = path
        self.offset = offset

    def ready(self, proc):
        text = logs.read_text(self.path, self.offset)
        return self.regex.search(text) is not None


def default_check(server):
    """The check of a server class that declares none: the ready byte if
    it says it writes one (``ready_event``) or has no port, else a TCP
    connect to its port."""
    if server.ready_event or not server.bind_port:
        return ReadyByte()
    return TcpPort()


def wait(procs, timeout, probes=None):
    """Wait until every process in *procs* is ready; fail fast on death.

    :param probes: ``{proc: probe}``; a process not in it waits for its
        ready byte.
    :raises ServerDiedError: as soon as one of them exits.
    :raises ServerTimeoutError: after *timeout* seconds.
    """
    probes = probes or {}
    pending = [(p, probes.get(p) or ReadyByte()) for p in procs]
    deadline = time.monotonic() + timeout
    while pending:
        pending = [(p, c) for p, c in pending if not _is_ready(p, c)]
        if not pending:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc = pending[0][0]
            raise errors.ServerTimeoutError(proc.name, proc.pid, timeout,
                                            proc.log_tail())
        fds = [fd for p, c in pending for fd in c.fds(p)]
        polls = any(c.polls or not p.exit_fds() for p, c in pending)
        select.select(fds, [], [],
                      min(remaining, POLL_INTERVAL) if polls else remaining)


def _is_ready(proc, probe):
    # A polled probe of a dead program could be answered by another
    # process on its port: look at the program first.  The ready byte
    # comes from the program itself, even if it exited since.
    if not probe.polls and probe.ready(proc):
        return True
    status = proc.poll()
    if status is not None:
        raise errors.ServerDiedError(proc.name, proc.pid, status,
                                     proc.log_tail())
    return probe.polls and probe.ready(proc)
