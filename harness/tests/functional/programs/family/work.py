"""What every process of the family server answers: the target of the
tests' patches and spies."""

import os


def answer(number):
    """The answer to request *number*."""
    return 'answer %d from %d' % (number, os.getpid())
