"""A bounded pool of daemon threads that run queued calls.

Threads are started on demand (never at import, never before a fork) up
to *size*; beyond that, calls wait in the queue for a free thread.
"""

import logging
import queue
import threading

LOG = logging.getLogger('harness.wsgi.server')


class Pool(object):
    """Run ``func(*args)`` calls on at most *size* threads.

    A call may return a callable, run once its thread counts as free.
    """

    def __init__(self, size):
        self.size = size
        self._queue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, func, *args):
        """Queue a call; start a thread if none is free and room is left.
        """
        with self._lock:
            start = self._idle <= 0 and self._threads < self.size
            if start:
                self._threads += 1
            else:
                self._idle -= 1
        self._queue.put((func, args))
        if start:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name='wsgi-%d' % self._threads)
            try:
                thread.start()
            except RuntimeError as exc:
                # The queued call runs on another thread when one frees.
                LOG.error('Cannot start a worker thread: %s', exc)
                with self._lock:
                    self._threads -= 1

    def _work(self):
        while True:
            func, args = self._queue.get()
            then = None
            try:
                then = func(*args)
            except Exception:
                LOG.exception('Error in a worker thread')
            with self._lock:
                self._idle += 1
            if then is not None:
                # Only now: what *then* triggers may submit again, and must
                # find this thread free rather than start another.
                then()
