"""A regression corpus of hostile raw HTTP requests (issue 7, part A).

Each case is a request the server must answer with exactly one 4xx and
``Connection: close``, then close: a valid request pipelined after it
(:data:`FOLLOWER`) must never be served.  :func:`exchange` sends a case
on a fresh connection and returns the one response, failing if anything
else follows it.  The unit tests run every case against the WSGI server;
the functional tests run :data:`API_CASES` against a launched API.
"""

import socket

#: A valid request sent right after each case: it must not be answered.
FOLLOWER = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
_TIMEOUT = 10.0


def _post(path, headers, body=b''):
    return (b'POST ' + path + b' HTTP/1.1\r\nHost: x\r\n' + headers
            + b'\r\n' + body)


def _chunked(body, path=b'/echo'):
    return _post(path, b'Transfer-Encoding: chunked\r\n', body)


_BIG_HEADERS = b''.join(b'X-Pad-%d: %s\r\n' % (i, b'p' * 1000)
                        for i in range(70))
_MANY_HEADERS = b''.join(b'X-N%d: 1\r\n' % i for i in range(101))

#: ``(name, raw request, expected status)``; *path* ``/echo`` reads the
#: body (the API cases use a path of the API, see :data:`API_CASES`).
CASES = (
    ('cl_and_te', _post(b'/echo', b'Content-Length: 5\r\n'
                        b'Transfer-Encoding: chunked\r\n',
                        b'0\r\n\r\n'), 400),
    ('te_and_cl', _post(b'/echo', b'Transfer-Encoding: chunked\r\n'
                        b'Content-Length: 5\r\n', b'0\r\n\r\n'), 400),
    ('te_underscore', _post(b'/echo', b'Content-Length: 5\r\n'
                            b'Transfer_Encoding: chunked\r\n',
                            b'0\r\n\r\n'), 400),
    ('x_roles_underscore', b'GET / HTTP/1.1\r\nHost: x\r\n'
     b'X_Roles: admin\r\n\r\n', 400),
    ('te_vtab', _chunked(b'0\r\n\r\n').replace(
        b'Encoding: chunked', b'Encoding: \x0bchunked'), 400),
    ('te_nbsp', _chunked(b'0\r\n\r\n').replace(
        b'Encoding: chunked', b'Encoding: chunked\xa0'), 400),
    ('te_nel', _chunked(b'0\r\n\r\n').replace(
        b'Encoding: chunked', b'Encoding: chunked\x85'), 400),
    ('te_fs', _chunked(b'0\r\n\r\n').replace(
        b'Encoding: chunked', b'Encoding: \x1cchunked'), 400),
    ('cl_nbsp', _post(b'/echo', b'Content-Length: 0\xa0\r\n'), 400),
    ('cl_superscript_two', _post(b'/echo', b'Content-Length: \xc2\xb2\r\n',
                                 b'ab'), 400),
    ('cl_latin1_superscript', _post(b'/echo', b'Content-Length: \xb2\r\n',
                                    b'ab'), 400),
    ('cl_list', _post(b'/echo', b'Content-Length: 2, 2\r\n', b'ab'), 400),
    ('cl_repeated', _post(b'/echo', b'Content-Length: 2\r\n'
                          b'Content-Length: 2\r\n', b'ab'), 400),
    ('cl_plus', _post(b'/echo', b'Content-Length: +2\r\n', b'ab'), 400),
    ('cl_negative', _post(b'/echo', b'Content-Length: -2\r\n'), 400),
    ('obs_fold', b'GET / HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n b\r\n\r\n',
     400),
    ('obs_fold_te', _post(b'/echo', b'Transfer-Encoding:\r\n chunked\r\n',
                          b'0\r\n\r\n'), 400),
    ('te_http10_keep_alive', b'POST /echo HTTP/1.0\r\nConnection: '
     b'keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400),
    ('te_http10', b'POST /echo HTTP/1.0\r\nHost: x\r\n'
     b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400),
    ('bare_lf_head', b'GET / HTTP/1.1\nHost: x\n\n', 400),
    ('bare_lf_one_line', b'GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n', 400),
    ('bare_lf_request_line', b'GET / HTTP/1.1\nHost: x\r\n\r\n', 400),
    ('bare_cr_value', b'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n',
     400),
    ('nul_value', b'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400),
    ('nul_target', b'GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n', 400),
    ('cr_target', b'GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n', 400),
    ('space_in_target', b'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400),
    ('missing_host', b'GET / HTTP/1.1\r\n\r\n', 400),
    ('repeated_host', b'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', 400),
    ('space_before_colon', b'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400),
    ('empty_name', b'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n', 400),
    ('lowercase_version', b'GET / http/1.1\r\nHost: x\r\n\r\n', 400),
    ('double_space', b'GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 400),
    ('chunk_bare_lf', _chunked(b'5\nhello\r\n0\r\n\r\n'), 400),
    ('chunk_size_trailing_space', _chunked(b'5 \r\nhello\r\n0\r\n\r\n'),
     400),
    ('chunk_size_leading_space', _chunked(b' 5\r\nhello\r\n0\r\n\r\n'),
     400),
    ('chunk_size_space_before_ext', _chunked(
        b'5 ;a=b\r\nhello\r\n0\r\n\r\n'), 400),
    ('chunk_size_4000_hex', _chunked(b'0' * 3999 + b'5\r\nhello\r\n'
                                     b'0\r\n\r\n'), 400),
    ('chunk_size_negative', _chunked(b'-5\r\nhello\r\n0\r\n\r\n'), 400),
    ('chunk_size_0x', _chunked(b'0x5\r\nhello\r\n0\r\n\r\n'), 400),
    ('chunk_ext_bare_cr', _chunked(b'5;a\rb\r\nhello\r\n0\r\n\r\n'), 400),
    ('chunk_ext_bare_lf_quoted', _chunked(
        b'5;a="x\ny"\r\nhello\r\n0\r\n\r\n'), 400),
    ('chunk_data_no_crlf', _chunked(b'5\r\nhelloXX0\r\n\r\n'), 400),
    ('chunk_trailer_bare_lf', _chunked(b'0\r\nX-T: 1\n\r\n'), 400),
    ('chunk_trailer_obs_fold', _chunked(b'0\r\nX-T: 1\r\n 2\r\n\r\n'), 400),
    ('head_too_large', b'GET / HTTP/1.1\r\nHost: x\r\n' + _BIG_HEADERS
     + b'\r\n', 431),
    ('too_many_headers', b'GET / HTTP/1.1\r\nHost: x\r\n' + _MANY_HEADERS
     + b'\r\n', 431),
)

#: Names of the cases the functional tests send to a launched API (the
#: body-reading path there is ``POST /v1/images``).
API_CASE_NAMES = (
    'cl_and_te', 'te_underscore', 'x_roles_underscore', 'te_nbsp', 'te_fs',
    'cl_superscript_two', 'obs_fold', 'te_http10_keep_alive',
    'bare_lf_head', 'nul_value', 'cr_target', 'missing_host',
    'repeated_host', 'chunk_bare_lf', 'chunk_size_trailing_space',
    'chunk_size_4000_hex', 'chunk_ext_bare_cr', 'head_too_large',
    'too_many_headers',
)


def api_cases():
    """The :data:`API_CASE_NAMES` cases, aimed at the v1 API."""
    return [(name, request.replace(b'/echo ', b'/v1/images '), status)
            for name, request, status in CASES if name in API_CASE_NAMES]


def exchange(port, request, timeout=_TIMEOUT):
    """Send *request* and :data:`FOLLOWER` at once; read until the close.

    :returns: ``(status, headers, body, rest)``: the first response and
        what came after it (which must be ``b''``); status ``None`` and
        all the bytes in *rest* when no response came.
    """
    with socket.create_connection(('127.0.0.1', port),
                                  timeout=timeout) as sock:
        try:
            sock.sendall(request + FOLLOWER)
        except OSError:
            pass  # closed before all was sent: the answer is still there
        parts, closed = [], False
        while not closed:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                # Still open after the timeout: the follower's turn.
                parts.append(b'<still open>')
                break
            closed = not data
            parts.append(data)
    reply = b''.join(parts)
    head, sep, rest = reply.partition(b'\r\n\r\n')
    if not sep or not reply.startswith(b'HTTP/1.'):
        return None, {}, b'', reply
    lines = head.decode('latin-1').split('\r\n')
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get('content-length', '0'))
    status = int(lines[0].split()[1])
    return status, headers, rest[:length], rest[length:]
