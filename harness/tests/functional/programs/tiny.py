"""A minimal user server program (``python -m`` this module).

It adopts the harness's socket, listens, writes its ready byte and answers
every connection with a JSON report of the process state it started with:
what an exec gives a program, so the tests can compare a preloaded fork
with an exec.  SIGTERM stops it with status 0.
"""

import json
import os
import signal
import socket
import sys
import tempfile
import time


def status_fields():
    """Signal masks of this process, from ``/proc/self/status``."""
    fields = {}
    with open('/proc/self/status') as handle:
        for line in handle:
            key, _, value = line.partition(':')
            if key in ('SigBlk', 'SigIgn', 'SigCgt'):
                fields[key] = value.strip()
    return fields


def open_fds():
    """This process's descriptors, but the one the listing used."""
    fds = []
    for name in os.listdir('/proc/self/fd'):
        try:
            os.fstat(int(name))
        except OSError:
            continue
        fds.append(int(name))
    return sorted(fds)


def main_fields():
    """How this module runs as ``__main__`` (as ``python -m`` runs it)."""
    main = sys.modules['__main__']
    spec = getattr(main, '__spec__', None)
    return dict(
        is_main=main.__dict__ is globals(), spec=spec and spec.name,
        origin=spec and spec.origin, file=globals().get('__file__'),
        cached=globals().get('__cached__'), package=__package__,
        loader=type(__loader__).__name__)


def report():
    """The state of this process, taken before it opens anything."""
    with open('/proc/self/cmdline', 'rb') as handle:
        cmdline = handle.read()
    return dict(
        status_fields(), fds=open_fds(), main=main_fields(),
        argv=sys.argv, name=__name__, cwd=os.getcwd(), env=dict(os.environ),
        cmdline=cmdline.decode('utf-8', 'replace'),
        inheritable=[os.get_inheritable(fd) for fd in (0, 1, 2)],
        path0=sys.path[0], pgid=os.getpgid(0), sid=os.getsid(0),
        pid=os.getpid(), modules=sorted(sys.modules),
        tempdir=tempfile.gettempdir(), tzname=list(time.tzname))


def main():
    state = report()
    listener = socket.socket(fileno=int(os.environ['HARNESS_TEST_SOCKET_FD']))
    listener.listen()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print('tiny up', flush=True)
    os.write(int(os.environ['HARNESS_READY_FD']), b'1')
    body = json.dumps(state).encode('utf-8')
    while True:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(body)


if __name__ == '__main__':
    main()
