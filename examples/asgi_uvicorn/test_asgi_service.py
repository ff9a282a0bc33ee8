"""The ASGI service under uvicorn, tested with the harness's pytest
plugin: each test gets its own uvicorn on a port of its own, stopped
after it; once as one process, once with ``--workers 2``."""

import datetime
import json
import os
import urllib.error
import urllib.request

import pytest

from asgi_server import AsgiService
from asgi_server import AsgiWorkers

HERE = os.path.dirname(os.path.abspath(__file__))


def get(service, path):
    """``(status, json body)`` of ``GET path``."""
    try:
        with urllib.request.urlopen(service.url(path), timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(params=[AsgiService, AsgiWorkers],
                ids=['one-process', 'workers-2'])
def service(request, harness_server_factory):
    return harness_server_factory(request.param)


@pytest.fixture(params=[AsgiService, AsgiWorkers],
                ids=['one-process', 'workers-2'])
def any_service(request, harness_server_factory):
    return harness_server_factory(request.param)


def test_it_answers(any_service):
    assert (200, 'hello, world') == (
        get(any_service, '/hello/world')[0],
        get(any_service, '/hello/world')[1]['greeting'])


def test_a_fault_through_patch(service):
    with service.server.patch('asgi_service.greeting',
                              raises=RuntimeError('database is down')):
        answers = [get(service, '/hello/x') for _ in range(8)]
    assert [(500, {'error': 'database is down'})] * 8 == answers
    assert 200 == get(service, '/hello/x')[0]


def test_a_spy(service):
    with service.server.spy('asgi_service.greeting') as calls:
        pids = {get(service, '/hello/%d' % n)[1]['pid'] for n in range(8)}
    assert 8 == len(calls)
    assert ("'7'",) in [call.args for call in calls]
    assert pids == {call.pid for call in calls}


def test_the_clock(service):
    new_year = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    service.server.clock.freeze(new_year)
    answers = {get(service, '/time')[1]['now'] for _ in range(6)}
    assert {new_year.timestamp()} == answers
    service.server.clock.advance(3600)
    assert new_year.timestamp() + 3600 == get(service, '/time')[1]['now']


FAILING = '''
from asgi_server import AsgiService


def test_fails(harness_server_factory):
    harness_server_factory(AsgiService)
    assert False, 'deliberate'


def test_cannot_start(harness_server_factory):
    class Broken(AsgiService):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.command[-1] = 'no_such_service:app'

    harness_server_factory(Broken)
'''


def test_a_failing_test_carries_the_logs(pytester, monkeypatch):
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join(
        [HERE] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    pytester.makepyfile(test_inner=FAILING)
    result = pytester.runpytest_subprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(failed=2)
    # uvicorn's own log, as a section of each failed test's report.
    result.stdout.fnmatch_lines([
        '*_ test_fails _*', '*AssertionError: deliberate*',
        '*- asgi.stderr.log -*', '*Uvicorn running on socket*',
        '*_ test_cannot_start _*',
        '*LaunchFailedError: Unexpected server launch status for: asgi*',
        '*- asgi.stderr.log -*',
        '*Could not import module "no_such_service"*'])
