"""A start that fails is one error, from every door (issue 24, item 2).

The doors: ``ServerFixture``, ``NewServerFixture`` and ``StackFixture``,
set up directly or through ``useFixture`` (a testtools test's or another
fixture's); ``harness_server_factory`` and ``harness_stack_factory``
(``FunctionalTest``'s are in ``tests/functional/test_failures.py``).
Each raises exactly the launch's own ``HarnessError`` subclass, with the
program's log tail, never ``MultipleExceptions`` or ``SetupError``; the
logs stay available as details.
"""

import sys
import traceback

# testtools first, as a testtools user's module imports it: fixtures then
# reads a failed fixture's details only after its cleanup (a circular
# import leaves its gather_details None), unless the harness reads them.
import testtools  # noqa: I001
import fixtures as fixtures_lib
import pytest

from harness import errors
from harness import fixtures
from harness import server
from harness.process import ports

MISSING = 'harness_no_such_module_24'
NOT_FOUND = "No module named %s" % MISSING


class MissingModule(server.Server):
    """A command naming a module that does not exist."""

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'missing'
        self.command = [sys.executable, '-m', MISSING]


class NoConf(server.Server):
    """A ``server_module`` server that forgot its ``conf_base``."""

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'noconf'
        self.server_module = 'http.server'


def assert_launch_failed(error):
    assert type(error) is errors.LaunchFailedError
    assert 'missing server (pid' in str(error)
    assert NOT_FOUND in str(error)  # the log tail
    assert NOT_FOUND in error.details['missing.stderr.log']


def server_fixture(test_dir):
    port, sock = ports.unused_port_and_socket()
    return fixtures.ServerFixture(MissingModule(test_dir, port, sock=sock))


def run_testtools(use):
    """Run a testtools test whose only step is ``self.useFixture(use())``;
    return its one outcome's ``(error, details)``."""
    caught = []

    class Inner(testtools.TestCase):
        def test_it(self):
            try:
                self.useFixture(use(self))
            except BaseException as exc:
                caught.append(exc)
                raise

    case = Inner('test_it')
    result = testtools.TestResult()
    case.run(result)
    outcomes = result.errors + result.failures
    assert 1 == len(outcomes), outcomes
    text = outcomes[0][1]
    assert 'MultipleExceptions' not in text and 'SetupError' not in text
    return caught[0], case.getDetails()


def test_server_fixture_set_up_directly():
    with fixtures.TestDir() as test_dir:
        started = server_fixture(test_dir.path)
        with pytest.raises(errors.HarnessError) as caught:
            started.setUp()
    assert_launch_failed(caught.value)
    # Its details are still there after the cleanup.
    assert NOT_FOUND in started.getDetails()[
        'missing.stderr.log'].as_text()


def test_new_server_fixture_set_up_directly():
    started = fixtures.NewServerFixture(MissingModule)
    with pytest.raises(errors.HarnessError) as caught:
        started.setUp()
    assert_launch_failed(caught.value)


def test_new_server_fixture_as_a_context_manager():
    with pytest.raises(errors.HarnessError) as caught:
        with fixtures.NewServerFixture(MissingModule):
            pass
    assert_launch_failed(caught.value)


def test_server_fixture_through_testtools_use_fixture():
    def use(case):
        return server_fixture(case.useFixture(fixtures.TestDir()).path)

    error, details = run_testtools(use)
    assert_launch_failed(error)
    assert NOT_FOUND in details['missing.stderr.log'].as_text()


def test_new_server_fixture_through_testtools_use_fixture():
    error, details = run_testtools(
        lambda case: fixtures.NewServerFixture(MissingModule))
    assert_launch_failed(error)
    assert NOT_FOUND in details['missing.stderr.log'].as_text()


def test_new_server_fixture_inside_another_fixture():
    class Outer(fixtures_lib.Fixture):
        def _setUp(self):
            self.useFixture(fixtures.NewServerFixture(MissingModule))

    with pytest.raises(fixtures_lib.MultipleExceptions) as caught:
        Outer().setUp()  # a plain fixture wraps what it is given...
    inner = caught.value.args[0][1]
    assert_launch_failed(inner)  # ...but only once: ours is one error


def test_empty_conf_base_is_one_error():
    with pytest.raises(errors.HarnessError) as caught:
        fixtures.NewServerFixture(NoConf).setUp()
    assert type(caught.value) is errors.ConfigError
    assert 'Subclass did not populate config_base!' == str(caught.value)


def test_stack_fixture_set_up_directly():
    stack = fixtures.StackFixture(default_store='nosuchstore')
    with pytest.raises(errors.HarnessError) as caught:
        stack.setUp()
    assert type(caught.value) is errors.LaunchFailedError
    error = 'ERROR: Store for scheme nosuchstore not found'
    assert error in str(caught.value)
    assert error in caught.value.details['api.stderr.log']


def test_stack_fixture_through_testtools_use_fixture():
    error, details = run_testtools(
        lambda case: fixtures.StackFixture(default_store='nosuchstore'))
    assert type(error) is errors.LaunchFailedError
    assert 'nosuchstore' in details['api.stderr.log'].as_text()


def test_server_factory_raises_the_launch_error(harness_server_factory):
    with pytest.raises(errors.HarnessError) as caught:
        harness_server_factory(MissingModule)
    assert_launch_failed(caught.value)
    # No harness frame between the test and the error.
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert not any('/harness/process/' in f.filename for f in frames)


def test_server_factory_empty_conf_base(harness_server_factory):
    with pytest.raises(errors.ConfigError):
        harness_server_factory(NoConf)


def test_stack_factory_raises_the_launch_error(harness_stack_factory):
    with pytest.raises(errors.HarnessError) as caught:
        harness_stack_factory(default_store='nosuchstore')
    assert type(caught.value) is errors.LaunchFailedError
    assert 'nosuchstore' in caught.value.details['api.stderr.log']
