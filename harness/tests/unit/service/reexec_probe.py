"""A process that re-executes itself as a SIGHUP reload does, with a
SIGTERM landing in another thread after its last drain (the window
:meth:`Runtime.prepare_exec` closes).  The new image prints the events it
starts with.  Run by ``test_runtime``."""

import os
import select
import signal
import sys
import threading

from harness.service import runtime

NEW_IMAGE = 'REEXEC_PROBE_NEW_IMAGE'
MODULE = 'harness.tests.unit.service.reexec_probe'


def old_image(rt):
    # A thread that leaves the signals unblocked, as the lifeline and
    # pool threads do; it outlives the exec's decision.
    parked = threading.Event()
    threading.Thread(target=parked.wait, daemon=True).start()
    rt.block_for_exec()
    print('drained %s' % rt.drain(), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)  # the main thread blocks it
    # The other thread's C-level handler writes the wake-up byte.
    select.select([rt.wakeup_fd], [], [], 10)
    rt.prepare_exec()
    os.environ[NEW_IMAGE] = '1'
    os.execv(sys.executable, [sys.executable, '-m', MODULE])


def main():
    rt = runtime.Runtime('reexec-probe')
    rt.install_signal_handlers()
    if os.environ.pop(NEW_IMAGE, None):
        print('new image events %s' % rt.drain(), flush=True)
        return 0
    old_image(rt)
    return 1


if __name__ == '__main__':
    sys.exit(main())
