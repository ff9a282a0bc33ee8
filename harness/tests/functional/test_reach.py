"""Every Python process of a server is reached, or the test is told.

The family server (:mod:`harness.tests.functional.programs.family`)
takes each shape of process tree a user's server has: workers started
with ``multiprocessing``'s spawn method (``uvicorn --workers 2``), a
child started by ``subprocess`` (Django's ``runserver``), workers that
leave with ``os._exit`` after each request (gunicorn's
``max_requests``), and Python children that cannot be reached (``-I``,
another interpreter); and real uvicorn and gunicorn servers, where
installed (else those tests skip).  Each test runs preloaded and with
fork/exec.
"""

import functools
import http.client
import json
import os
import socket
import shutil
import subprocess
import sys
import time

import fixtures
import testtools

from harness import errors
from harness.process import fixture as server_fixtures
from harness.process import server as server_mod

PROGRAMS = 'harness.tests.functional.programs.'
FAMILY = PROGRAMS + 'family'
ANSWER = FAMILY + '.work.answer'
#: Other interpreters than the one running the tests, looked up on PATH
#: (pyenv's shims included: tox.ini names every version to them).
OTHER_PYTHONS = ['python3.%d' % minor for minor in range(10, 14)
                 if minor != sys.version_info.minor]


class Boom(Exception):
    """Raised inside the server by a patch."""


class FamilyServer(server_mod.Server):
    """``python -m family MODE ARG...`` (see its module)."""

    preload = True
    ready_event = True

    def __init__(self, test_dir, port, sock=None, mode=('alone',)):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'family'
        self.command = [sys.executable, '-m', FAMILY] + list(mode)


def other_python():
    """An installed interpreter of another version, or None."""
    for name in OTHER_PYTHONS:
        path = shutil.which(name)
        if path is None:
            continue
        # Ask it for its real path: a pyenv shim exists for versions it
        # cannot run, and is a script, not the interpreter.
        probe = subprocess.run(
            [path, '-c', 'import sys; print(sys.executable)'],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
            timeout=60)
        if probe.returncode == 0 and probe.stdout.strip():
            return probe.stdout.strip()
    return None


class ReachTest(testtools.TestCase):

    preload = True

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_PRELOAD', '1' if self.preload else '0'))

    def start(self, *mode):
        started = self.useFixture(server_fixtures.NewServerFixture(
            functools.partial(FamilyServer, mode=mode)))
        self.port = started.port
        return started.server

    def ask(self):
        with socket.create_connection(('127.0.0.1', self.port),
                                      timeout=30) as conn:
            line = conn.makefile('rb').readline()
        return json.loads(line)

    def ask_until_both(self, pids, budget=30.0):
        """Answers until each of two processes gave one (for *budget*
        seconds at most: a worker may still be on its way to accept);
        *pids* is a callable giving the processes that may answer."""
        answers = []
        deadline = time.monotonic() + budget
        while len({answer['pid'] for answer in answers}) < 2:
            self.assertLess(time.monotonic(), deadline, answers[-3:])
            answers.append(self.ask())
        self.assertTrue({a['pid'] for a in answers} <= set(pids()), answers)
        return answers

    def test_package_main_runs_as_python_m(self):
        server = self.start('alone')
        self.assertEqual(self.preload, preloaded(server.process_pid))
        answer = self.ask()
        self.assertEqual(server.process_pid, answer['pid'])
        self.assertIn('answer 0', answer['answer'])

    def test_patch_and_spy_reach_spawned_workers(self):
        server = self.start('spawn', '2')
        workers = children(server.process_pid, '--multiprocessing-fork')
        self.assertEqual(2, len(workers))
        with server.patch(ANSWER, raises=Boom('spawned')):
            with server.spy(ANSWER) as calls:
                answers = self.ask_until_both(lambda: workers)
        self.assertEqual(["Boom('spawned')"] * len(answers),
                         [answer['error'] for answer in answers])
        self.assertEqual(len(answers), len(calls))
        self.assertEqual(set(workers), {call.pid for call in calls})
        self.assertIn('answer', self.ask())  # undone in both

    def test_patch_waits_for_workers_still_starting(self):
        # Ready before its workers run: the patch comes while they start,
        # and is in force in both once it returns.
        server = self.start('spawn-early', '2')
        with server.patch(ANSWER, returns='patched'):
            answers = self.ask_until_both(functools.partial(
                children, server.process_pid, '--multiprocessing-fork'))
        self.assertEqual(['patched'] * len(answers),
                         [answer['answer'] for answer in answers])

    def test_patch_reaches_a_subprocess_child(self):
        server = self.start('subprocess')
        served = self.ask()['pid']
        self.assertNotEqual(server.process_pid, served)
        with server.patch(ANSWER, returns='patched'):
            self.assertEqual({'pid': served, 'answer': 'patched'},
                             self.ask())
        self.assertIn('answer', self.ask())

    def test_spy_keeps_calls_of_workers_that_exited(self):
        server = self.start('fork-each')
        with server.spy(ANSWER) as calls:
            pids = {self.ask()['pid'] for _ in range(10)}
            self.assertEqual(10, len(pids))
            self.assertEqual(10, len(calls))
        self.assertEqual(pids, {call.pid for call in calls})
        self.assertEqual(["%d" % n for n in range(10)],
                         [call.args[0] for call in calls])

    def test_a_python_child_that_skips_site_is_named(self):
        self.check_unreached(sys.executable, '-I')

    def test_another_interpreter_is_named(self):
        python = other_python()
        if python is None:
            self.skipTest('no other Python version on PATH (looked for %s)'
                          % ', '.join(OTHER_PYTHONS))
        self.check_unreached(python)

    def check_unreached(self, *argv):
        server = self.start('other', *argv)
        idle = children(server.process_pid)
        self.assertEqual(1, len(idle))
        for reach in (lambda: server.patch(ANSWER, raises=Boom),
                      lambda: server.spy(ANSWER)):
            with testtools.ExpectedException(errors.NotReachedError):
                with reach():
                    self.fail('reached')
        try:
            with server.patch(ANSWER, raises=Boom):
                self.fail('reached')
        except errors.NotReachedError as exc:
            self.assertEqual(idle[0], exc.pid)
            self.assertIn(str(idle[0]), str(exc))
            self.assertIn('-c ' + 'import sys; sys.stdin.read()',
                          exc.cmdline)
            self.assertIn(exc.cmdline, str(exc))
        with testtools.ExpectedException(errors.NotReachedError):
            server.clock.advance(3600)
        self.assertIn('answer', self.ask())  # nothing was left applied
        # The opt-out: the test does not care about that process.
        server.ignore_unreached = True
        with server.patch(ANSWER, raises=Boom('parent')):
            self.assertEqual("Boom('parent')", self.ask()['error'])
        server.clock.advance(3600)


