"""The machine's own upload limit, measured in the benchmark's run.

An upload cannot beat the slower of its two unavoidable steps: hashing
the bytes with MD5 (the service must checksum while streaming) and
writing them to a file in the store's directory.  The raw socket copy is
not the bound for uploads; this is.
"""

import hashlib
import os
import statistics
import time

from harness.service.store import streaming

CHUNK = 1024 * 1024


def payload():
    """The 1 MiB block every benchmark transfer repeats."""
    return bytes(range(256)) * (CHUNK // 256)


def md5_of(total):
    """MD5 of *total* bytes of repeated :func:`payload` (1 MiB updates)."""
    chunk = memoryview(payload())
    digest = hashlib.md5()
    for offset in range(0, total, CHUNK):
        digest.update(chunk[:min(CHUNK, total - offset)])
    return digest.hexdigest()


def md5_seconds(total):
    """Seconds to MD5 *total* bytes held in memory."""
    start = time.perf_counter()
    md5_of(total)
    return time.perf_counter() - start


def write_seconds(directory, total):
    """Seconds to write *total* bytes to a new file in *directory*, as
    the filesystem store does (space reserved in steps by its
    :class:`Preallocator`, 1 MiB writes); the file is removed afterwards.
    """
    chunk = memoryview(payload())
    path = os.path.join(directory, '.bench-limit-%d' % os.getpid())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        start = time.perf_counter()
        reserve = streaming.Preallocator(fd, total)
        for offset in range(0, total, CHUNK):
            view = chunk[:min(CHUNK, total - offset)]
            reserve.cover(offset + len(view))
            while view:
                view = view[os.write(fd, view):]
        os.close(fd)
        fd = None
        elapsed = time.perf_counter() - start
    finally:
        if fd is not None:
            os.close(fd)
        os.unlink(path)
    return elapsed


def upload_limit(directory, total, runs=3):
    """``(limit, md5, write)`` seconds: medians of *runs* each; the limit
    is the slower of the two."""
    md5 = statistics.median(md5_seconds(total) for _ in range(runs))
    write = statistics.median(write_seconds(directory, total)
                              for _ in range(runs))
    return max(md5, write), md5, write
