"""The per-test directory: removed after the test, unless asked to keep.

Every test directory the harness makes (``FunctionalTest.test_dir``,
:class:`TestDir`, the stack fixtures') comes from here, so one switch
keeps them all: set ``HARNESS_KEEP_TEST_DIR`` to ``1`` to keep each
directory in the system temporary directory, or to the path of an
existing directory to keep them there.  A kept directory is not handed to
the janitor (it survives a killed run too) and its path is a detail of
the test (``test_dir``), so a failure's report says where to look.  The
servers still stop; only their files stay.
"""

import os
import tempfile

import fixtures
from testtools import content

from harness import contract
from harness import errors
from harness.process import janitor

__all__ = ['TestDir', 'keep_root']

PREFIX = 'harness-test-'


def keep_root(environ=None):
    """Where kept directories go, or ``None`` to remove them.

    :raises harness.errors.ConfigError: the variable names a path that is
        not an existing directory.
    """
    value = (os.environ if environ is None else environ).get(
        contract.KEEP_TEST_DIR, '')
    if value in ('', '0'):
        return None
    if value == '1':
        return tempfile.gettempdir()
    if not os.path.isdir(value):
        raise errors.ConfigError(
            '%s=%s: not an existing directory (use 1 to keep test '
            'directories in %s, or 0 to remove them)'
            % (contract.KEEP_TEST_DIR, value, tempfile.gettempdir()))
    return os.path.abspath(value)


class TestDir(fixtures.Fixture):
    """A temporary directory that the janitor removes if we are killed.

    ``path`` is its absolute path.  With ``HARNESS_KEEP_TEST_DIR`` set, the
    directory stays after the cleanup and ``path`` is the ``test_dir``
    detail.
    """

    def _setUp(self):
        root = keep_root()
        if root is None:
            self.path = self.useFixture(fixtures.TempDir()).path
            janitor.watch_dir(self.path)  # removed even if we are killed
            return
        self.path = tempfile.mkdtemp(prefix=PREFIX, dir=root)
        self.addDetail('test_dir', content.text_content(
            '%s (kept: %s is set)\n' % (self.path, contract.KEEP_TEST_DIR)))
