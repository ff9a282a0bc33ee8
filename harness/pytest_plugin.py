"""The pytest plugin: the reference stack and any server as pytest fixtures.

Registered by the ``pytest11`` entry point ``harness``, so installing the
package is enough (``-p no:harness`` turns it off).  Fixtures:

* ``harness_stack``: a fresh :class:`harness.fixtures.StackFixture` for
  each test, stopped after it;
* ``harness_stack_factory(**kwargs)``: starts a stack whose keyword
  arguments override conf template keys, as ``start_servers(**kwargs)``
  does (and ``api=``/``registry=``/``scrubber=`` set server attributes);
  every stack it started is stopped after the test;
* ``harness_server_factory(server_class, *args, **kwargs)``: the same for
  any ``Server`` class taking ``(test_dir, port, *args, sock=None)``; it
  returns the :class:`harness.fixtures.ServerFixture`.

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


def _use(node, started, fixture):
    """Set *fixture* up for *node*; remember it for teardown and its logs
    for the report (those it read before cleaning up, if it failed)."""
    from harness import errors
    from harness import fixtures
    failure = None
    try:
        fixtures.set_up(fixture)
    except Exception as exc:
        details = sorted(getattr(exc, 'details', {}).items())
        _remember_logs(node, lambda: details)
        if not isinstance(exc, errors.HarnessError):
            raise
        failure = '%s: %s' % (type(exc).__name__, exc)
    if failure:
        # The harness's own words (server, status, log tail) say it all;
        # its frames would only bury them.  Outside the handler: once.
        pytest.fail(failure, pytrace=False)
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
        return _use(request.node, started,
                    fixtures.NewServerFixture(server_class, **kwargs))

    yield factory
    _clean_up(started)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed setup or call carries the logs, one section each."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when == 'teardown':
        return
    seen = set()
    for source in item.stash.get(_LOGS, []):
        for name, text in source():
            title, count = name, 0
            while title in seen:  # two stacks: api.log, api.log-1
                count += 1
                title = '%s-%d' % (name, count)
            seen.add(title)
            report.sections.append((title, text))
