"""Runs a page's samples (:mod:`doc_samples`) in an empty directory.

Files are written and ``$`` lines run in page order, without a shell.
``python`` is this interpreter; ``pytest``, ``stestr``, ``testr`` and
every other program are taken from this interpreter's ``bin`` directory
first, so a page run under tox uses tox's environment.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import doc_samples

#: Seconds one ``$`` line may run before it fails the page.
TIMEOUT = 300
#: Names that are this very interpreter.
PYTHONS = ('python', 'python3')
BIN = os.path.dirname(sys.executable)


def environment():
    """This process's environment for a sample: no ``PYTEST_*`` (we may
    be an xdist worker; the sample's pytest is not), ``BIN`` first on
    ``PATH`` (so ``.testr.conf``'s ``python`` is this interpreter too)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('PYTEST_')}
    paths = [BIN] + [p for p in [env.get('PATH')] if p]
    env['PATH'] = os.pathsep.join(paths)
    return env


def program(name, env):
    """The executable for *name*: ``sys.executable`` for ``python``, else
    the one beside it, else the one on ``PATH``."""
    if name in PYTHONS:
        return sys.executable
    if os.sep in name:
        return name
    beside = os.path.join(BIN, name)
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name, path=env['PATH'])
    if found is None:
        raise AssertionError('command not found: %r (commands run without a '
                             'shell: no cd, export or aliases)' % name)
    return found


def execute(argv, cwd, env, timeout=TIMEOUT):
    """``(status, output)`` of *argv*, stdout and stderr as one text;
    killed with its process group after *timeout* seconds."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # a grandchild holds the pipe
            proc.kill()
            output = b''
        return None, output.decode('utf-8', 'replace')
    return proc.returncode, output.decode('utf-8', 'replace')


def run_command(command, cwd, timeout=TIMEOUT):
    """Run one ``$`` line (its ``&&`` chain) in *cwd*; return its output.

    :raises AssertionError: a command failed, timed out, or an expected
        line is not in the output.
    """
    output = ''
    for extra, argv in command.chain:
        env = dict(environment(), **extra)
        argv = [program(argv[0], env)] + argv[1:]
        started = time.monotonic()
        status, text = execute(argv, cwd, env, timeout)
        output += text
        if status is None:
            raise AssertionError(
                '$ %s\ntimed out after %d s; its output:\n%s'
                % (command.text, timeout, output))
        if status != 0:
            raise AssertionError(
                '$ %s\nexited %d after %.1f s; its output:\n%s'
                % (command.text, status, time.monotonic() - started,
                   output))
    missing = [line for line in command.expected
               if not matches(line, output)]
    if missing:
        raise AssertionError(
            '$ %s\nits output lacks:\n  %s\nits output:\n%s'
            % (command.text, '\n  '.join(missing), output))
    return output


def matches(expected, output):
    """True if the line *expected* (``...`` matching anything within a
    line) is in *output*."""
    pattern = '.*'.join(re.escape(part) for part in expected.split('...'))
    return re.search(pattern, output) is not None


def run_page(blocks, work_dir, timeout=TIMEOUT):
    """Write the files and run the commands of *blocks* in *work_dir*.

    :raises AssertionError: the page breaks the convention or a command
        fails; the message names the page and line.
    """
    wrong = doc_samples.problems(blocks)
    if wrong:
        raise AssertionError('\n'.join(wrong))
    for block in blocks:
        if block.kind == 'file':
            path = os.path.join(work_dir, block.caption)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(block.text + '\n')
        elif block.kind == 'run':
            for command in doc_samples.commands(block):
                if not command.installs:
                    _run_in_page(block, command, work_dir, timeout)


def _run_in_page(block, command, work_dir, timeout):
    try:
        run_command(command, work_dir, timeout)
    except AssertionError as exc:
        raise AssertionError('%s:%d: %s' % (block.page, command.line,
                                            exc)) from None
