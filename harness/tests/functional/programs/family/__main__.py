"""``python -m harness.tests.functional.programs.family MODE [ARG...]``."""

import sys

from harness.tests.functional.programs import family

if __name__ == '__main__':
    sys.exit(family.serve.main(sys.argv[1:]))
