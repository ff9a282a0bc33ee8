"""The tiny server, from a module that starts a thread when imported.

Such a module cannot be preloaded (a fork would copy a process with two
threads), so the harness must run it with fork/exec.
"""

import threading

from harness.tests.functional.programs import tiny

_STOP = threading.Event()
threading.Thread(target=_STOP.wait, name='import-time', daemon=True).start()

if __name__ == '__main__':
    tiny.main()
