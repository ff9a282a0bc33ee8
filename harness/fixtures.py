"""The documented ``harness.fixtures``: the harness's fixtures in one place.

:class:`ServerFixture`, :class:`NewServerFixture`, :class:`TestDir`,
:func:`set_up` and :func:`add_log_details` are
:mod:`harness.process.fixture`'s; :class:`StackFixture` and
:class:`Stack` the reference stack's (:mod:`harness.stack.fixture`,
:mod:`harness.stack.layout`), imported on first use, so that a test of
another service does not import the reference stack's code.
"""

from harness import lazy
from harness.process.fixture import NewServerFixture
from harness.process.fixture import ServerFixture
from harness.process.fixture import TestDir
from harness.process.fixture import add_log_details
from harness.process.fixture import log_names  # noqa: F401
from harness.process.fixture import set_up

#: The reference stack's names -> their module, imported on first use.
_STACK = {
    'Stack': 'harness.stack.layout',
    'StackFixture': 'harness.stack.fixture',
    'add_private_db_details': 'harness.stack.fixture',
}

# Stack and StackFixture: from the module __getattr__ below.
__all__ = ['NewServerFixture', 'ServerFixture', 'Stack',  # noqa: F822
           'StackFixture', 'TestDir', 'add_log_details', 'set_up']


__getattr__, __dir__ = lazy.attributes(__name__, _STACK)
