"""The plugin seen from outside: inner pytest runs in subprocesses.

Each inner run gets only the installed package (the plugin loads through
its ``pytest11`` entry point; no conftest) and reports what it saw
through a file or a FIFO named in ``HARNESS_REPORT``.
"""

import json
import os
import re
import select
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

import harness
from harness.forkserver import client as forkserver
from harness.process import child as process
from report_sections import sections

ROOT = os.path.dirname(os.path.dirname(harness.__file__))
#: Seconds an inner run (or one of its reports) may take on a busy machine.
TIMEOUT = 300

REPORTER = '''
import json
import os
import threading

from harness.forkserver import client as forkserver
from harness.process import janitor


def report(stack):
    """Tell the outer test who runs this stack; block if asked to."""
    server = forkserver.current()
    info = {'worker': os.getpid(), 'test_dir': stack.test_dir,
            'db': stack.api_server.sql_connection,
            'janitor': janitor.pid(),
            'forkserver': server.proc.pid if server else None,
            'servers': [stack.api_server.process_pid,
                        stack.registry_server.process_pid]}
    fd = os.open(os.environ['HARNESS_REPORT'], os.O_WRONLY | os.O_APPEND)
    os.write(fd, (json.dumps(info) + '\\n').encode())
    os.close(fd)
    if os.environ.get('HARNESS_BLOCK'):
        threading.Event().wait()  # until the outer test kills us
'''


def inner_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('PYTEST_')}  # we may run under xdist
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    env.update(extra)
    return env


def inner_command(*args):
    return [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider',
            '-q'] + list(args)


def write_tests(work, source):
    with open(os.path.join(work, 'reporter.py'), 'w') as handle:
        handle.write(REPORTER)
    with open(os.path.join(work, 'test_inner.py'), 'w') as handle:
        handle.write(textwrap.dedent(source))


def run_inner(work, source, *args, **env):
    write_tests(work, source)
    run = subprocess.run(inner_command('test_inner.py', *args), cwd=work,
                         env=inner_env(**env), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=TIMEOUT)
    return run.returncode, run.stdout + run.stderr


def assert_left_nothing(reports):
    for info in reports:
        pids = info['servers'] + [info['janitor']] + [
            pid for pid in [info['forkserver']] if pid]
        for pid in pids:
            assert process.wait_gone(pid, 60), 'process %d survived' % pid
        assert not os.path.exists(info['test_dir'])


