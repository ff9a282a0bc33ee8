"""What more than one part of the benchmark needs."""

import testtools

#: The start of the benchmark's child scripts: listen on a free loopback
#: port, print it, take one connection as ``conn``.
ACCEPT_ONE = """
import os, socket, sys
listener = socket.socket()
listener.bind(('127.0.0.1', 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
"""


def run_case(case):
    """Run the testtools *case*; exit with its errors if it fails."""
    result = testtools.TestResult()
    case.run(result)
    if not result.wasSuccessful():
        raise SystemExit(''.join(t for _, t in result.errors
                                 + result.failures))
