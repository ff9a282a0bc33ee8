"""``PUT /v2/images/<id>/file`` with a wrong ``Content-Type``, bad
framing, short bodies, or to an image that cannot take data."""

from harness.tests.v2_corpus import Case

_FILE = b'/v2/images/{Q}/file'
_OCTETS = (b'Content-Type', b'application/octet-stream')


def _put(name, headers, body=b'', expect=400, target=_FILE, **kw):
    return Case('upload_' + name, b'PUT', target, body, headers, expect,
                **kw)


def _chunked(name, body, expect=400):
    return _put(name, [_OCTETS, (b'Transfer-Encoding', b'chunked')], body,
                expect, began=True)


CASES = [
    _put('json_type', [(b'Content-Type', b'application/json')], b'data',
         415),
    _put('text_type', [(b'Content-Type', b'text/plain')], b'data', 415),
    _put('no_type', [], b'data', 415),
    _put('type_with_junk', [(b'Content-Type', b'application/octet-stream'
                                              b'x')], b'data', 415),
    _put('multipart_type', [(b'Content-Type', b'multipart/form-data; '
                                              b'boundary=x')], b'--x--', 415),
    _put('bad_utf8_type', [(b'Content-Type', b'\xff/\xfe')], b'data', 415),
    _put('expect_continue_bad_type', [(b'Content-Type', b'text/plain'),
                                      (b'Expect', b'100-continue')],
         b'data', 415),
    _put('to_active', [_OCTETS], b'data', 409, target=b'/v2/images/{A}/file'),
    _put('to_missing', [_OCTETS], b'data', 404, target=b'/v2/images/{M}/file'),
    _put('to_bad_utf8_id', [_OCTETS], b'data', 404,
         target=b'/v2/images/%FF/file'),
    _put('body_shorter_than_length', [_OCTETS], b'short', length=100,
         began=True),
    _put('expect_continue_no_body', [_OCTETS, (b'Expect', b'100-continue')],
         b'', length=10, began=True),
    _put('length_not_a_number', [_OCTETS, (b'Content-Length', b'abc')],
         b'data'),
    _put('length_negative', [_OCTETS, (b'Content-Length', b'-4')], b'data'),
    _put('length_and_chunked', [_OCTETS, (b'Content-Length', b'4'),
                                (b'Transfer-Encoding', b'chunked')],
         b'4\r\ndata\r\n0\r\n\r\n'),
    _put('length_over_cap', [_OCTETS, (b'Content-Length',
                                       b'%d' % (1 << 50))], b'data', 413),
    _put('length_bignum', [_OCTETS, (b'Content-Length', b'9' * 30)],
         b'data', (400, 413)),
    _put('gzip_encoding', [_OCTETS, (b'Transfer-Encoding', b'gzip')],
         b'data', (400, 501)),
    _chunked('chunk_size_not_hex', b'zz\r\ndata\r\n0\r\n\r\n'),
    _chunked('chunk_size_negative', b'-4\r\ndata\r\n0\r\n\r\n'),
    _chunked('chunk_data_too_long', b'2\r\ndata\r\n0\r\n\r\n'),
    _chunked('chunk_no_crlf', b'4\r\ndataXX0\r\n\r\n'),
    _chunked('chunk_bare_lf', b'4\ndata\n0\n\n'),
    _chunked('chunk_truncated', b'10\r\nonly-part'),
    _chunked('chunk_no_last_chunk', b'4\r\ndata\r\n'),
    _chunked('chunk_huge_size', b'f' * 40 + b'\r\ndata\r\n0\r\n\r\n'),
]
