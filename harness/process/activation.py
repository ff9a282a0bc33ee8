"""systemd's socket-activation protocol, as a launch speaks it.

A server class with ``socket_activation = True`` gets the pre-bound socket
the way systemd hands a socket to a service it activates
(``sd_listen_fds(3)``): as descriptor 3, with ``LISTEN_FDS=1``,
``LISTEN_PID=<its own pid>`` and ``LISTEN_FDNAMES=<server_name>``; gunicorn
and many other servers take it so natively, without ``--bind``.  Unlike
systemd, the socket is bound but not yet listening, as every socket the
harness hands over: the program's ``listen()`` is what makes its port
answer, so a ``TcpPort`` readiness check stays meaningful.

``LISTEN_PID`` can only be set once the program's pid exists, between
the fork and the program's start:

* a preloaded launch sets it in the fork-server's child, right after the
  fork (:mod:`harness.forkserver.child`), which also puts the socket at 3;
* an exec'd launch runs the program through :mod:`harness.process.listen`,
  a few lines of Python run by path with ``-I -S`` (no site, no harness
  import): it moves the socket to 3, sets ``LISTEN_PID`` to its own pid
  and execs the program, which keeps that pid.  ``subprocess``'s
  ``preexec_fn`` would be the other hook, and it is not safe in a process
  with threads; ``posix_spawn`` can move the descriptor but cannot know
  the pid.

Every other descriptor the program gets is kept off 3 (:func:`off_fd3`);
a program launched without activation gets none of the ``LISTEN_*``
variables, even if the test process has them.
"""

import errno
import fcntl
import os
import shutil
import sys

#: Where the protocol puts the first socket (``SD_LISTEN_FDS_START``).
FD = 3
#: The protocol's variables.
VARIABLES = ('LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES')
#: The exec shim, run by path.
SHIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'listen.py')


def environ(env, name):
    """Set the protocol's variables in *env* for a program named *name*
    (``None``: no activation, none of them); ``LISTEN_PID`` is the
    child's to set."""
    for key in VARIABLES:
        env.pop(key, None)
    if name is not None:
        env['LISTEN_FDS'] = '1'
        env['LISTEN_FDNAMES'] = name


def off_fd3(fd):
    """*fd*, or a duplicate of it numbered above 3 (the original closed)
    if it is 3: descriptor 3 is the socket's in the program."""
    if fd != FD:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, FD + 1)
    os.close(fd)
    return moved


def shim_argv(argv, sock_fd, env):
    """*argv* run through the exec shim that moves *sock_fd* to 3 and
    sets ``LISTEN_PID``.

    :raises FileNotFoundError: as an exec of ``argv[0]`` would (the shim
        could only say so in its log): no such program on *env*'s PATH.
    """
    if shutil.which(argv[0], path=env.get('PATH', os.defpath)) is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT),
                                argv[0])
    return [sys.executable, '-I', '-S', SHIM, str(sock_fd)] + list(argv)
