"""``harness-stack``: the reference stack, up exactly as a test has it.

It runs one :class:`harness.functional.FunctionalTest` whose test method
starts the registry, the API and a scrubber run on free ports with sqlite
in a temporary directory, prints the endpoints, and waits.  Ctrl-C (or
SIGTERM) ends the test; its cleanups stop every server and remove the
directory, as after any test.
"""

import argparse
import os
import signal
import sys
import threading

import testtools

from harness import functional


def _wait_for_signal():
    stop = threading.Event()
    # Handlers only record the request; the test method does the work.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(3600):
        continue


def make_stack_test(out, flavor, wait=_wait_for_signal):
    """Return a FunctionalTest that serves until *wait* returns."""

    class Stack(functional.FunctionalTest):
        def test_stack(self):
            self.api_server.deployment_flavor = flavor
            self.registry_server.deployment_flavor = flavor
            self.start_servers(**self.__dict__.copy())
            out.write('API:      http://127.0.0.1:%d/\n' % self.api_port)
            out.write('Registry: http://127.0.0.1:%d/\n' % self.registry_port)
            out.write('Database: %s\n' % self.api_server.sql_connection)
            out.write('Logs:     %s\n' % self.test_dir)
            out.write('Try: curl -i http://127.0.0.1:%d/v1/images\n'
                      'Press Ctrl-C to stop.\n' % self.api_port)
            out.flush()
            wait()

    return Stack('test_stack')


def main(argv=None):
    """Entry point of ``harness-stack``."""
    parser = argparse.ArgumentParser(
        prog='harness-stack', description=__doc__.splitlines()[0])
    parser.add_argument('--flavor', default='',
                        help="paste flavor, e.g. 'fakeauth' or 'noauth'")
    args = parser.parse_args(argv)
    os.environ['OS_TEST_TIMEOUT'] = '0'  # serve for as long as asked
    result = testtools.TestResult()
    make_stack_test(sys.stdout, args.flavor).run(result)
    for _, text in result.errors + result.failures:
        sys.stderr.write(text)
    if result.wasSuccessful():
        sys.stdout.write('Stopped; everything cleaned up.\n')
        return 0
    return 1


if __name__ == '__main__':
    sys.exit(main())
