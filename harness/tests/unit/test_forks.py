"""harness.process.forks: a forked child owns nothing of its parent's."""

import subprocess
import sys
import textwrap

import testtools

from harness.process import forks

SCRIPT = textwrap.dedent('''
    import os, sys
    from harness.process import forks

    class Thing(object):
        owner = os.getpid()

    value = forks.PerProcess()
    value.set('parent')
    forks.at_exit(print, 'hook of', os.getpid(), flush=True)
    pid = os.fork()
    if pid == 0:
        print('child mine', forks.mine(Thing), value.get('unset'),
              flush=True)
        sys.exit(0)  # a normal exit: the inherited atexit hooks run
    os.waitpid(pid, 0)
    print('parent mine', forks.mine(Thing), value.get('unset'), flush=True)
    print('parent is', os.getpid(), flush=True)
''')


class ForksTest(testtools.TestCase):

    def test_a_forked_child_owns_nothing_and_skips_the_hooks(self):
        out = subprocess.run([sys.executable, '-c', SCRIPT], check=True,
                             capture_output=True, text=True).stdout
        lines = out.splitlines()
        parent = lines[-2].split()[-1]  # the hook prints last, at exit
        self.assertEqual(['child mine False unset', 'parent mine True parent',
                          'parent is %s' % parent, 'hook of %s' % parent],
                         lines)

    def test_none_is_nobody_s(self):
        self.assertFalse(forks.mine(None))
        self.assertEqual('x', forks.PerProcess().get('x'))
