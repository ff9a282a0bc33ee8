"""Run a service ``main`` with the exit-code contract of the harness.

A program that cannot start exits non-zero at once
with a one-line reason on stderr (``ERROR: <message>``), never a traceback
for an expected failure.  Unexpected exceptions still print their traceback
(that is a bug worth seeing) and exit 1.
"""

import logging
import os
import sys

from harness.errors import ConfigError
from harness.errors import HarnessError
from harness.errors import StartupError


def run(main, argv=None):
    """Call ``main(argv)`` and turn its outcome into an exit status.

    :param main: callable taking the argument list (without the program
        name) and returning an exit status or ``None`` for 0.
    :returns: the process exit status, for ``sys.exit``.
    """
    if argv is None:
        argv = sys.argv[1:]
    try:
        return main(argv) or 0
    except StartupError as exc:
        _say_error(exc)
        return exc.exit_code
    except (ConfigError, HarnessError) as exc:
        _say_error(exc)
        return 1
    except KeyboardInterrupt:
        return 0


def _say_error(exc):
    # One line: the harness shows it to the user as the reason.
    message = ' '.join(str(exc).splitlines()) or exc.__class__.__name__
    sys.stderr.write('ERROR: %s\n' % message)
    sys.stderr.flush()


def exit_fast(status):
    """Flush logs and stdio, then end the process without finalization.

    A long-running server that has stopped gracefully has nothing left to
    do: tearing down SQLAlchemy and the other loaded modules only makes
    every test's ``stop()`` wait longer (about 50 ms for the registry).
    Coverage measurement survives (``patch = _exit`` in .coveragerc).
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(status)
