"""What more than one part of the benchmark needs."""

import testtools


def run_case(case):
    """Run the testtools *case*; exit with its errors if it fails."""
    result = testtools.TestResult()
    case.run(result)
    if not result.wasSuccessful():
        raise SystemExit(''.join(t for _, t in result.errors
                                 + result.failures))
