"""The documented ``harness.fixtures``.

It is :mod:`harness.process.fixture` itself, not a copy, so that a patch
of ``harness.fixtures.<name>`` reaches the code that runs.
"""

import sys

from harness.process import fixture

sys.modules[__name__] = fixture
