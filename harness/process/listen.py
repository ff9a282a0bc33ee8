"""Exec shim of systemd's socket-activation protocol (exec'd launches).

``python -I -S listen.py FD PROGRAM [ARGS...]``: moves descriptor *FD* to
3, sets ``LISTEN_PID`` to this process's pid and execs *PROGRAM*, which
keeps that pid.  It is run by path and imports nothing but ``os`` and
``sys``, so it costs an interpreter start-up without site; see
:mod:`harness.process.activation`.
"""

import os
import sys

#: Exit status of a program that cannot be executed, as a shell's.
CANNOT_EXEC = 127


def main(argv):
    sock_fd, program = int(argv[1]), argv[2:]
    if sock_fd != 3:
        os.dup2(sock_fd, 3)  # inheritable, as the program needs it
        os.close(sock_fd)
    os.environ['LISTEN_PID'] = str(os.getpid())
    try:
        os.execvp(program[0], program)
    except OSError as exc:
        sys.stderr.write('harness: cannot run %s: %s\n'
                         % (program[0], exc.strerror))
    return CANNOT_EXEC


if __name__ == '__main__':
    sys.exit(main(sys.argv))
