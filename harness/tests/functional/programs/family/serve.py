"""The shapes of the family server's process tree (``MODE`` argument).

* ``alone``: this process serves;
* ``spawn N``: N workers started with ``multiprocessing``'s spawn method
  serve (a fresh interpreter each, as ``uvicorn --workers N``);
  ``spawn-early N`` likewise, but ready before it starts them;
* ``subprocess``: a child started by ``subprocess`` with this interpreter
  serves (as Django's ``runserver`` autoreloader); a ``cat`` runs beside
  it, a program that is not Python;
* ``fork-each``: a forked worker serves one connection and leaves with
  ``os._exit``; the next one is forked then (gunicorn's ``max_requests``
  at its most eager);
* ``other PYTHON [FLAG...]``: this process serves, beside an idle Python
  child run as ``PYTHON FLAG... -c ...`` (another interpreter, or one
  told to skip ``site``), which cannot be reached.

Every connection gets one JSON line: the pid that served it and
:func:`harness.tests.functional.programs.family.work.answer` of the
connection's number, or the exception it raised.  The program writes its
ready byte once every server process accepts; SIGTERM stops it.
"""

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys

from harness.tests.functional.programs.family import work

#: A child's command that idles until its parent is gone.
IDLE = 'import sys; sys.stdin.read()'


def respond(conn, number):
    with conn:
        try:
            body = {'pid': os.getpid(), 'answer': work.answer(number)}
        except Exception as exc:
            body = {'pid': os.getpid(), 'error': repr(exc)}
        conn.sendall(json.dumps(body).encode('utf-8') + b'\n')


def serve_forever(listener, first=0):
    number = first
    while True:
        conn, _ = listener.accept()
        respond(conn, number)
        number += 1


def spawned_worker(listener, started):
    started.put(os.getpid())
    serve_forever(listener)


def ready():
    os.write(int(os.environ['HARNESS_READY_FD']), b'1')


def spawn(listener, count, early=False):
    if early:
        ready()
    context = multiprocessing.get_context('spawn')
    started = context.SimpleQueue()
    workers = [context.Process(target=spawned_worker, daemon=True,
                               args=(listener, started))
               for _ in range(count)]
    for worker in workers:
        worker.start()
    for _ in workers:
        started.get()
    if not early:
        ready()
    for worker in workers:
        worker.join()


def child(listener):
    fd = listener.fileno()
    cat = subprocess.Popen(['cat'], stdin=subprocess.PIPE)
    served = subprocess.Popen(
        [sys.executable, '-m', __name__, 'child', str(fd)],
        pass_fds=[fd], stdout=subprocess.PIPE)
    served.stdout.readline()  # it accepts
    ready()
    served.wait()
    cat.kill()
    cat.wait()


def fork_each(listener):
    ready()
    number = 0
    while True:
        conn, _ = listener.accept()
        pid = os.fork()
        if pid == 0:
            respond(conn, number)
            os._exit(0)
        conn.close()
        os.waitpid(pid, 0)
        number += 1


def other(listener, argv):
    idle = subprocess.Popen(argv + ['-c', IDLE], stdin=subprocess.PIPE)
    ready()
    try:
        serve_forever(listener)
    finally:
        idle.kill()


def main(argv):
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    mode, args = argv[0], argv[1:]
    if mode == 'child':
        listener = socket.socket(fileno=int(args[0]))
        print('serving', flush=True)
        serve_forever(listener)
    listener = socket.socket(fileno=int(os.environ['HARNESS_TEST_SOCKET_FD']))
    listener.listen()
    if mode in ('spawn', 'spawn-early'):
        spawn(listener, int(args[0]), early=mode == 'spawn-early')
    elif mode == 'subprocess':
        child(listener)
    elif mode == 'fork-each':
        fork_each(listener)
    elif mode == 'other':
        other(listener, args)
    else:
        ready()
        serve_forever(listener)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
