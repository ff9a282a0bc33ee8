"""The documented ``harness.resources``.

It is :mod:`harness.integrations.resources` itself, not a copy, so that a patch
of ``harness.resources.<name>`` reaches the code that runs.
"""

import sys

from harness.integrations import resources

sys.modules[__name__] = resources
