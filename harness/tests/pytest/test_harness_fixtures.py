"""harness.fixtures and the plugin's fixtures, used in-process by pytest.

This folder has no ``__init__.py``: stestr's discovery skips it, and the
``pytest`` tox env runs it (``pytest -n 2``) with the plugin loaded by its
entry point alone, no conftest.
"""

import datetime
import http.client
import json
import os
import socket
import sys
import time

import pytest
import testtools

from harness.glance import data
from harness import errors
from harness import fixtures
from harness.process import child as process
from harness.process import readiness
from harness.process import server
from harness.glance import utils
from harness.glance.servers import ApiServer
from harness.glance.servers import RegistryServer

TOY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), 'functional', 'toy_server.py')


class HttpToy(server.Server):
    """A foreign program, ready once ``GET /health`` answers 200 (its
    third one); ``GET /hits`` says how many health checks it saw."""

    readiness = readiness.HttpGet('/health', 200)

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'toy'
        self.log_file = os.path.join(test_dir, 'toy.log')
        self.command = [sys.executable, TOY, 'http', '%(bind_port)s',
                        '%(log_file)s']


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def upload(port, data):
    return request(port, 'POST', '/v1/images', data, {
        'Content-Type': 'application/octet-stream',
        'X-Image-Meta-Name': 'capped', 'X-Image-Meta-Disk-Format': 'raw',
        'X-Image-Meta-Container-Format': 'bare'})


def assert_gone(pids, test_dir):
    for pid in pids:
        assert process.wait_gone(pid, 60), 'process %d survived' % pid
    assert not os.path.exists(test_dir)


def test_stack_fixture_serves_then_leaves_nothing():
    with fixtures.StackFixture() as stack:
        status, body = request(stack.api_port, 'GET', '/v1/images')
        assert (200, {'images': []}) == (status, json.loads(body))
        assert stack.url('/v1/images') == (
            'http://127.0.0.1:%d/v1/images' % stack.api_port)
        status, _ = request(stack.registry_port, 'GET', '/images')
        assert 200 == status
        # The scrubber ran once, as start_servers() runs it.
        assert 0 == stack.scrubber_daemon.process.poll()
        pids = [stack.api_server.process_pid,
                stack.registry_server.process_pid]
        test_dir = stack.test_dir
    assert_gone(pids, test_dir)


def test_harness_stack_is_up(harness_stack):
    status, body = request(harness_stack.api_port, 'GET', '/v1/images')
    assert (200, {'images': []}) == (status, json.loads(body))
    assert os.path.isdir(harness_stack.test_dir)


def test_factory_overrides_conf_keys(harness_stack_factory):
    stack = harness_stack_factory(image_size_cap=128,
                                  api={'deployment_flavor': 'caching'})
    with open(stack.api_server.conf_file_name) as handle:
        conf = handle.read()
    assert 'image_size_cap = 128\n' in conf
    assert 'flavor = caching\n' in conf
    with open(stack.registry_server.conf_file_name) as handle:
        assert 'flavor = \n' in handle.read()  # api= is the API's only
    status, body = upload(stack.api_port, b'x' * 129)
    # v1 refuses a declared length over the cap before reading the body.
    assert 400 == status, body
    assert b'Denying attempt to upload image larger than 128 bytes' in body
    assert 201 == upload(stack.api_port, b'x' * 128)[0]


def test_factory_stops_every_stack_it_started(harness_stack_factory):
    first, second = harness_stack_factory(), harness_stack_factory()
    assert first.api_port != second.api_port
    assert first.test_dir != second.test_dir


def test_server_factory_runs_any_program(harness_server_factory):
    toy = harness_server_factory(HttpToy)
    status, body = request(toy.port, 'GET', '/hits')
    # Ready means its third health check answered 200.
    assert (200, 3) == (status, int(body))
    assert toy.url('/hits') == 'http://127.0.0.1:%d/hits' % toy.port
    assert toy.server.test_dir == toy.test_dir


def test_server_factory_runs_a_reference_server(harness_server_factory):
    registry = harness_server_factory(RegistryServer, workers=0)
    status, body = request(registry.port, 'GET', '/images')
    assert (200, {'images': []}) == (status, json.loads(body))


def test_server_fixture_moves_off_a_taken_port():
    squatter = socket.socket()
    squatter.bind(('127.0.0.1', 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    with squatter, fixtures.TestDir() as test_dir:
        registry = RegistryServer(test_dir.path, taken)
        with fixtures.ServerFixture(registry) as started:
            assert taken != started.port
            assert 200 == request(started.port, 'GET', '/images')[0]


def test_server_fixture_failure_is_one_error_with_its_logs():
    with fixtures.TestDir() as test_dir:
        port, sock = utils.get_unused_port_and_socket()
        api = ApiServer(test_dir.path, port, data.data_file('policy.json'),
                        sock=sock)
        started = fixtures.ServerFixture(api, registry_port=1,
                                         default_store='nosuchstore')
        with pytest.raises(errors.LaunchFailedError) as caught:
            fixtures.set_up(started)
        error = 'ERROR: Store for scheme nosuchstore not found'
        assert 1 == str(caught.value).count(error)
        # Not a port clash: started once, and its stderr says so once.
        assert error + '\n' == caught.value.details['api.stderr.log']
        assert 1 == api.read_output()[1].count(error)
        assert api.process is None and api.sock is None
    assert_gone([api.process_pid], test_dir.path)


def test_testtools_test_gets_the_logs_once_as_details():
    class Inner(testtools.TestCase):
        def test_it(self):
            test_dir = self.useFixture(fixtures.TestDir()).path
            started = self.useFixture(fixtures.NewServerFixture(
                RegistryServer))
            self.seen = started.server
            with open(started.server.log_path('stderr'), 'a') as err:
                err.write('Traceback: only on stderr\n')
            self.stderr = started.server.read_output()[1]
            self.assertTrue(os.path.isdir(test_dir))
            self.fail('deliberate')

    case = Inner('test_it')
    result = testtools.TestResult()
    case.run(result)
    assert 1 == len(result.failures)
    details = case.getDetails()
    log_text = details['registry.log'].as_text()
    first = log_text.splitlines()[0]
    assert 'harness.service' in first
    assert first in case.stderr  # stderr has every log record too
    assert 'Traceback: only on stderr\n' == \
        details['registry.stderr.log'].as_text()
    shown = ''.join(d.as_text() for d in details.values())
    assert 1 == shown.count(first)
    assert_gone([case.seen.process_pid], case.seen.test_dir)


def test_the_stack_clock_moves_every_server_of_the_stack(harness_stack):
    # v1 images are stamped by the registry, v2 images (direct DB) by the
    # API: both follow the stack's clock.
    harness_stack.clock.freeze(datetime.datetime(
        2001, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc))
    status, body = upload(harness_stack.api_port, b'x')
    assert status == 201, body
    assert json.loads(body)['image']['created_at'] == '2001-02-03T04:05:06'
    harness_stack.clock.advance(90)
    status, body = request(
        harness_stack.api_port, 'POST', '/v2/images', b'{"name": "v2"}',
        {'Content-Type': 'application/json'})
    assert status == 201, body
    assert json.loads(body)['created_at'] == '2001-02-03T04:06:36Z'
    harness_stack.clock.reset()
    status, body = upload(harness_stack.api_port, b'y')
    created = json.loads(body)['image']['created_at']
    assert created[:4] == time.strftime('%Y', time.gmtime())
