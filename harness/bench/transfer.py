"""Transfer figures of the benchmark: a large upload and download through
the v1 and the v2 API.

Downloads are set against a raw loopback socket copy of the same number
of bytes, made in the same run: the ceiling for moving bytes between two
processes on this machine.  Uploads are set against the machine's own
upload limit (:mod:`harness.bench.limit`), also measured in the run.
Peak RSS (``VmHWM``) of each server process is read from ``/proc`` after
all the transfers.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time

from harness import fixtures
from harness.bench import common
from harness.bench import limit as bench_limit

CHUNK = bench_limit.CHUNK


def _send(sock, total):
    chunk = memoryview(bench_limit.payload())
    left = total
    while left:
        step = min(left, CHUNK)
        sock.sendall(chunk[:step])
        left -= step


def _drain(sock, limit=None):
    """Read until EOF (or *limit* bytes); return the count."""
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    count = 0
    while limit is None or count < limit:
        got = sock.recv_into(view, CHUNK if limit is None
                             else min(CHUNK, limit - count))
        if not got:
            break
        count += got
    return count


_SINK = common.ACCEPT_ONE + """
buf = memoryview(bytearray(1 << 20))
count = 0
while True:
    got = conn.recv_into(buf)
    if not got:
        break
    count += got
conn.sendall(str(count).encode())
"""


def raw_copy_seconds(total):
    """Seconds to push *total* bytes to another process over loopback TCP.

    Process to process, like a client and the API: a sink in one thread of
    this process would share its GIL with the sender.
    """
    sink = subprocess.Popen([sys.executable, '-c', _SINK],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(sink.stdout.readline())
        with socket.create_connection(('127.0.0.1', port)) as conn:
            start = time.perf_counter()
            _send(conn, total)
            conn.shutdown(socket.SHUT_WR)
            received = int(conn.recv(64) or 0)
            elapsed = time.perf_counter() - start
    finally:
        sink.stdout.close()
        sink.wait()
    if received != total:
        raise SystemExit('raw copy lost bytes: %d of %d' % (received, total))
    return elapsed


def _read_head(sock):
    data = b''
    while b'\r\n\r\n' not in data:
        more = sock.recv(65536)
        if not more:
            raise SystemExit('server closed the connection: %r' % data)
        data += more
    head, _, rest = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = dict(line.split(': ', 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, rest


def _timed_send(port, head, total):
    """Send request *head* and *total* body bytes; return (seconds to the
    answer's head, status, headers, what of the body came with it)."""
    with socket.create_connection(('127.0.0.1', port)) as sock:
        start = time.perf_counter()
        sock.sendall(head.encode('latin-1'))
        _send(sock, total)
        status, headers, rest = _read_head(sock)
        elapsed = time.perf_counter() - start
    return elapsed, status, headers, rest


def upload(port, total):
    """POST *total* bytes as a new image; return (seconds, image id)."""
    head = ('POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
            'Content-Type: application/octet-stream\r\n'
            'Content-Length: %d\r\nX-Image-Meta-Name: bench\r\n'
            'X-Image-Meta-Disk-Format: raw\r\n'
            'X-Image-Meta-Container-Format: bare\r\n'
            'X-Image-Meta-Is-Public: True\r\n\r\n' % (port, total))
    elapsed, status, headers, body = _timed_send(port, head, total)
    if status != 201:
        raise SystemExit('upload failed with %d: %r' % (status, body))
    if headers.get('ETag', '').strip('"') != expected_md5(total):
        raise SystemExit('upload checksum mismatch: %r' % headers)
    return elapsed, headers['Location'].rsplit('/', 1)[1]


def download(port, path, total):
    """GET the data at *path* back; return seconds."""
    with socket.create_connection(('127.0.0.1', port)) as sock:
        start = time.perf_counter()
        sock.sendall(('GET %s HTTP/1.1\r\nHost: x\r\n'
                      'Connection: close\r\n\r\n' % path).encode())
        status, headers, rest = _read_head(sock)
        count = len(rest) + _drain(sock)
        elapsed = time.perf_counter() - start
    if status != 200 or count != total:
        raise SystemExit('download failed: %d, %d of %d bytes'
                         % (status, count, total))
    return elapsed


def _json(port, method, path, body=None):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    try:
        conn.request(method, path, body=body and json.dumps(body),
                     headers={'Content-Type': 'application/json'})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b'null')
    finally:
        conn.close()


