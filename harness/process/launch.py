"""Starting and stopping servers: what ``FunctionalTest`` and the fixtures
of :mod:`harness.process.fixture` share.

Every function raises :class:`harness.errors.HarnessError` subclasses;
``FunctionalTest`` turns them into the assertion failures of the seed.
"""

from harness import errors
from harness.process import ports
from harness.process import readiness

#: Seconds a launched server gets to be ready (``wait_for_servers``').
READY_TIMEOUT = 10


def launch_message(servers, expect_launch=True, timeout=READY_TIMEOUT):
    """Wait until *servers* are ready; fail fast when one dies.

    :returns: ``(message, failed)``: *message* is None when the launch
        expectation is met; *failed* tells whether a server died or timed
        out (then its logs explain why).
    """
    procs = [s.process for s in servers if s.process is not None]
    if len(procs) != len(servers):
        return 'Unexpected server launch status: not launched', False
    probes = {s.process: s.ready_check() for s in servers}
    try:
        readiness.wait(procs, timeout, probes=probes)
    except (errors.ServerDiedError, errors.ServerTimeoutError) as exc:
        return ('Unexpected server launch status for: %s' % exc
                if expect_launch else None), True
    return (None if expect_launch else 'Unexpected server launch status'), \
        False


def move_to_fresh_port(server):
    """Give *server* a fresh pre-bound socket (its port was taken)."""
    server.close_socket()
    server.bind_port, server.sock = ports.unused_port_and_socket()


def start_with_retry(server, max_retries=3, expect_launch=True,
                     on_move=None, **kwargs):
    """Start *server*; retry on a fresh pre-bound port only on a clash.

    A clash is a port the harness could not bind, or a program that died
    saying so (:attr:`Server.port_clash`); any other failure is final.
    *on_move(server)* is told of every move to a fresh port.

    :returns: True once started; False if *max_retries* allowed no try.
    :raises LaunchFailedError: with the launch message.
    """
    if max_retries < 1:
        return False  # as the seed's loop: nothing tried, nothing failed
    message = None
    for _ in range(max_retries):
        try:
            server.start(expect_exit=not expect_launch, **kwargs)
        except errors.PortInUseError as exc:
            message = str(exc)
        else:
            message = launch_message([server], expect_launch)[0]
            if not message:
                return True
            clash = server.died_of_port_clash()
            server.stop()
            if not clash:
                break  # another port would fail the same way
        move_to_fresh_port(server)
        if on_move:
            on_move(server)
    raise errors.LaunchFailedError(server.server_name, message)


def stop_all(servers):
    """Stop every one of *servers*, even if stopping another fails.

    :raises HarnessError: naming every server that could not be stopped.
    """
    failures = []
    for server in servers:
        server.terminate()  # all at once, then wait for each
    for server in servers:
        try:
            server.stop()
        except errors.HarnessError as exc:
            failures.append(str(exc))
    if failures:
        raise errors.HarnessError('; '.join(failures))
