"""``harness-stack``: the reference stack, up exactly as a test has it.

It sets up one :class:`harness.fixtures.StackFixture`: the registry and
the API listen on free ports with sqlite in a temporary directory, and the
scrubber runs once at start-up (as ``start_servers`` runs it: one pass,
nothing queued yet, exit status 0) and is gone.  It prints the endpoints
and a URL to try, and waits.  Ctrl-C (or SIGTERM) cleans the fixture up:
every server stopped and the directory removed, as after any test.
"""

import argparse
import signal
import sys
import threading

from harness import errors
from harness import fixtures


def _wait_for_signal():
    stop = threading.Event()
    # Handlers only record the request; the main thread does the work.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(3600):
        continue


def serve(out, flavor, wait=_wait_for_signal):
    """Bring the stack up, describe it on *out*, and serve until *wait*
    returns; the fixture's cleanup then takes it down."""
    attrs = {'deployment_flavor': flavor}
    stack = fixtures.set_up(fixtures.StackFixture(api=attrs, registry=attrs))
    try:
        out.write('API:      %s\n' % stack.url('/'))
        out.write('Registry: http://127.0.0.1:%d/\n' % stack.registry_port)
        out.write('Database: %s\n' % stack.api_server.sql_connection)
        out.write('Logs:     %s\n' % stack.test_dir)
        # Said outright: the stack has no scrubber process to look for.
        out.write('Scrubber: ran once at start-up and exited (%s)\n'
                  % stack.scrubber_daemon.log_file)
        out.write('Try: curl -i %s\nPress Ctrl-C to stop.\n'
                  % stack.url('/v1/images'))
        out.flush()
        wait()
    finally:
        stack.cleanUp()


def main(argv=None):
    """Entry point of ``harness-stack``."""
    parser = argparse.ArgumentParser(
        prog='harness-stack', description=__doc__.splitlines()[0])
    parser.add_argument('--flavor', default='',
                        help="paste flavor, e.g. 'fakeauth' or 'noauth'")
    args = parser.parse_args(argv)
    try:
        serve(sys.stdout, args.flavor)
    except errors.HarnessError as exc:
        sys.stderr.write('harness-stack: %s\n' % exc)
        return 1
    sys.stdout.write('Stopped; everything cleaned up.\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