def v2_upload(port, total):
    """Create an image through v2 and PUT *total* bytes as its data;
    return (seconds of the PUT, image id)."""
    status, image = _json(port, 'POST', '/v2/images', {
        'name': 'bench', 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'public'})
    if status != 201:
        raise SystemExit('v2 create failed with %d: %r' % (status, image))
    head = ('PUT /v2/images/%s/file HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
            'Content-Type: application/octet-stream\r\n'
            'Content-Length: %d\r\n\r\n' % (image['id'], port, total))
    elapsed, status, _, body = _timed_send(port, head, total)
    if status != 204:
        raise SystemExit('v2 upload failed with %d: %r' % (status, body))
    status, image = _json(port, 'GET', '/v2/images/%s' % image['id'])
    if image.get('checksum') != expected_md5(total):
        raise SystemExit('v2 upload checksum mismatch: %r' % image)
    return elapsed, image['id']


def peak_rss_mib(pid):
    """Peak resident set size of *pid* in MiB (``VmHWM``)."""
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def expected_md5(total):
    """The MD5 the uploaded bytes must have (checked by the service)."""
    return bench_limit.md5_of(total)


#: Rounds of the interleaved copies and downloads (their medians count).
ROUNDS = 5


def download_figures(port, paths, image_file, total):
    """Seconds of the raw copy, the plain file copy of *image_file* and
    the download of each of *paths* (name to URL path), interleaved.

    Each round runs them all, starting one further along each time: on
    a shared machine a busy spell then slows every figure alike, and no
    figure always follows the same one (a sink process still exiting,
    say).  Returns name to a list of seconds, ``raw`` and ``file``
    included.
    """
    jobs = [('raw', lambda: raw_copy_seconds(total)),
            ('file', lambda: bench_limit.file_copy_seconds(image_file))]
    jobs += [(name, lambda path=path: download(port, path, total))
             for name, path in sorted(paths.items())]
    seconds = {name: [] for name, _ in jobs}
    for turn in range(ROUNDS):
        turn %= len(jobs)
        for name, job in jobs[turn:] + jobs[:turn]:
            seconds[name].append(job())
    return seconds


def transfer_figures(total):
    """Run the transfers against a StackFixture; return a dict of figures.
    """
    figures = {}
    with fixtures.StackFixture() as stack:
        port = stack.api_port
        figures['upload'], image_id = upload(port, total)
        figures['v2 upload'], v2_id = v2_upload(port, total)
        figures.update(download_figures(port, {
            'download': '/v1/images/%s' % image_id,
            'v2 download': '/v2/images/%s/file' % v2_id},
            os.path.join(stack.api_server.image_dir, image_id), total))
        figures['limit'] = bench_limit.upload_limit(
            stack.api_server.image_dir, total)
        figures['rss'] = {
            name: peak_rss_mib(server.process_pid)
            for name, server in (('api', stack.api_server),
                                 ('registry', stack.registry_server))}
    return figures


def _speed(mib, seconds):
    """MiB/s of the median of *seconds*."""
    return mib / statistics.median(seconds)


def report(total):
    """Lines for the benchmark output."""
    fig = transfer_figures(total)
    mib = total / float(CHUNK)
    raw = _speed(mib, fig['raw'])
    copy = _speed(mib, fig['file'])
    limit_seconds, md5_seconds, write_seconds = fig['limit']
    limit = mib / limit_seconds
    lines = ['raw copy   %7.0f MiB/s  (%d MiB over loopback TCP; medians '
             'of %d, interleaved with the file copy and the downloads)'
             % (raw, mib, ROUNDS),
             'file copy  %7.0f MiB/s  %5.2fx raw  (the image file sent '
             'to another process, no HTTP: the download limit)'
             % (copy, copy / raw),
             'limit      %7.0f MiB/s  (upload limit: the slower of MD5 '
             '%.0f MiB/s and file write %.0f MiB/s)'
             % (limit, mib / md5_seconds, mib / write_seconds)]
    for name in ('upload', 'download', 'v2 upload', 'v2 download'):
        if name.endswith('upload'):
            speed = mib / fig[name]
            line = '%5.2fx limit' % (speed / limit)
        else:
            speed = _speed(mib, fig[name])
            line = '%5.2fx file copy  (%.0f-%.0f MiB/s)' % (
                speed / copy, mib / max(fig[name]), mib / min(fig[name]))
        lines.append('%-11s%7.0f MiB/s  %5.2fx raw  %s'
                     % (name, speed, speed / raw, line))
    lines.append('peak RSS   ' + ', '.join(
        '%s %.1f MiB' % item for item in sorted(fig['rss'].items())))
    return lines
