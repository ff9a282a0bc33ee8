"""Work a request leaves running after its response: one mechanism.

A v2 ``import`` task and a v1 copy-from go on in a thread once their
request answered.  Every such thread is started by :func:`start`, as a
:class:`Job` of this process, and nothing else starts one:

* a job counts as in flight in the agent's ``status``, like a request
  (its count is registered with :mod:`harness.agent.hooks` with the
  first job), so the reset of a reused stack waits for it;
* a stopping server ends its jobs (:func:`stop`, from the graceful stop
  of the HTTP server, before a reload's re-exec too): from then on a
  job's guarded reads raise :class:`Stopped`, so a job that is reading
  ends at once through its own failure path; one still running after a
  short wait (blocked on its source) is abandoned: its ``abandon``
  callable marks, from the stopping thread, what it leaves (a task
  ``failure``, an image ``killed``, no partial file).

A job and its ``abandon`` both change states by compare-and-set, so
whichever gets there first wins and the other changes nothing.
"""

import logging
import threading
import time

from harness.agent import hooks

LOG = logging.getLogger(__name__)

#: Most seconds a stopping server waits for its jobs to end by themselves
#: before it abandons them: a job that is reading sees the stop at its
#: next read, well within this; one that did not is waiting on its source.
STOP_WAIT = 1.0


class Stopped(BaseException):
    """The server is stopping: the job must end now.

    A ``BaseException``, as ``asyncio.CancelledError`` is: the job's own
    ``except Exception`` handlers must not turn it into an ordinary
    failure, and the ``except BaseException`` clean-ups on the way out
    (the partial file, the image's status) run as for any interruption.
    """


class Job(object):
    """One piece of background work: *run(job)* in its own thread.

    :param abandon: called from the stopping thread if the job is still
        running when the server stops (``None``: nothing to mark).
    """

    def __init__(self, name, run, abandon=None):
        self.name = name
        self.run = run
        self.abandon = abandon
        self._stop = threading.Event()

    def ask_to_stop(self):
        """Make the job's guarded reads and :meth:`check` raise
        :class:`Stopped` from now on."""
        self._stop.set()

    def stopping(self):
        """Whether the server asked this job to end."""
        return self._stop.is_set()

    def check(self):
        """Raise :class:`Stopped` once the server asked the job to end."""
        if self._stop.is_set():
            raise Stopped('%s: the server is stopping' % self.name)

    def guard(self, reader):
        """*reader*, whose reads raise :class:`Stopped` once the server
        asked the job to end (checked before and after each read)."""
        return _GuardedReader(reader, self)


class _GuardedReader(object):
    """A source reader that ends the job's reads when the server stops."""

    def __init__(self, reader, job):
        self._reader = reader
        self._job = job

    def read(self, size=-1):
        self._job.check()
        data = self._reader.read(size)
        self._job.check()
        return data

    def readinto(self, buffer):
        self._job.check()
        read = getattr(self._reader, 'readinto', None)
        if read is None:
            data = self._reader.read(len(buffer))
            buffer[:len(data)] = data
            count = len(data)
        else:
            count = read(buffer)
        self._job.check()
        return count

    def close(self):
        self._reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class Jobs(object):
    """The jobs running in this process."""

    def __init__(self):
        self._changed = threading.Condition()
        self._running = set()
        self._stopping = False
        self._registered = False

    def start(self, name, run, abandon=None):
        """Run *run(job)* in a daemon thread named *name*; return the
        :class:`Job`.  Started while the server stops, the job is asked
        to end at once (it fails as a stopped one)."""
        job = Job(name, run, abandon)
        with self._changed:
            if not self._registered:
                # With the first job, never at import: the agent then
                # counts jobs beside the requests (after them: a request
                # in flight may still start one).
                hooks.register_idle(self.wait_idle)
                self._registered = True
            if self._stopping:
                job.ask_to_stop()
            self._running.add(job)
        thread = threading.Thread(target=self._run, args=(job,), name=name,
                                  daemon=True)
        try:
            thread.start()
        except BaseException:
            self._done(job)
            raise
        return job

    def _run(self, job):
        try:
            job.run(job)
        except Stopped:
            LOG.info('%s ended: the server is stopping', job.name)
        except Exception:
            LOG.exception('%s failed', job.name)
        finally:
            self._done(job)

    def _done(self, job):
        with self._changed:
            self._running.discard(job)
            self._changed.notify_all()

    def wait_idle(self, timeout):
        """Wait up to *timeout* seconds for no job; return how many run."""
        with self._changed:
            self._changed.wait_for(lambda: not self._running, timeout)
            return len(self._running)

    def stop(self, deadline):
        """Ask every job to end; wait for them until *deadline*
        (``time.monotonic()``) or :data:`STOP_WAIT` s, whichever is
        first; abandon those still running.

        :returns: how many jobs were abandoned.
        """
        with self._changed:
            self._stopping = True
            jobs = list(self._running)
        for job in jobs:
            job.ask_to_stop()
        until = min(deadline, time.monotonic() + STOP_WAIT)
        with self._changed:
            self._changed.wait_for(lambda: not self._running,
                                   max(until - time.monotonic(), 0))
            left = list(self._running)
        for job in left:
            LOG.warning('%s did not end in time: abandoned', job.name)
            if job.abandon is None:
                continue
            try:
                job.abandon()
            except Exception:
                LOG.exception('%s: marking the abandoned work failed',
                              job.name)
        return len(left)


#: The jobs of this process.  Module state on purpose, as the agent's
#: hooks are: the handlers that start jobs and the server loop that stops
#: them meet here without knowing each other.  Nothing runs at import.
_jobs = Jobs()


def start(name, run, abandon=None):
    """Start a background :class:`Job` (see :meth:`Jobs.start`)."""
    return _jobs.start(name, run, abandon)


def wait_idle(timeout):
    """Wait up to *timeout* s for no job in this process; return how many
    still run."""
    return _jobs.wait_idle(timeout)


def stop(deadline):
    """End this process's jobs (see :meth:`Jobs.stop`)."""
    return _jobs.stop(deadline)
