"""Delayed deletion of image data: the scrub queue and the scrubber.

With ``delayed_delete`` on, deleting an image queues its location(s) in
``<scrubber_datadir>/<image_id>`` instead of deleting the data
(reference-service.md section 14).  A queue file holds records of two
lines, ``<uri>`` and ``<delete_time>`` (integer epoch seconds), joined with
``\\n`` and without a trailing newline; its atime/mtime are the newest
delete time.  Readers and writers of a queue file hold an inter-process
lock, the file ``<lock_path>/harness-scrubber-<image_id>``.

:class:`ScrubQueue` is that file format (the API uses it to enqueue);
:class:`Scrubber` is one scrubber run; :func:`run_daemon` repeats runs.

Not implemented yet (a later issue): deleting the data itself
(:func:`delete_uri`, which for now refuses and keeps every record) and
setting the image status to ``deleted`` through the registry once its
queue file is gone.  This module never imports SQLAlchemy.
"""

import collections
import contextlib
import fcntl
import logging
import os
import tempfile
import time
import uuid

from harness.errors import HarnessError
from harness.errors import StartupError
from harness.service.runtime import Runtime

LOG = logging.getLogger(__name__)

LOCK_PREFIX = 'harness-scrubber-'

#: Events of :class:`harness.service.runtime.Runtime` that end the daemon.
STOP_EVENTS = {'TERM': 'SIGTERM', 'INT': 'KeyboardInterrupt',
               'LIFELINE': 'lifeline closed'}

Record = collections.namedtuple('Record', 'uri delete_time')


class QueueFileError(HarnessError):
    """A queue file is not in the two-lines-per-record format."""


class DeleteFailed(HarnessError):
    """Deleting a queued URI failed (missing file...): the record goes."""


class DeletionNotImplemented(HarnessError):
    """This build cannot delete image data yet: the record must stay."""


def is_uuid_like(name):
    """True for a canonical (lower-case, dashed) UUID string."""
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False


def parse_queue(text):
    """Parse queue file *text* into a list of :class:`Record`.

    Blank lines are ignored.

    :raises QueueFileError: odd number of lines or a non-integer time.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) % 2:
        raise QueueFileError('odd number of lines (%d)' % len(lines))
    records = []
    for uri, raw_time in zip(lines[0::2], lines[1::2]):
        try:
            records.append(Record(uri, int(raw_time)))
        except ValueError:
            raise QueueFileError('invalid delete time %r' % raw_time) from None
    return records


def format_queue(records):
    """Return the file text of *records* (no trailing newline)."""
    return '\n'.join('%s\n%d' % (record.uri, record.delete_time)
                     for record in records)


class ScrubQueue(object):
    """The queue directory of the scrubber.

    :param datadir: ``scrubber_datadir``.
    :param lock_path: directory of the lock files (``lock_path``); the
        queue directory itself when unset (lock file names are not
        UUIDs, so runs skip them).
    """

    def __init__(self, datadir, lock_path=None):
        self.datadir = datadir
        self.lock_path = lock_path or datadir

    def ensure_dir(self):
        """Create the queue (and lock) directory if missing."""
        for folder in {self.datadir, self.lock_path}:
            os.makedirs(folder, exist_ok=True)

    def path(self, image_id):
        """Return the queue file path of *image_id*."""
        return os.path.join(self.datadir, image_id)

    def image_ids(self):
        """Return the sorted image ids that have a queue file."""
        try:
            names = os.listdir(self.datadir)
        except FileNotFoundError:
            return []
        return sorted(name for name in names if is_uuid_like(name)
                      and os.path.isfile(self.path(name)))

    @contextlib.contextmanager
    def lock(self, image_id):
        """Hold the inter-process lock of *image_id*'s queue file."""
        os.makedirs(self.lock_path, exist_ok=True)
        path = os.path.join(self.lock_path, LOCK_PREFIX + image_id)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def read(self, image_id):
        """Return the records of *image_id* (lock held by the caller).

        :raises FileNotFoundError: no queue file.
        :raises QueueFileError: the file is malformed.
        """
        with open(self.path(image_id), encoding='utf-8') as handle:
            return parse_queue(handle.read())

    def write(self, image_id, records):
        """Replace the queue file with *records*; remove it if empty."""
        path = self.path(image_id)
        if not records:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return
        # Write-and-rename so a crash never leaves half a file behind.
        fd, tmp = tempfile.mkstemp(dir=self.datadir, prefix='.tmp-')
        try:
            with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                handle.write(format_queue(records))
            newest = max(record.delete_time for record in records)
            os.utime(tmp, (newest, newest))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def add(self, image_id, uri, delete_time):
        """Append one record for *image_id* (taking the lock)."""
        self.ensure_dir()
        with self.lock(image_id):
            try:
                records = self.read(image_id)
            except FileNotFoundError:
                records = []
            self.write(image_id, records + [Record(uri, int(delete_time))])


