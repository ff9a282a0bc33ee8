"""The scrub queue: records of image data waiting for deletion.

With ``delayed_delete`` on, deleting an image queues its location(s) in
``<scrubber_datadir>/<image_id>`` instead of deleting the data.  A queue
file holds records of two lines, ``<uri>`` and ``<delete_time>`` (integer
epoch seconds), joined with ``\\n`` and without a trailing newline; its
atime/mtime are the newest delete time.  Readers and writers of a queue
file hold an inter-process lock, the file
``<lock_path>/harness-scrubber-<image_id>``.  The URIs are encrypted when
``metadata_encryption_key`` is set.

The API enqueues with :class:`ScrubQueue`; :mod:`harness.service.scrubber`
consumes the queue.
"""

import collections
import contextlib
import fcntl
import os
import tempfile
import uuid

from harness.errors import HarnessError

LOCK_PREFIX = 'harness-scrubber-'

Record = collections.namedtuple('Record', 'uri delete_time')


class QueueFileError(HarnessError):
    """A queue file is not in the two-lines-per-record format."""


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
