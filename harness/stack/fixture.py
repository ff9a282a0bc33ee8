"""The reference stack as a fixture: :class:`StackFixture`, started.

A :class:`harness.stack.layout.Stack` (laid out, not started) in a
temporary directory of its own, started as ``start_servers()`` starts it;
its server logs, and those of the database servers the test process
started itself, are its details (see
:func:`harness.process.fixture.add_log_details`).
"""

import functools

from testtools import content

from harness.databases import private as privatedb
from harness.process.fixture import OneError
from harness.process.fixture import TestDir
from harness.process.fixture import add_log_details
from harness.stack.layout import Stack

__all__ = ['StackFixture', 'add_private_db_details']


def _private_db_bytes(name):
    return [dict(privatedb.log_details()).get(name, '').encode('utf-8')]


def add_private_db_details(fixture):
    """Give *fixture* a detail per log of the database servers this
    process started itself (``HARNESS_TEST_SQL_CONNECTION=postgresql``),
    read when it is read."""
    for name, _ in privatedb.log_details():
        fixture.addDetail(name, content.Content(
            content.UTF8_TEXT, functools.partial(_private_db_bytes, name)))


class StackFixture(OneError, Stack):
    """A started reference stack, as ``start_servers(**kwargs)`` builds
    it, in a temporary directory of its own (or *test_dir*).

    :param api: attributes to set on ``api_server`` before the start
        (e.g. ``{'deployment_flavor': 'caching'}``); likewise *registry*
        and *scrubber*.
    :param kwargs: overrides of conf template keys, for every server.

    A start that fails raises its one error (:class:`OneError`).
    """

    def __init__(self, test_dir=None, api=None, registry=None,
                 scrubber=None, **kwargs):
        super().__init__(test_dir)
        self._given_dir = test_dir
        self._attrs = (api or {}, registry or {}, scrubber or {})
        self.kwargs = kwargs

    def _setUp(self):
        self.test_dir = (self._given_dir or
                         self.useFixture(TestDir()).path)
        super()._setUp()
        own = [self.api_server, self.registry_server, self.scrubber_daemon]
        add_log_details(self, own)
        for server, attrs in zip(own, self._attrs):
            for name, value in attrs.items():
                setattr(server, name, value)
        self.start_servers(**dict(self.kwargs))
        # After the start: the first database made starts a private server.
        add_private_db_details(self)
