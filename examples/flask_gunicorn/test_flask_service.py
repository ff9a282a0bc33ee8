"""The Flask service under gunicorn, tested with the harness's pytest
plugin: each test gets its own gunicorn (arbiter and 2 workers) on a port
of its own, stopped after it."""

import datetime
import json
import os
import urllib.error
import urllib.request

import pytest

from flask_server import FlaskService

HERE = os.path.dirname(os.path.abspath(__file__))


def get(service, path):
    """``(status, json body)`` of ``GET path`` (a new connection each
    time, so gunicorn's two workers share the requests)."""
    try:
        with urllib.request.urlopen(service.url(path), timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.fixture
def service(harness_server_factory):
    return harness_server_factory(FlaskService)


def test_it_answers(service):
    assert (200, 'hello, world') == (
        get(service, '/hello/world')[0],
        get(service, '/hello/world')[1]['greeting'])


def test_a_fault_through_patch(service):
    # Every worker raises while the block lasts; Flask answers 500.
    with service.server.patch('flask_service.greeting',
                              raises=RuntimeError('database is down')):
        assert {500} == {get(service, '/hello/x')[0] for _ in range(8)}
    assert 200 == get(service, '/hello/x')[0]


def test_a_spy_sees_the_calls_of_both_workers(service):
    with service.server.spy('flask_service.greeting') as calls:
        pids = {get(service, '/hello/%d' % n)[1]['pid'] for n in range(12)}
    assert 12 == len(calls)
    assert ("'7'",) in [call.args for call in calls]
    assert pids == {call.pid for call in calls}
    assert service.server.process_pid not in pids  # the workers served


def test_the_clock(service):
    new_year = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    service.server.clock.freeze(new_year)
    answers = {get(service, '/time')[1]['now'] for _ in range(6)}
    assert {new_year.timestamp()} == answers
    service.server.clock.advance(3600)
    assert new_year.timestamp() + 3600 == get(service, '/time')[1]['now']


FAILING = '''
from flask_server import FlaskService


def test_fails(harness_server_factory):
    harness_server_factory(FlaskService)
    assert False, 'deliberate'


def test_cannot_start(harness_server_factory):
    class Broken(FlaskService):
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
    # gunicorn's own log, as a section of each failed test's report.
    result.stdout.fnmatch_lines([
        '*_ test_fails _*', '*AssertionError: deliberate*',
        '*- flask.stderr.log -*', '*Listening at: http://127.0.0.1:*',
        '*_ test_cannot_start _*',
        '*LaunchFailedError: Unexpected server launch status for: flask*',
        '*- flask.stderr.log -*', "*No module named 'no_such_service'*"])
