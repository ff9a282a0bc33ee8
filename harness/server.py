"""The documented ``harness.server``: ``Server``, the class to subclass for
any server program.

``Server``, ``bind_port`` and ``EXIT_TIMEOUT`` are
:mod:`harness.process.server`'s; ``HarnessServer``, the base of the
reference servers, is :mod:`harness.glance.servers`'.  Patch them there.
"""

from harness.glance.servers import HarnessServer
from harness.process.server import EXIT_TIMEOUT
from harness.process.server import Server
from harness.process.server import bind_port

__all__ = ['EXIT_TIMEOUT', 'HarnessServer', 'Server', 'bind_port']