def read_reports(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def test_each_test_gets_a_fresh_stack(tmp_path):
    # One process, in file order: on MySQL/PostgreSQL both tests use the
    # worker's one database, so this proves the reset between stacks.
    code, report = run_inner(str(tmp_path), '''
        import http.client
        import json

        CREATED = []


        def names(stack):
            conn = http.client.HTTPConnection('127.0.0.1', stack.api_port)
            conn.request('GET', '/v1/images')
            body = json.loads(conn.getresponse().read())
            conn.close()
            return [image['name'] for image in body['images']]


        def test_1_creates_an_image(harness_stack):
            conn = http.client.HTTPConnection('127.0.0.1',
                                              harness_stack.api_port)
            conn.request('POST', '/v1/images', headers={
                'X-Image-Meta-Name': 'first', 'X-Image-Meta-Is-Public': 'True',
                'X-Image-Meta-Disk-Format': 'raw',
                'X-Image-Meta-Container-Format': 'bare'})
            assert 201 == conn.getresponse().status
            conn.close()
            assert ['first'] == names(harness_stack)
            CREATED.append(harness_stack.test_dir)


        def test_2_does_not_see_it(harness_stack):
            assert CREATED and CREATED[0] != harness_stack.test_dir
            assert [] == names(harness_stack)
    ''', '-p', 'no:xdist')
    assert 0 == code, report
    assert '2 passed' in report


FAILING = '''
    def test_fails(harness_stack):
        stack = harness_stack
        with open(stack.api_server.log_path('stderr'), 'a') as err:
            err.write('Traceback: only on stderr\\n')
        with open(stack.api_server.log_file) as log:
            first = log.readline().rstrip('\\n')
        with open(stack.api_server.log_path('stderr')) as err:
            assert first in err.read()  # every record is on stderr too
        print('FIRST LINE:', first)
        assert False, 'deliberate'


    def test_cannot_start(harness_stack_factory):
        harness_stack_factory(default_store='nosuchstore')


    def test_passes(harness_stack):
        pass
'''


def test_a_failing_test_reports_each_log_once(tmp_path):
    code, report = run_inner(str(tmp_path), FAILING, '-p', 'no:xdist')
    assert 1 == code, report
    assert '2 failed, 1 passed' in report
    failed = sections(report, 'test_fails')
    for name in ('api.log', 'registry.log', 'scrubber.log'):
        assert failed[name].strip(), name
    # stderr only for what it holds beyond the log file.
    assert 'Traceback: only on stderr' == failed['api.stderr.log']
    assert 'registry.stderr.log' not in failed
    first = re.search(r'FIRST LINE: (.*)', report).group(1)
    assert 'harness.service' in first
    logs = ''.join(text for name, text in failed.items()
                   if name.endswith('.log'))
    assert 1 == logs.count(first)
    # A stack that cannot start: one line of the harness's own words, and
    # the log it read before cleaning up.
    broken = sections(report, 'test_cannot_start')
    error = 'ERROR: Store for scheme nosuchstore not found'
    assert error == broken['api.stderr.log']
    assert 'LaunchFailedError: Unexpected server launch status for: ' \
        'api server' in report
    assert 'Traceback' not in report.split('_ test_cannot_start _')[1]
    assert 'harness/fixtures.py' not in report


STACKS = '''
    import pytest

    from reporter import report


    @pytest.mark.parametrize('n', range(4))
    def test_stack(harness_stack, n):
        report(harness_stack)
'''


def test_xdist_workers_have_their_own_of_everything(tmp_path):
    path = str(tmp_path / 'reports')
    open(path, 'w').close()
    code, output = run_inner(str(tmp_path), STACKS, '-n', '2',
                             HARNESS_REPORT=path)
    assert 0 == code, output
    reports = read_reports(path)
    assert 4 == len(reports)
    workers = {info['worker'] for info in reports}
    assert 2 == len(workers), reports
    keys = ['janitor', 'db']
    if forkserver.enabled():  # HARNESS_PRELOAD=0: no fork-server at all
        keys.append('forkserver')
        assert None not in {info['forkserver'] for info in reports}
    for key in keys:
        per_worker = {w: {i[key] for i in reports if i['worker'] == w}
                      for w in workers}
        first, second = per_worker.values()
        assert not first & second, (key, per_worker)
    assert_left_nothing(reports)


def test_sigkill_of_the_xdist_tree_leaves_nothing(tmp_path):
    fifo = str(tmp_path / 'reports')
    os.mkfifo(fifo)
    # Read-write: neither our open nor the writers' blocks.
    reader = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    write_tests(str(tmp_path), STACKS.replace('range(4)', 'range(2)'))
    inner = subprocess.Popen(
        inner_command('test_inner.py', '-n', '2'), cwd=str(tmp_path),
        env=inner_env(HARNESS_REPORT=fifo, HARNESS_BLOCK='1'),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        reports = read_fifo(reader, 2)
    finally:
        os.close(reader)
        # The pytest tree: the controller and its xdist workers (the
        # harness's janitors and fork-servers are the workers' children).
        workers = psutil.Process(inner.pid).children()
        inner.kill()
        for worker in workers:
            worker.kill()
        inner.wait()
    assert {info['worker'] for info in reports} == {w.pid for w in workers}
    assert 2 == len(workers)
    assert_left_nothing(reports)


def read_fifo(fd, count):
    """*count* JSON lines from the FIFO *fd*, waiting at most TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    data = b''
    while data.count(b'\n') < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            pytest.fail('the inner run reported %r by the deadline' % data)
        data += os.read(fd, 65536)
    return [json.loads(line) for line in data.splitlines()]
