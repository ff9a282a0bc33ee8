"""``serve()``: run a WSGI application as a service process.

Start-up order: the caller has loaded the application; here the TLS
settings are checked, the socket is adopted or bound and put into
listening state, the harness is told we are ready (with workers: once each
serves), then connections are served until a signal or the lifeline says
stop:

* TERM, INT, LIFELINE: graceful stop (stop accepting, let in-flight
  requests finish for a bounded time), exit status 0;
* HUP: reload by re-executing the same program with the same pid and the
  same listening socket, so no connection is refused meanwhile.

``workers = 0`` serves from this process (an event loop and a thread pool);
``workers >= 1`` pre-forks that many children (:mod:`.workers`).
"""

import logging
import os
import signal
import sys

from harness import contract
from harness.errors import StartupError
from harness.agent import hooks
from harness.service import runtime as runtime_mod
from harness.service.wsgi import connections
from harness.service.wsgi import sockets

LOG = logging.getLogger('harness.wsgi.server')

#: Seconds in-flight requests get to finish on a graceful stop or reload.
STOP_GRACE = 5.0


def serve(app, conf, prog, runtime=None, default_port=None):
    """Serve WSGI *app* until told to stop; return the exit status.

    :param conf: a :class:`harness.service.config.Conf`.
    :param prog: program name for messages, e.g. ``harness-api``.
    :param runtime: the process's :class:`Runtime` (made here if None).
    :param default_port: port bound when ``bind_port`` is unset (9292 for
        the API, 9191 for the registry).
    :returns: 0 after TERM, INT or a broken lifeline.
    :raises StartupError: the socket or the TLS settings are unusable.
    """
    if runtime is None:
        runtime = runtime_mod.Runtime(prog)
    runtime.become_group_leader()
    # The lifeline first: a test that dies during a slow start still takes
    # us down.  Signal handlers only once nothing blocks for long, so a
    # SIGTERM during the bind retries still kills at once.
    runtime.start_lifeline()
    workers = conf.workers or 0
    if workers < 0:
        raise StartupError('workers must be >= 0, not %d' % workers)
    tls_context = sockets.make_tls_context(conf)
    listener = sockets.get_socket(conf, default_port)
    os.umask(0o027)
    runtime.install_signal_handlers()
    state = connections.ServerState(app, conf, listener, tls_context,
                                    multiprocess=workers > 0)
    # Forked workers inherit the registration with their copy of *state*.
    hooks.register_idle(state.wait_idle)
    if workers:
        # Ready once every worker serves: run_parent says so.
        from harness.service.wsgi import workers as workers_mod
        event = workers_mod.run_parent(state, listener, runtime, workers,
                                       STOP_GRACE)
    else:
        runtime.notify_ready()
        event = connections.accept_loop(listener, runtime, state)
        if event != 'HUP':
            listener.close()
        state.stop(STOP_GRACE)
    if event == 'HUP':
        return reexec(listener, conf, prog, runtime)
    listener.close()
    LOG.info('%s stopped (%s)', prog, event)
    return 0


def exec_argv():
    """The command line that starts this program again, or ``None``."""
    main = sys.modules.get('__main__')
    spec = getattr(main, '__spec__', None)
    if spec is not None and spec.name:
        name = spec.name
        if name.endswith('.__main__'):
            name = name[:-len('.__main__')]
        return [sys.executable, '-m', name] + sys.argv[1:]
    path = getattr(main, '__file__', None)
    if path:
        return [sys.executable, os.path.abspath(path)] + sys.argv[1:]
    return None


def reexec(listener, conf, prog, runtime):
    """Replace this process image with a fresh start of the same program.

    The listening socket is handed over through ``HARNESS_TEST_SOCKET_FD``
    (adopting an already listening socket works), and the readiness and
    lifeline pipes stay open, so the new image signals readiness again.
    Only returns (with status 1) when the exec is impossible.
    """
    argv = exec_argv()
    if argv is None:
        LOG.error('Cannot restart %s: unknown way to run it again', prog)
        return 1
    mask = runtime.block_for_exec()
    # A stop requested while the old image wound down wins over the reload.
    if connections.first_stop_event(runtime.drain()) not in (None, 'HUP'):
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        listener.close()
        LOG.info('%s stopped during its restart', prog)
        return 0
    config = (os.path.abspath(conf.config_files[-1]) if conf.config_files
              else '(no config file)')
    sys.stdout.write('Restarting %s with %s\n' % (prog, config))
    sys.stdout.flush()
    listener.set_inheritable(True)
    os.environ[contract.SOCKET_FD] = str(listener.fileno())
    runtime.prepare_exec()
    runtime_mod.flush_logs()
    sys.stderr.flush()
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        LOG.error('Could not restart %s: %s', prog, exc)
    return 1
