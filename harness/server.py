"""The documented ``harness.server``.

It is :mod:`harness.process.server` itself, not a copy, so that a patch
of ``harness.server.<name>`` reaches the code that runs.
"""

import sys

from harness.process import server

sys.modules[__name__] = server
