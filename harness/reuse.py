"""The documented ``harness.reuse``.

It is :mod:`harness.stack.reuse` itself, not a copy, so that a patch
of ``harness.reuse.<name>`` reaches the code that runs.
"""

import sys

from harness.stack import reuse

sys.modules[__name__] = reuse
