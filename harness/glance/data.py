"""Where the harness's data files (``etc/``) live, from anywhere.

The seed read ``glance/tests/etc`` relative to the working directory, so it
only worked from the top of a source tree.  These files sit in ``etc/`` at
the top of the repository and are installed by the wheel under
``<prefix>/share/harness/etc``; both places are found from any working
directory.
"""

import os
import sys

from harness import errors

DATA_FILES = ('policy.json', 'schema-image.json', 'property-protections.conf',
              'property-protections-policies.conf')


def candidate_dirs():
    """The directories searched, in order."""
    # harness/glance/data.py -> the top of the source tree.
    top = os.path.abspath(__file__)
    for _ in range(3):
        top = os.path.dirname(top)
    source_tree = os.path.join(top, 'etc')
    return [source_tree,
            os.path.join(sys.prefix, 'share', 'harness', 'etc'),
            os.path.join(sys.base_prefix, 'share', 'harness', 'etc')]


def data_file(name):
    """Absolute path of data file *name*.

    :raises HarnessError: when no candidate directory has it.
    """
    for folder in candidate_dirs():
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise errors.HarnessError('data file %s not found in %s'
                              % (name, ', '.join(candidate_dirs())))
