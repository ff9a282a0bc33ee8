"""The reused stack through testresources, as stestr and testr run it.

The tests of :class:`TestSharedStack` share the worker's stack (this
module's ``load_tests`` is ``OptimisingTestSuite``'s) in whatever order
they run: each checks that it starts clean, then leaves something
behind.  :class:`TestResourceProtocol` runs an inner suite in file order
to check what a failure, a marked test and the details do.
"""

import json
import os

import testresources
import testtools
from testtools.testresult import doubles

from harness.integrations import resources as reused
from harness.tests.functional import client

load_tests = reused.load_tests

HEADERS = {'Content-Type': 'application/octet-stream',
           'x-image-meta-name': 'shared', 'x-image-meta-is_public': 'True',
           'x-image-meta-disk_format': 'raw',
           'x-image-meta-container_format': 'bare'}


class TestSharedStack(reused.ReusedStackTestCase):

    def assert_clean(self):
        status, _, body = client.request(self.stack.api_port, 'GET',
                                         '/v1/images')
        self.assertEqual((200, {'images': []}), (status, json.loads(body)))
        self.assertEqual([], os.listdir(self.stack.api_server.image_dir))
        with open(self.stack.policy_file) as handle:
            self.assertNotEqual('!', json.load(handle).get('get_images'))

    def leave_an_image(self):
        status, _, body = client.request(self.stack.api_port, 'POST',
                                         '/v1/images', dict(HEADERS), b'z')
        self.assertEqual(201, status, body)

    def test_image_1(self):
        self.assert_clean()
        self.leave_an_image()

    def test_image_2(self):
        self.assert_clean()
        self.leave_an_image()

    def test_image_3(self):
        self.assert_clean()
        self.leave_an_image()

    def test_policy(self):
        self.assert_clean()
        with open(self.stack.policy_file, 'w') as handle:
            json.dump({'default': '', 'get_images': '!'}, handle)

    def test_shared(self):
        self.assert_clean()
        # Whatever ran before in this worker: one start, or two after the
        # policy test.
        self.assertLessEqual(self.stack.starts, 2)


def _pids(stack):
    return (stack.api_server.process.pid, stack.registry_server.process.pid)


def _inner_class(resource, seen):
    """Tests sharing *resource*, run in name order; made here so that
    discovery does not find them."""

    class Inner(reused.ReusedStackTestCase):
        resources = (('stack', resource),)

        def get(self, path):
            client.request(self.stack.api_port, 'GET', path)

        def test_1_passes(self):
            self.get('/v1/images/first-test-was-here')
            seen['first'] = _pids(self.stack)

        def test_2_shares_then_fails(self):
            self.assertEqual('reset', self.stack.last_reset)
            self.assertEqual(seen['first'], _pids(self.stack))
            self.get('/v1/images/second-test-was-here')
            self.fail('failing on purpose')

        def test_3_fresh_after_a_failure(self):
            self.assertIn('failed', self.stack.last_reset)
            seen['third'] = _pids(self.stack)
            self.assertTrue(set(seen['third']).isdisjoint(seen['first']))

        @reused.with_stack(enable_v1_api=False)
        def test_4_own_stack(self):
            self.assertIn('non-default', self.stack.last_reset)
            seen['fourth'] = _pids(self.stack)
            self.assertTrue(set(seen['fourth']).isdisjoint(seen['third']))
            status, _, _ = client.request(self.stack.api_port, 'GET',
                                          '/v1/images')
            self.assertEqual(300, status)

        def test_5_fresh_after_the_marked_one(self):
            self.assertIn('non-default', self.stack.last_reset)
            self.assertTrue(
                set(_pids(self.stack)).isdisjoint(seen['fourth']))

    return Inner


class TestResourceProtocol(testtools.TestCase):

    def test_failure_marked_test_and_details(self):
        resource = reused.ReusedStackResource()
        seen = {}
        tests = testresources.TestLoader().loadTestsFromTestCase(
            _inner_class(resource, seen))
        result = doubles.ExtendedTestResult()
        testresources.OptimisingTestSuite(tests).run(result)
        outcomes = [(event[0], event[1].id().rsplit('.', 1)[-1])
                    for event in result._events
                    if event[0] in ('addSuccess', 'addFailure',
                                    'addError')]
        self.assertEqual([
            ('addSuccess', 'test_1_passes'),
            ('addFailure', 'test_2_shares_then_fails'),
            ('addSuccess', 'test_3_fresh_after_a_failure'),
            ('addSuccess', 'test_4_own_stack'),
            ('addSuccess', 'test_5_fresh_after_the_marked_one')],
            outcomes, result._events)
        details = [event[2] for event in result._events
                   if event[0] == 'addFailure'][0]
        api_log = details['api.log'].as_text()
        self.assertIn('second-test-was-here', api_log)
        self.assertNotIn('first-test-was-here', api_log)
        # The suite let the resource go: the last stack is stopped.
        self.assertIsNone(resource._currentResource)
