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

CHUNK = 1024 * 1024


def _chunk():
    return bytes(range(256)) * (CHUNK // 256)


def md5_seconds(total):
    """Seconds to MD5 *total* bytes held in memory (1 MiB updates)."""
    chunk = memoryview(_chunk())
    digest = hashlib.md5()
    start = time.perf_counter()
    for offset in range(0, total, CHUNK):
        digest.update(chunk[:min(CHUNK, total - offset)])
    digest.hexdigest()
    return time.perf_counter() - start


def write_seconds(directory, total):
    """Seconds to write *total* bytes to a new file in *directory*, as
    the filesystem store does (preallocated, 1 MiB writes); the file is
    removed afterwards."""
    chunk = memoryview(_chunk())
    path = os.path.join(directory, '.bench-limit-%d' % os.getpid())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        start = time.perf_counter()
        os.posix_fallocate(fd, 0, total)
        for offset in range(0, total, CHUNK):
            view = chunk[:min(CHUNK, total - offset)]
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
