"""A child of the fork-server becomes the server an exec would have started.

:func:`run` is called in the freshly forked child of
:mod:`harness.forkserver.server`.  It turns that copy of a warm
interpreter into what ``python -m <module> <args>`` would be, then runs
the module as ``__main__`` (``runpy``, as ``-m`` does) and exits with its
status:

* its own session and process group (``setsid``);
* stdin from the null device, stdout/stderr on the logs it was sent, and
  every other descriptor it was sent at the very number the harness named
  in the environment, inheritable as after an exec; all others closed;
* ``os.environ``, the working directory, ``sys.argv`` and ``sys.path[0]``
  as for the exec'd program (and ``LISTEN_PID``, its own pid, for a
  socket-activated launch: :mod:`harness.process.activation`);
* the signal dispositions and mask an exec from the launching thread
  would give: what it ignores stays ignored, the rest default (and
  Python's own: SIGINT raises KeyboardInterrupt unless ignored, SIGPIPE
  and SIGXFSZ ignored), its mask;
* ``random`` re-seeded; the time zone and temporary directory read
  again from the new environment; fresh ``sys.std*`` objects;
* the process title of the exec'd command line (``setproctitle``), the
  thread name kept (``ps -o comm`` still shows the interpreter);
* its agent (:mod:`harness.agent.boot`) started and its start-up
  patches applied, as :mod:`harness.agent.boot` does for an exec.
"""

import atexit
import fcntl
import functools
import os
import random
import runpy
import signal
import sys
import time
import traceback
import types

# Imported here, so in the fork-server, not once per fork (a C extension:
# about 1 ms each time).
import setproctitle

from harness.agent import boot

#: Signals Python itself ignores at start-up.
_PYTHON_IGNORES = ('SIGPIPE', 'SIGXFSZ')


def run(request, fds, leader_fd, main=None):
    """Become the server of *request* (a
    :class:`harness.forkserver.protocol.Launch`); never return.

    *leader_fd* is closed as soon as the child leads its own session and
    process group: the fork-server waits for that before it tells the pid,
    so a signal the harness sends that group cannot miss the child.
    *main* is the module's ``(spec, code)`` the fork-server read once
    (:func:`harness.forkserver.warm.main_code`), or None.
    """
    status = 1
    try:
        os.setsid()
        os.close(leader_fd)
        install_fds(fds, request.targets)
        reset_signals(request.signals)
        # Before the environment changes: setproctitle finds the memory it
        # may overwrite from the original environ.
        set_title(request.title)
        os.chdir(request.cwd)
        set_environ(request.env)
        if request.listen_pid:  # socket activation: our pid, now known
            os.environ['LISTEN_PID'] = str(os.getpid())
        forget_environment_caches()
        random.seed()
        reopen_stdio()
        boot.start_from_env()
        status = run_module(request.module, request.args,
                            request.cwd, main)
    except BaseException:
        traceback.print_exc()
    finally:
        finish(status)


def install_fds(fds, targets):
    """Put *fds* at the numbers *targets*; close every other descriptor.

    ``targets`` names 1 and 2 for the logs; stdin is the null device.
    """
    floor = max(list(targets) + [2]) + 1
    # First out of the way of every target, so no dup2 clobbers another.
    moved = [_move(fd, floor) for fd in fds]
    null = os.open(os.devnull, os.O_RDONLY)
    if null != 0:
        os.dup2(null, 0)
        os.close(null)
    for fd, target in zip(moved, targets):
        os.dup2(fd, target)  # inheritable, as pass_fds leaves them
    keep = {0, 1, 2} | set(targets)
    for name in os.listdir('/proc/self/fd'):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                continue  # the listing's own descriptor, already closed