def delete_uri(conf, uri, image_id):
    """Delete the image data at *uri* (queued for image *image_id*).

    To be implemented with the stores: decrypt *uri* with
    ``metadata_encryption_key`` when set, delete it from its store, and
    raise :class:`DeleteFailed` when that fails.  Until then it deletes
    nothing and says so.

    :raises DeletionNotImplemented: always, for now.
    """
    LOG.warning('Deleting image data is not implemented yet; keeping the '
                'queued location of image %s', image_id)
    raise DeletionNotImplemented('deleting image data is not implemented')


class Scrubber(object):
    """One scrubber run over the queue directory of *conf*.

    :param deleter: ``(conf, uri, image_id)`` callable deleting the data
        (default :func:`delete_uri`); tests pass their own.
    """

    def __init__(self, conf, deleter=None):
        self.conf = conf
        self.queue = ScrubQueue(conf.scrubber_datadir, conf.lock_path)
        self.deleter = deleter or delete_uri

    def run(self, now=None):
        """Process every record due at *now* (default: the current time).

        :returns: the number of records removed from the queue.
        :raises StartupError: the queue directory cannot be created.
        """
        now = time.time() if now is None else now
        try:
            self.queue.ensure_dir()
        except OSError as exc:
            raise StartupError('Unable to create the scrubber queue '
                               'directory %s: %s'
                               % (self.queue.datadir, exc.strerror)) from None
        image_ids = self.queue.image_ids()
        LOG.info('Scrubbing %d queued image(s)', len(image_ids))
        return sum(self.scrub_image(image_id, now) for image_id in image_ids)

    def scrub_image(self, image_id, now):
        """Process the due records of one image; return how many went."""
        with self.queue.lock(image_id):
            try:
                records = self.queue.read(image_id)
            except FileNotFoundError:
                return 0
            except (QueueFileError, OSError, UnicodeDecodeError) as exc:
                LOG.error('Skipping unreadable scrub queue file %s: %s',
                          self.queue.path(image_id), exc)
                return 0
            kept = []
            for record in records:
                if not (record.delete_time <= now
                        and self._delete(image_id, record)):
                    kept.append(record)
            removed = len(records) - len(kept)
            if removed:
                self.queue.write(image_id, kept)
        return removed

    def _delete(self, image_id, record):
        """Delete one record's data; True when the record may go."""
        try:
            self.deleter(self.conf, record.uri, image_id)
        except DeletionNotImplemented:
            return False
        except DeleteFailed as exc:
            # As Glance: a failed delete (data already gone...) is logged
            # and the record dropped, so the queue does not grow forever.
            LOG.error('Failed to delete URI from image %s: %s', image_id, exc)
            return True
        LOG.info('Deleted queued data of image %s', image_id)
        return True


def run_daemon(scrubber, runtime, wakeup_time):
    """Run now, then every *wakeup_time* seconds until told to stop.

    :param runtime: a :class:`harness.service.runtime.Runtime` with signal
        handlers (and lifeline) already set up.
    :returns: 0, the exit status.
    """
    interval = max(float(wakeup_time), 0.1)
    scrubber.run()
    runtime.notify_ready()
    next_run = time.monotonic() + interval
    while True:
        events = runtime.wait(max(next_run - time.monotonic(), 0))
        for event in events:
            if event in STOP_EVENTS:
                LOG.info('Daemon Shutdown on %s', STOP_EVENTS[event])
                return 0
        # wait() returns no event exactly when the timeout expired.
        if not events or time.monotonic() >= next_run:
            scrubber.run()
            next_run = time.monotonic() + interval


def main(conf, prog):
    """Run the scrubber of *conf*: one run, or the daemon loop.

    :returns: the exit status (0).
    """
    scrubber = Scrubber(conf)
    if not conf.daemon:
        scrubber.run()
        return 0
    runtime = Runtime(prog)
    runtime.install_signal_handlers()
    runtime.start_lifeline()
    LOG.info('Starting Daemon: wakeup_time=%s', conf.wakeup_time)
    return run_daemon(scrubber, runtime, conf.wakeup_time)
