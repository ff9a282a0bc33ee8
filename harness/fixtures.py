"""The documented ``harness.fixtures``: the harness's fixtures in one place.

:class:`ServerFixture`, :class:`NewServerFixture`, :class:`TestDir`,
:func:`set_up` and :func:`add_log_details` are
:mod:`harness.process.fixture`'s; :class:`StackFixture` and
:class:`Stack` the reference stack's (:mod:`harness.stack.fixture`,
:mod:`harness.stack.layout`).
"""

from harness.process.fixture import NewServerFixture
from harness.process.fixture import ServerFixture
from harness.process.fixture import TestDir
from harness.process.fixture import add_log_details
from harness.process.fixture import log_names  # noqa: F401
from harness.process.fixture import set_up
from harness.stack.fixture import StackFixture
from harness.stack.fixture import add_private_db_details  # noqa: F401
from harness.stack.layout import Stack

__all__ = ['NewServerFixture', 'ServerFixture', 'Stack', 'StackFixture',
           'TestDir', 'add_log_details', 'set_up']
