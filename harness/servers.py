"""The documented ``harness.servers``.

It is :mod:`harness.glance.servers` itself, not a copy, so that a patch
of ``harness.servers.<name>`` reaches the code that runs.
"""

import sys

from harness.glance import servers

sys.modules[__name__] = servers
