"""A user server that takes its socket the way real servers do.

``python -m harness.tests.functional.programs.activated MODE [ARG]``:

* ``systemd``: systemd's socket activation, as ``sd_listen_fds(3)`` reads
  it: ``LISTEN_PID`` must be this process's pid and ``LISTEN_FDS`` 1, the
  socket is descriptor 3; anything else is a fatal error (status 2);
* ``fd N``: the socket is descriptor *N* (``gunicorn --bind fd://N``,
  ``uvicorn --fd N``);
* ``conf PATH``: the socket's descriptor is ``socket_fd = N`` in the conf
  file *PATH*.

It listens, and answers every HTTP request with a JSON report: its pid
and parent's, the ``LISTEN_*`` variables it started with, the descriptor
it used and its port, and a few variables of its environment.  SIGTERM
stops it with status 0.
"""

import json
import os
import signal
import socket
import sys

#: Variables the report includes, as the program found them at start.
SHOWN = ('LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES',
         'HARNESS_TEST_SOCKET_FD', 'MYSVC_DB', 'MYSVC_PORT', 'GLANCE_ERA')


def socket_fd(mode, arg):
    if mode == 'systemd':
        if os.environ.get('LISTEN_PID') != str(os.getpid()):
            sys.exit('fatal: LISTEN_PID=%s, but my pid is %d'
                     % (os.environ.get('LISTEN_PID'), os.getpid()))
        if os.environ.get('LISTEN_FDS') != '1':
            sys.exit('fatal: LISTEN_FDS=%s' % os.environ.get('LISTEN_FDS'))
        return 3
    if mode == 'fd':
        return int(arg)
    with open(arg) as conf:
        for line in conf:
            key, _, value = line.partition('=')
            if key.strip() == 'socket_fd':
                return int(value)
    sys.exit('fatal: no socket_fd in %s' % arg)


def serve(sock, report):
    body = json.dumps(report).encode()
    head = ('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n'
            'Content-Length: %d\r\n\r\n' % len(body)).encode()
    while True:
        conn, _ = sock.accept()
        with conn:
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            conn.sendall(head + body)


def main(argv):
    started = {key: os.environ.get(key) for key in SHOWN}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fd = socket_fd(argv[1], argv[2] if len(argv) > 2 else None)
    sock = socket.socket(fileno=fd)
    sock.listen()
    serve(sock, dict(env=started, pid=os.getpid(), ppid=os.getppid(),
                     fd=fd, port=sock.getsockname()[1]))


if __name__ == '__main__':
    main(sys.argv)