class ReachExecTest(ReachTest):

    preload = False


def children(pid, marker=''):
    """The pids of *pid*'s children whose command line has *marker*."""
    found = []
    for task in os.listdir('/proc/%d/task' % pid):
        with open('/proc/%d/task/%s/children' % (pid, task)) as handle:
            found += [int(child) for child in handle.read().split()]
    return sorted(child for child in found if marker in cmdline(child))


def preloaded(pid):
    """True if *pid* is a fork of the fork-server."""
    with open('/proc/%d/stat' % pid) as handle:
        parent = int(handle.read().rsplit(')', 1)[1].split()[1])
    return 'harness.forkserver.server' in cmdline(parent)


def cmdline(pid):
    with open('/proc/%d/cmdline' % pid, 'rb') as handle:
        return handle.read().replace(b'\0', b' ').decode('utf-8', 'replace')


class WebServer(server_mod.Server):
    """A real gunicorn or uvicorn (``python -m``) on the harness's
    socket, which it gets as ``--bind fd://N`` or ``--fd N``."""

    preload = True

    def __init__(self, test_dir, port, sock=None, args=()):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = args[0]
        fd = str(sock.fileno())
        self.command = [sys.executable, '-m'] + [
            arg.replace('FD', fd) for arg in args]


class RealServersTest(testtools.TestCase):
    """uvicorn and gunicorn themselves, where installed."""

    preload = True

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'HARNESS_PRELOAD', '1' if self.preload else '0'))

    def start(self, program, *args):
        try:
            __import__(program)
        except ImportError:
            self.skipTest('%s is not installed (pip install %s)'
                          % (program, program))
        started = self.useFixture(server_fixtures.NewServerFixture(
            functools.partial(WebServer, args=(program,) + args)))
        self.port = started.port
        # Preloaded: python -m <package> as a fork of the fork-server.
        self.assertEqual(self.preload, preloaded(started.server.process_pid))
        return started.server

    def ask(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        try:
            conn.request('GET', '/')
            response = conn.getresponse()
            self.assertEqual(200, response.status)
            return json.loads(response.read())
        finally:
            conn.close()

    def test_uvicorn_workers_are_patched(self):
        server = self.start('uvicorn', '--fd', 'FD', '--workers', '2',
                            PROGRAMS + 'webapps:asgi')
        answers = []
        with server.patch(ANSWER, raises=Boom('uvicorn')):
            with server.spy(ANSWER) as calls:
                while len({answer['pid'] for answer in answers}) < 2:
                    self.assertLess(len(answers), 200, answers)
                    answers.append(self.ask())
        self.assertEqual(["Boom('uvicorn')"] * len(answers),
                         [answer['error'] for answer in answers])
        self.assertEqual(len(answers), len(calls))
        self.assertNotIn(server.process_pid, {a['pid'] for a in answers})

    def test_gunicorn_max_requests_spy_sees_every_call(self):
        server = self.start('gunicorn', '--bind', 'fd://FD', '--workers',
                            '2', '--max-requests', '2',
                            PROGRAMS + 'webapps:wsgi')
        with server.spy(ANSWER) as calls:
            with server.patch(ANSWER, returns='patched'):
                answers = [self.ask() for _ in range(10)]
            self.assertEqual(10, len(calls))
        self.assertEqual(['patched'] * 10, [a['answer'] for a in answers])
        # Workers were replaced meanwhile: calls of exited ones are kept.
        self.assertGreater(len({call.pid for call in calls}), 2)

    def test_django_runserver_child_is_patched(self):
        try:
            import django  # noqa: F401
        except ImportError:
            self.skipTest('django is not installed (pip install django)')
        started = self.useFixture(server_fixtures.NewServerFixture(
            DjangoServer))
        self.port = started.port
        self.assertEqual(self.preload, preloaded(started.server.process_pid))
        served = self.ask()['pid']
        # The autoreloader's child serves, not the program started.
        self.assertNotEqual(started.server.process_pid, served)
        with started.server.patch(ANSWER, raises=Boom('django')):
            self.assertEqual({'pid': served, 'error': "Boom('django')"},
                             self.ask())
        self.assertIn('answer', self.ask())


class DjangoServer(server_mod.Server):
    """``runserver`` binds its own port: the harness only reserved it."""

    preload = True

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'django'
        self.fork_socket = False
        self.command = [sys.executable, '-m', PROGRAMS + 'djangoapp',
                        'runserver', '127.0.0.1:%(bind_port)s']


class RealServersExecTest(RealServersTest):

    preload = False
