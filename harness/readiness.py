"""The documented ``harness.readiness``.

It is :mod:`harness.process.readiness` itself, not a copy, so that a patch
of ``harness.readiness.<name>`` reaches the code that runs.
"""

import sys

from harness.process import readiness

sys.modules[__name__] = readiness