def _move(fd, floor):
    """Move *fd* to a number >= *floor* (close-on-exec); return it."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
    os.close(fd)
    return moved


def reset_signals(inherited):
    """Dispositions and mask as an interpreter exec'd by the launcher has
    them.

    :param inherited: ``{'ignored': [...], 'blocked': [...]}`` of the
        launching thread (:func:`harness.forkserver.inherited_signals`).
    """
    signal.pthread_sigmask(signal.SIG_SETMASK, inherited['blocked'])
    for signum, handler in signal_plan(tuple(sorted(inherited['ignored']))):
        signal.signal(signum, handler)


@functools.lru_cache(maxsize=16)
def signal_plan(ignored):
    """The ``(signal, handler)`` changes that :func:`reset_signals` makes
    for the *ignored* signals of a launcher.

    The fork-server never changes its own dispositions, so it works the
    plan out once (per set of *ignored* signals) and every fork inherits
    it: 64 look-ups less per launch.
    """
    ignored = set(ignored)
    plan = []
    for signum in signal.valid_signals():
        if signum in (signal.SIGKILL, signal.SIGSTOP):
            continue
        name = getattr(signum, 'name', '')
        if name in _PYTHON_IGNORES:
            handler = signal.SIG_IGN
        elif signum in ignored:
            handler = signal.SIG_IGN   # an exec keeps SIG_IGN
        elif name == 'SIGINT':
            handler = signal.default_int_handler
        else:
            handler = signal.SIG_DFL
        try:
            if signal.getsignal(signum) != handler:
                plan.append((signum, handler))
        except (OSError, ValueError):
            continue  # reserved by the C library (32, 33)
    return tuple(plan)


def set_environ(env):
    """Make ``os.environ`` (and the C environment) *env*, changing only
    what differs: a launch's environment is mostly the fork-server's, and
    clearing and refilling it costs a ``putenv`` per variable."""
    for key in [key for key in os.environ if key not in env]:
        del os.environ[key]
    for key, value in env.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def forget_environment_caches():
    """Drop what the fork-server derived from its own environment.

    The time zone (``TZ``) and the temporary directory (``TMPDIR``) are
    read once per interpreter; a fork must read them again.
    """
    time.tzset()
    tempfile = sys.modules.get('tempfile')
    if tempfile is not None:
        tempfile.tempdir = None


def reopen_stdio():
    """New ``sys.std*`` objects on fds 0-2, buffered as at start-up."""
    encoding = sys.stdout.encoding
    sys.stdin = sys.__stdin__ = open(0, 'r', closefd=False)
    sys.stdout = sys.__stdout__ = open(1, 'w', encoding=encoding,
                                       closefd=False)
    # Since 3.9 stderr is line-buffered even when it is not a terminal.
    sys.stderr = sys.__stderr__ = open(
        2, 'w', encoding=encoding, errors='backslashreplace',
        buffering=1, closefd=False)


def set_title(title):
    """Show *title* as the command line; keep the thread name (comm)."""
    comm = setproctitle.getthreadtitle()
    setproctitle.setproctitle(title)
    setproctitle.setthreadtitle(comm)


def run_module(module, args, cwd, main=None):
    """Run *module* as ``python -m`` does; return the exit status.

    :param main: its ``(spec, code)``, read once by the fork-server; None:
        ``runpy`` finds and reads it.
    """
    sys.argv = [module] + list(args)  # runpy puts the file in argv[0]
    if sys.path and not getattr(sys.flags, 'safe_path', False):
        sys.path[0] = cwd  # what -m puts first (unless -P)
    forget_main(module)
    try:
        if main is None:
            runpy.run_module(module, run_name='__main__', alter_sys=True)
        else:
            run_code(*main)
    except SystemExit as exc:
        return exit_status(exc.code)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def forget_main(module):
    """Drop from ``sys.modules`` what ``python -m module`` runs as
    ``__main__``, and nothing else.

    For a plain module that is the preloaded copy itself: ``-m`` runs a
    fresh one (and ``runpy`` warns when it finds one imported already).
    For a package ``-m`` imports the package, then runs its
    ``__main__`` submodule: the preloaded package stays, with the
    submodules its import bound as attributes (``uvicorn.logging``); a
    fresh copy of it would lack the ones already in ``sys.modules``.
    """
    loaded = sys.modules.get(module)
    if loaded is not None and hasattr(loaded, '__path__'):
        module += '.__main__'
    sys.modules.pop(module, None)


def run_code(spec, code):
    """Run *code* as the ``__main__`` module of *spec*, as ``-m`` runs
    it: a fresh module in ``sys.modules['__main__']``, ``sys.argv[0]`` its
    file."""
    main = types.ModuleType('__main__')
    main.__dict__.update(__file__=spec.origin, __cached__=spec.cached,
                         __loader__=spec.loader, __package__=spec.parent,
                         __spec__=spec)
    sys.modules['__main__'] = main
    sys.argv[0] = spec.origin
    exec(code, main.__dict__)


def exit_status(code):
    """The status ``sys.exit(code)`` gives an interpreter."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xff
    sys.stderr.write('%s\n' % (code,))
    return 1


def finish(status):
    """End as an interpreter ends: exit handlers, flushed stdio, _exit."""
    try:
        # atexit has no public "run them now"; an interpreter runs them
        # at exit, and os._exit would skip them (logging, coverage).
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    finally:
        os._exit(status)
