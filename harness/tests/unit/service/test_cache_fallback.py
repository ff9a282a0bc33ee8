"""The xattr driver on a filesystem that refuses user xattrs.

A ``ramfs`` has no user extended attributes.  The test mounts one in a
private mount namespace (``unshare --mount``), so the mount disappears
with the child process whatever happens; it skips where namespaces or
mounts are not permitted.
"""

import os
import shutil
import subprocess
import sys

import fixtures
import testtools

_CHILD = r'''
import logging, os, subprocess, sys
base = sys.argv[1]
subprocess.run(['mount', '-t', 'ramfs', 'none', base], check=True)
logging.basicConfig(stream=sys.stdout, level=logging.WARNING,
                    format='%(levelname)s %(message)s')
from harness.glance import utils
from harness.service import cache, config
print('xattr_writes_supported', utils.xattr_writes_supported(base))
conf = config.Conf({'DEFAULT': {'image_cache_dir': base + '/cache',
                                'image_cache_driver': 'xattr'}}, [])
c = cache.ImageCache(conf)
print('driver', c.driver_name)
c.cache_image_iter('a', [b'data'])
with c.open_for_read('a') as handle:
    handle.read()
print('hits', c.get_hit_count('a'))
'''


class TestXattrFallback(testtools.TestCase):

    def test_ramfs_falls_back_to_sqlite_with_warning(self):
        unshare = shutil.which('unshare')
        if unshare is None:
            self.skipTest('no unshare(1)')
        base = self.useFixture(fixtures.TempDir()).path
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            [os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.dirname(os.path.dirname(os.path.abspath(
                    __file__))))))] + sys.path)
        proc = subprocess.run(
            [unshare, '--mount', '--propagation', 'private',
             sys.executable, '-c', _CHILD, base],
            capture_output=True, text=True, timeout=60, env=env)
        if proc.returncode and ('mount' in proc.stderr
                                or 'unshare' in proc.stderr):
            self.skipTest('cannot mount a ramfs here: %s'
                          % proc.stderr.strip().splitlines()[-1:])
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertIn('xattr_writes_supported False', proc.stdout)
        self.assertIn('WARNING Image cache driver xattr failed to '
                      'configure', proc.stdout)
        self.assertIn('Falling back to the sqlite driver.', proc.stdout)
        self.assertIn('driver sqlite', proc.stdout)
        self.assertIn('hits 1', proc.stdout)
        # The ramfs lived only in the child's namespace.
        self.assertEqual([], os.listdir(base))
