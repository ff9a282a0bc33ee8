"""Which Python processes of a server's tree no agent covers.

The test looks at the server's process tree in ``/proc`` (the
``children`` of every thread, from the server's first process down) and
compares the Python processes it finds -- those whose executable is a
``python*`` or ``pypy*`` -- with the pids the agents answered for
(:mod:`harness.agent.serve`).  A Python process no agent covers is:

* *pending* if it may still be counted: it runs this interpreter with
  the agent's environment (it checks in, :mod:`harness.agent.checkin`),
  or it still runs its parent's image (a fork made after the agents
  answered, or one about to execute a program);
* otherwise *unreached*, with the reason: it said why when it checked
  in (it cannot import ``harness``), it runs another interpreter, it
  was told to skip ``site`` or the environment (``-I``, ``-S``, ``-E``),
  or its environment lacks ``HARNESS_AGENT_ADDRESS`` or the agent's
  ``PYTHONPATH`` entry (a program that cleared it).

Programs that are not Python (a shell, ``git``) are not in question.
"""

import collections
import os
import re
import sys
import time

from harness import contract
from harness import errors
from harness.agent import checkin

#: The executable names of Python interpreters.
PYTHON_NAME = re.compile(r'(python|pypy)[0-9.]*[a-z]*$')
#: Interpreter options that keep ``sitecustomize`` from checking in.
SKIPPING = {'I': 'isolated mode', 'S': 'no site', 'E': 'no PYTHON* '
            'variables'}
#: Seconds a Python process of the server gets to check in with its
#: agent (its interpreter's start-up) before the test calls it unreached.
CHECKIN_TIMEOUT = 10.0
#: Seconds of each wait for one, before the tree is looked at again.
CHECKIN_POLL = 0.1
#: The reason of a pending process, once its time is up.
LATE = 'it did not check in with the agent within %.0f s'

#: One Python process of a server's tree.
Process = collections.namedtuple('Process', 'pid exe argv ppid')


def _read(path):
    # os-level: a buffered file object costs more than the read (this
    # runs for every thread of the server, on every patch).
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def descendants(root):
    """The pids below *root*, from each thread's ``children`` list."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir('/proc/%d/task' % pid)
        except OSError:
            continue  # gone meanwhile
        for task in tasks:
            try:
                kids = _read('/proc/%d/task/%s/children' % (pid, task))
            except OSError:
                continue
            for kid in map(int, kids.split()):
                found.append(kid)
                todo.append(kid)
    return found


def python_processes(root):
    """The Python processes below *root* (:data:`Process` each)."""
    found = []
    for pid in descendants(root):
        try:
            exe = os.readlink('/proc/%d/exe' % pid)
            if not PYTHON_NAME.match(os.path.basename(exe)):
                continue
            argv = _read('/proc/%d/cmdline' % pid).split(b'\0')[:-1]
            stat = _read('/proc/%d/stat' % pid)
        except OSError:
            continue  # gone, or a zombie: nothing to reach
        ppid = int(stat.rsplit(b')', 1)[1].split()[1])
        found.append(Process(pid, exe, [os.fsdecode(a) for a in argv], ppid))
    return found


def interpreter_flags(argv):
    """The one-letter options of interpreter command line *argv*."""
    flags = set()
    args = iter(argv[1:])
    for arg in args:
        if not arg.startswith('-') or arg.startswith('--') or arg == '-':
            break
        for index, letter in enumerate(arg[1:]):
            if letter in 'cm':
                return flags
            if letter in 'WX':
                if index == len(arg) - 2:
                    next(args, None)  # its value is the next argument
                break
            flags.add(letter)
    return flags


def _environ(pid):
    try:
        data = _read('/proc/%d/environ' % pid)
    except OSError:
        return {}
    pairs = (item.partition(b'=') for item in data.split(b'\0') if item)
    return {os.fsdecode(k): os.fsdecode(v) for k, _, v in pairs}


def _fork_of_parent(process, env):
    """True if *process* still runs its parent's image: a fork (with its
    parent's agent, which the next answer will count, or about to execute
    a program).  ``/proc/<pid>/environ`` is what the process was executed
    with, so a fork shows its parent's, byte for byte."""
    try:
        exe = os.readlink('/proc/%d/exe' % process.ppid)
    except OSError:
        return False
    return exe == process.exe and env == _environ(process.ppid)


def why_not(process):
    """The reason *process* will never check in, or None (pending)."""
    if os.path.realpath(process.exe) != os.path.realpath(sys.executable):
        return 'it runs another interpreter (%s)' % process.exe
    skipped = sorted(interpreter_flags(process.argv) & set(SKIPPING))
    if skipped:
        return 'it runs Python with %s (%s), so its sitecustomize cannot ' \
            'check in' % (' '.join('-' + f for f in skipped),
                          ', '.join(SKIPPING[f] for f in skipped))
    env = _environ(process.pid)
    path = env.get('PYTHONPATH', '').split(os.pathsep)
    if contract.AGENT_ADDRESS in env and checkin.SITE_DIR in path:
        return None
    if _fork_of_parent(process, env):
        return None
    return ('its environment lacks %s or %s in PYTHONPATH (the program '
            'that started it did not pass them on)'
            % (contract.AGENT_ADDRESS, checkin.SITE_DIR))


def unreached(processes, reached, refused):
    """Split the Python *processes* no agent covers.

    :param reached: the pids the agents answered for.
    :param refused: pid -> reason, of those that checked in to say why
        they cannot.
    :returns: ``([(process, reason)], [pending process])``.
    """
    missed, pending = [], []
    for process in processes:
        if process.pid in reached:
            continue
        reason = refused.get(process.pid) or why_not(process)
        if reason is None:
            pending.append(process)
        else:
            missed.append((process, reason))
    return missed, pending


def verify(name, processes, reply, ask_again):
    """Raise :class:`harness.errors.NotReachedError` for the Python
    *processes* of server *name* no agent in *reply* answered for.

    Those pending are waited for (bounded): *ask_again(pids, wait)* has
    the agents answer again, the first one waiting up to *wait* seconds
    for *pids* to check in (an event), and returns that answer and the
    tree's Python processes anew (one may have executed another program
    meanwhile).
    """
    deadline = time.monotonic() + CHECKIN_TIMEOUT
    wait = 0  # first: ask again at once (a fork made meanwhile is counted)
    while True:
        missed, pending = unreached(processes, set(reply['pids']),
                                    reply['refused'])
        if not missed and pending and time.monotonic() >= deadline:
            missed = [(process, LATE % CHECKIN_TIMEOUT)
                      for process in pending]
        if missed:
            raise errors.NotReachedError(name, [
                (process.pid, ' '.join(process.argv), reason)
                for process, reason in missed])
        if not pending:
            return
        reply, processes = ask_again([process.pid for process in pending],
                                     wait)
        wait = CHECKIN_POLL
