"""``harness_reused_stack``: one stack per worker, reset between tests.

The first tests use the fixture in this very session (under ``-n 2``
each worker shares its own stack among the tests it runs, in whatever
order): every one of them checks that it starts clean, then leaves
something behind.  The others run an inner pytest session, in file
order, to check what a failure, a marker and a report do.
"""

import http.client
import json
import os
import subprocess
import sys
import textwrap

import pytest

import harness
from report_sections import sections

ROOT = os.path.dirname(os.path.dirname(harness.__file__))
TIMEOUT = 300


def call(stack, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection('127.0.0.1', stack.api_port,
                                      timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def assert_clean(stack):
    assert stack.last_reset in ('fresh', 'reset') or \
        stack.last_reset.startswith('restart: ')
    status, body = call(stack, 'GET', '/v1/images')
    assert (status, json.loads(body)) == (200, {'images': []})
    status, body = call(stack, 'GET', '/v2/images')
    assert json.loads(body)['images'] == []
    assert os.listdir(stack.api_server.image_dir) == []
    with open(stack.policy_file) as handle:
        assert json.load(handle).get('get_images') != '!'


def create_v1(stack, name):
    status, body = call(stack, 'POST', '/v1/images', b'x' * 512, {
        'Content-Type': 'application/octet-stream',
        'X-Image-Meta-Name': name, 'X-Image-Meta-Is-Public': 'True',
        'X-Image-Meta-Disk-Format': 'raw',
        'X-Image-Meta-Container-Format': 'bare'})
    assert status == 201, body
    return json.loads(body)['image']['id']


@pytest.mark.parametrize('round', range(3))
def test_v1_image_left_behind(harness_reused_stack, round):
    assert_clean(harness_reused_stack)
    create_v1(harness_reused_stack, 'v1-%d' % round)


@pytest.mark.parametrize('round', range(3))
def test_v2_image_left_behind(harness_reused_stack, round):
    assert_clean(harness_reused_stack)
    status, body = call(harness_reused_stack, 'POST', '/v2/images',
                        json.dumps({'name': 'v2', 'disk_format': 'raw',
                                    'container_format': 'bare'}).encode(),
                        {'Content-Type': 'application/json'})
    assert status == 201, body
    image_id = json.loads(body)['id']
    status, _ = call(harness_reused_stack, 'PUT',
                     '/v2/images/%s/file' % image_id, b'y' * 256,
                     {'Content-Type': 'application/octet-stream'})
    assert status == 204


def test_policy_left_behind(harness_reused_stack):
    assert_clean(harness_reused_stack)
    with open(harness_reused_stack.policy_file, 'w') as handle:
        json.dump({'default': '', 'get_images': '!'}, handle)
    assert call(harness_reused_stack, 'GET', '/v1/images')[0] == 403


def test_shared_stack_is_shared(harness_reused_stack):
    assert_clean(harness_reused_stack)
    # However the tests were spread, this worker started far fewer stacks
    # than it ran tests: the policy test alone forces a fresh one.
    assert harness_reused_stack.starts <= 2


# -- inner sessions, in file order --------------------------------------------

def run_inner(work, source):
    with open(os.path.join(work, 'test_inner.py'), 'w') as handle:
        handle.write(textwrap.dedent(source))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('PYTEST_')}
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    run = subprocess.run([sys.executable, '-m', 'pytest', '-p',
                          'no:cacheprovider', '-p', 'no:xdist', '-q',
                          'test_inner.py'], cwd=work, env=env,
                         stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=TIMEOUT)
    return run.returncode, run.stdout + run.stderr


INNER = '''
    import http.client

    import pytest

    SEEN = {}


    def get(stack, path):
        conn = http.client.HTTPConnection('127.0.0.1', stack.api_port)
        conn.request('GET', path)
        conn.getresponse().read()
        conn.close()


    def pids(stack):
        return (stack.api_server.process.pid,
                stack.registry_server.process.pid)


    def test_1_passes(harness_reused_stack):
        get(harness_reused_stack, '/v1/images/first-test-was-here')
        SEEN['first'] = pids(harness_reused_stack)


    def test_2_shares_then_fails(harness_reused_stack):
        assert harness_reused_stack.last_reset == 'reset'
        assert pids(harness_reused_stack) == SEEN['first']
        get(harness_reused_stack, '/v1/images/second-test-was-here')
        assert False, 'failing on purpose'


    def test_3_fresh_after_a_failure(harness_reused_stack):
        assert 'failed' in harness_reused_stack.last_reset
        third = pids(harness_reused_stack)
        assert set(third).isdisjoint(SEEN['first'])
        SEEN['third'] = third


    @pytest.mark.harness_stack(enable_v1_api=False)
    def test_4_own_stack(harness_reused_stack):
        assert 'non-default' in harness_reused_stack.last_reset
        assert set(pids(harness_reused_stack)).isdisjoint(SEEN['third'])
        SEEN['fourth'] = pids(harness_reused_stack)


    def test_5_fresh_after_the_marker(harness_reused_stack):
        assert 'non-default' in harness_reused_stack.last_reset
        assert set(pids(harness_reused_stack)).isdisjoint(SEEN['fourth'])
'''


def test_failure_marker_and_report(tmp_path):
    code, report = run_inner(str(tmp_path), INNER)
    assert code == 1, report
    assert '1 failed, 4 passed' in report, report
    found = sections(report, 'test_2_shares_then_fails')
    assert 'second-test-was-here' in found['api.log'], found
    # The report holds only what the servers wrote during that test.
    assert 'first-test-was-here' not in report
