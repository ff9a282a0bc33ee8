"""The documented ``harness.pytest_plugin``.

It is :mod:`harness.integrations.pytest_plugin` itself, not a copy, so that a
patch of ``harness.pytest_plugin.<name>`` reaches the code that runs.
"""

import sys

from harness.integrations import pytest_plugin

sys.modules[__name__] = pytest_plugin
