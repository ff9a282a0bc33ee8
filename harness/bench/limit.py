"""The machine's own upload and download limits, measured in the
benchmark's run.

An upload cannot beat the slower of its two unavoidable steps: hashing
the bytes with MD5 (the service must checksum while streaming) and
writing them to a file in the store's directory.  The raw socket copy is
not the bound for uploads; this is.

A download cannot beat sending the image file to another process with
no HTTP at all (:func:`file_copy_seconds`).  That is below the raw
socket copy, which sends one cache-hot buffer over and over; a download
reads every byte from the page cache first.
"""

import hashlib
import os
import socket
import statistics
import subprocess
import sys
import time

from harness.bench import common
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


_SOURCE = common.ACCEPT_ONE + """
conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
block = memoryview(bytearray(%d))
fd = os.open(sys.argv[1], os.O_RDONLY)
offset = 0
while True:
    count = os.preadv(fd, [block], offset)
    if not count:
        break
    conn.sendall(block[:count])
    offset += count
conn.close()
""" % CHUNK


def file_copy_seconds(path):
    """Seconds to receive the file at *path* (an image file, in the page
    cache) from another process over loopback TCP, with no HTTP.

    The sender does what the API server does for a download (``preadv``
    into one reused buffer, then ``sendall``, on a ``TCP_NODELAY``
    socket) and this process reads
    like the benchmark's client, so only the HTTP service is missing.
    """
    total = os.path.getsize(path)
    source = subprocess.Popen([sys.executable, '-c', _SOURCE, path],
                              stdout=subprocess.PIPE, text=True)
    buf = memoryview(bytearray(CHUNK))
    received = 0
    done = False
    try:
        port = int(source.stdout.readline())
        with socket.create_connection(('127.0.0.1', port)) as conn:
            start = time.perf_counter()
            while True:
                got = conn.recv_into(buf)
                if not got:
                    break
                received += got
            elapsed = time.perf_counter() - start
        done = True
    finally:
        source.stdout.close()
        if not done:
            # It may still wait for us to connect: do not wait on it.
            source.kill()
        source.wait()
    if received != total:
        raise SystemExit('file copy lost bytes: %d of %d'
                         % (received, total))
    return elapsed
