"""Transfer figures of the benchmark: a large upload and download via v1.

Each figure is set against a raw loopback socket copy of the same number
of bytes, made in the same run: the ceiling for moving bytes between two
processes on this machine.  Peak RSS (``VmHWM``) of each server process is
read from ``/proc`` after the transfers.
"""

import hashlib
import socket
import subprocess
import sys
import time

import testtools

from harness import functional

CHUNK = 1024 * 1024


def _payload():
    # One reusable chunk: generating the bytes must cost nothing.
    return bytes(range(256)) * (CHUNK // 256)


def _send(sock, total):
    chunk = memoryview(_payload())
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


_SINK = """
import socket, sys
listener = socket.socket()
listener.bind(('127.0.0.1', 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
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


def upload(port, total):
    """POST *total* bytes as a new image; return (seconds, image id)."""
    head = ('POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
            'Content-Type: application/octet-stream\r\n'
            'Content-Length: %d\r\nX-Image-Meta-Name: bench\r\n'
            'X-Image-Meta-Disk-Format: raw\r\n'
            'X-Image-Meta-Container-Format: bare\r\n'
            'X-Image-Meta-Is-Public: True\r\n\r\n' % (port, total))
    with socket.create_connection(('127.0.0.1', port)) as sock:
        start = time.perf_counter()
        sock.sendall(head.encode('latin-1'))
        _send(sock, total)
        status, headers, rest = _read_head(sock)
        elapsed = time.perf_counter() - start
        body = rest + sock.recv(65536)
    if status != 201:
        raise SystemExit('upload failed with %d: %r' % (status, body))
    if headers.get('ETag', '').strip('"') != expected_md5(total):
        raise SystemExit('upload checksum mismatch: %r' % headers)
    return elapsed, headers['Location'].rsplit('/', 1)[1]


def download(port, image_id, total):
    """GET the image back; return seconds."""
    with socket.create_connection(('127.0.0.1', port)) as sock:
        start = time.perf_counter()
        sock.sendall(('GET /v1/images/%s HTTP/1.1\r\nHost: x\r\n'
                      'Connection: close\r\n\r\n' % image_id).encode())
        status, headers, rest = _read_head(sock)
        count = len(rest) + _drain(sock)
        elapsed = time.perf_counter() - start
    if status != 200 or count != total:
        raise SystemExit('download failed: %d, %d of %d bytes'
                         % (status, count, total))
    return elapsed


def peak_rss_mib(pid):
    """Peak resident set size of *pid* in MiB (``VmHWM``)."""
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def expected_md5(total):
    """The MD5 the uploaded bytes must have (checked by the service)."""
    digest = hashlib.md5()
    chunk = _payload()
    for offset in range(0, total, CHUNK):
        digest.update(chunk[:min(CHUNK, total - offset)])
    return digest.hexdigest()


def transfer_figures(total):
    """Run the transfers in a FunctionalTest; return a dict of figures."""
    figures = {}

    class Transfer(functional.FunctionalTest):
        def test_it(self):
            self.start_servers(**self.__dict__.copy())
            # The median of three raw copies: the ceiling is noisy too.
            figures['raw'] = sorted(raw_copy_seconds(total)
                                    for _ in range(3))[1]
            figures['upload'], image_id = upload(self.api_port, total)
            # The first read races the writeback of the upload's dirty
            # pages; three reads and their median show the steady state.
            figures['downloads'] = [download(self.api_port, image_id, total)
                                    for _ in range(3)]
            figures['download'] = sorted(figures['downloads'])[1]
            figures['rss'] = {
                name: peak_rss_mib(server.process_pid)
                for name, server in (('api', self.api_server),
                                     ('registry', self.registry_server))}
            self.stop_servers()

    result = testtools.TestResult()
    Transfer('test_it').run(result)
    if not result.wasSuccessful():
        raise SystemExit(''.join(t for _, t in result.errors
                                 + result.failures))
    return figures


def report(total):
    """Lines for the benchmark output."""
    fig = transfer_figures(total)
    mib = total / float(CHUNK)
    raw = mib / fig['raw']
    lines = ['raw copy   %7.0f MiB/s  (%d MiB over loopback TCP)'
             % (raw, mib)]
    for name in ('upload', 'download'):
        speed = mib / fig[name]
        lines.append('%-10s %7.0f MiB/s  %5.2fx raw' % (name, speed,
                                                        speed / raw))
    lines[-1] += '  (median of 3; first %.0f MiB/s)' % (
        mib / fig['downloads'][0])
    lines.append('peak RSS   ' + ', '.join(
        '%s %.1f MiB' % item for item in sorted(fig['rss'].items())))
    return lines
