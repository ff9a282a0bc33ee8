"""The pytest plugin: the reference stack and any server as pytest fixtures.

Registered by the ``pytest11`` entry point ``harness``, so installing the
package is enough (``-p no:harness`` turns it off).  Fixtures:

* ``harness_stack``: a fresh :class:`harness.fixtures.StackFixture` for
  each test, stopped after it;
* ``harness_stack_factory(**kwargs)``: starts a stack whose keyword
  arguments override conf template keys, as ``start_servers(**kwargs)``
  does (and ``api=``/``registry=``/``scrubber=`` set server attributes);
  every stack it started is stopped after the test;
* ``harness_server_factory(server_class, **kwargs)``: the same for any
  ``Server`` class (or callable) taking ``(test_dir, port, sock=None)``;
  it returns the :class:`harness.process.fixture.NewServerFixture`.  A start
  that fails, through either factory, raises its one
  :class:`harness.errors.HarnessError` (``LaunchFailedError``: server,
  status, log tail), shown without the harness's frames;
* ``harness_reused_stack``: a :class:`harness.stack.reuse.ReusableStack` shared
  by the tests of this process (each xdist worker has its own), reset
  and verified before each test; a failed test leaves it dirty, so the
  next one gets a fresh stack.  ``@pytest.mark.harness_stack(**kwargs)``
  gives a test a fresh stack with those arguments instead;
  ``harness_reused_stack_config`` (override it) configures the shared one.

When a test fails, each server log of its stacks and servers is a section
of its report (``api.log``, ``api.stderr.log``...), de-duplicated like the
testtools details.  Every pytest-xdist worker is a process of its own, so
it has its own databases, fork-server and janitor.

This module imports the harness only when a fixture is used: loading the
plugin costs every pytest run in the environment nothing.
"""

import pytest

#: Per test item: callables returning ``[(name, text)]`` of its logs.
_LOGS = pytest.StashKey()
#: Per test item: True once its setup or call failed.
_FAILED = pytest.StashKey()


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'harness_stack(api=None, registry=None, scrubber=None, '
        '**kwargs): harness_reused_stack gives this test a fresh stack '
        'with these arguments (dirty for the next test)')


def _remember_logs(node, source):
    node.stash.setdefault(_LOGS, []).append(source)


def _live_logs(fixture):
    """The logs of a running *fixture*, read now (non-empty ones)."""
    def read():
        try:
            details = fixture.getDetails()
        except TypeError:  # the test cleaned it up: its logs went with it
            return []
        texts = [(name, detail.as_text()) for name, detail in details.items()]
        return [(name, text) for name, text in texts if text]
    return read


def _setup_failure(node, exc):
    """Keep the details *exc* carries (the logs a fixture read before it
    cleaned up) for *node*'s report; return the failure in one line."""
    details = sorted(getattr(exc, 'details', {}).items())
    _remember_logs(node, lambda: details)
    return '%s: %s' % (type(exc).__name__, exc)


def _use(node, started, fixture):
    """Set *fixture* up for *node*; remember it for teardown and its logs
    for the report (those it read before cleaning up, if it failed).

    A start that fails raises its one :class:`harness.errors.HarnessError`
    (a test may expect it with ``pytest.raises``), shown without the
    harness's frames: its words (server, status, log tail) say it all.
    """
    __tracebackhide__ = True
    from harness import errors
    from harness import fixtures
    failure = None
    try:
        fixtures.set_up(fixture)
    except Exception as exc:
        _setup_failure(node, exc)
        if not isinstance(exc, errors.HarnessError):
            raise
        failure = exc
    if failure is not None:
        # Outside the handler: raised once, not as "during handling of".
        raise failure.with_traceback(None)
    started.append(fixture)
    _remember_logs(node, _live_logs(fixture))
    return fixture


def _clean_up(started):
    """Clean up every fixture of *started*, newest first, then raise the
    first error."""
    errors = []
    while started:
        errors += started.pop().cleanUp(raise_first=False) or []
    if errors:
        raise errors[0][1].with_traceback(errors[0][2])


@pytest.fixture
def harness_stack_factory(request):
    """``factory(**kwargs)``: a started reference stack per call."""
    from harness import fixtures
    started = []

    def factory(**kwargs):
        __tracebackhide__ = True
        return _use(request.node, started, fixtures.StackFixture(**kwargs))

    yield factory
    _clean_up(started)


@pytest.fixture
def harness_stack(harness_stack_factory):
    """A fresh reference stack (``StackFixture()``) for this test."""
    return harness_stack_factory()


@pytest.fixture
def harness_server_factory(request):
    """``factory(server_class, **kwargs)``: the server started in a
    directory and on a port of its own (a ``NewServerFixture``)."""
    from harness import fixtures
    started = []

    def factory(server_class, **kwargs):
        __tracebackhide__ = True
        return _use(request.node, started,
                    fixtures.NewServerFixture(server_class, **kwargs))

    yield factory
    _clean_up(started)


@pytest.fixture(scope='session')
def harness_reused_stack_config():
    """``StackFixture``'s arguments for the shared stack (override this
    fixture to change them): ``{}``, the default stack."""
    return {}


@pytest.fixture(scope='session')
def harness_shared_stack(harness_reused_stack_config):
    """The :class:`harness.stack.reuse.ReusableStack` of this process,
    started by its first test, stopped at the end of the session."""
    from harness.stack import reuse
    stack = reuse.ReusableStack(**harness_reused_stack_config)
    yield stack
    stack.stop()


@pytest.fixture
def harness_reused_stack(request, harness_shared_stack):
    """The shared stack, reset and verified for this test (or fresh)."""
    from harness import errors
    marker = request.node.get_closest_marker('harness_stack')
    stack, failure = harness_shared_stack, None
    try:
        stack.begin(**(marker.kwargs if marker else {}))
    except errors.HarnessError as exc:
        failure = _setup_failure(request.node, exc)
        stack.mark_dirty('its start failed')
    if failure:
        pytest.fail(failure, pytrace=False)
    # Only what the servers wrote during this test goes to its report.
    _remember_logs(request.node, stack.log_details)
    yield stack
    stack.end(failed=request.node.stash.get(_FAILED, False))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed setup or call carries the logs, one section each."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when == 'teardown':
        return
    item.stash[_FAILED] = True
    seen = set()
    for source in item.stash.get(_LOGS, []):
        for name, text in source():
            title, count = name, 0
            while title in seen:  # two stacks: api.log, api.log-1
                count += 1
                title = '%s-%d' % (name, count)
            seen.add(title)
            report.sections.append((title, text))
