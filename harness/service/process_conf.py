"""The one configuration of a service process.

Paste factories are called with paste's own ``global_conf``, which knows
nothing of the service's INI options.  A service is a whole program with a
single configuration, so the ``harness.cmd`` mains store it here before
loading the pipeline and every factory reads it back.
"""

from harness.errors import HarnessError

_conf = None


def set_conf(conf):
    """Make *conf* the configuration of this process (``None`` clears it)."""
    global _conf
    _conf = conf


def get_conf():
    """Return the configuration stored by :func:`set_conf`.

    :raises HarnessError: when no configuration was stored, which means a
        factory ran outside a ``harness.cmd`` main or a test forgot to set
        one.
    """
    if _conf is None:
        raise HarnessError(
            "no service configuration loaded "
            "(harness.service.process_conf.set_conf was not called)")
    return _conf
