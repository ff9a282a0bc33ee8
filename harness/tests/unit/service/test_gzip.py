"""The gzip filter."""

import gzip

import testtools
import webob
import webob.dec

from harness.service.api.middleware import gzip as gzip_mw


class ImageApp(object):
    """Serves an image as a lazy chunk iterator, recording its use."""

    def __init__(self, chunks, content_type='application/octet-stream'):
        self.chunks = chunks
        self.content_type = content_type
        self.produced = 0
        self.closed = False

    def _iter(self):
        try:
            for chunk in self.chunks:
                self.produced += 1
                yield chunk
        finally:
            self.closed = True

    @webob.dec.wsgify
    def __call__(self, req):
        res = webob.Response(content_type=self.content_type, charset=None)
        res.app_iter = self._iter()
        res.headers['Content-MD5'] = 'abcdef'
        return res


def body_app(body, content_type='application/json'):
    @webob.dec.wsgify
    def app(req):
        res = webob.Response(body=body, content_type=content_type,
                             charset=None)
        res.headers['Content-MD5'] = '0123'
        return res
    return app


class TestGzip(testtools.TestCase):

    def _get(self, app, accept_encoding='gzip', method='GET'):
        headers = {}
        if accept_encoding is not None:
            headers['Accept-Encoding'] = accept_encoding
        req = webob.Request.blank('/', headers=headers, method=method)
        return req.get_response(gzip_mw.GzipMiddleware(app))

    def test_body_compressed_in_memory(self):
        body = b'{"images": []}' * 10
        res = self._get(body_app(body))
        self.assertEqual('gzip', res.headers['Content-Encoding'])
        self.assertEqual(body, gzip.decompress(res.body))
        self.assertEqual(str(len(res.body)), res.headers['Content-Length'])
        self.assertEqual('0123', res.headers['Content-MD5'])

    def test_word_match(self):
        res = self._get(body_app(b'abc'), 'deflate, gzip;q=1.0')
        self.assertEqual('gzip', res.headers['Content-Encoding'])
        res = self._get(body_app(b'abc'), 'gzipped')
        self.assertNotIn('Content-Encoding', res.headers)

    def test_identity_unchanged(self):
        res = self._get(body_app(b'abc'), 'identity')
        self.assertNotIn('Content-Encoding', res.headers)
        self.assertEqual(b'abc', res.body)
        self.assertEqual('3', res.headers['Content-Length'])

    def test_no_accept_encoding_unchanged(self):
        res = self._get(body_app(b'abc'), None)
        self.assertNotIn('Content-Encoding', res.headers)
        self.assertEqual(b'abc', res.body)

    def test_image_streamed(self):
        chunks = [b'a' * 1000, b'b' * 1000, b'c' * 1000]
        image = ImageApp(chunks)
        res = self._get(image)
        # Nothing was read while the response was built: no buffering.
        self.assertEqual(0, image.produced)
        self.assertEqual('gzip', res.headers['Content-Encoding'])
        self.assertNotIn('Content-Length', res.headers)
        self.assertEqual('abcdef', res.headers['Content-MD5'])
        first = next(iter(res.app_iter))
        self.assertEqual(b'\x1f\x8b', first[:2])
        self.assertLess(image.produced, len(chunks) + 1)
        data = first + b''.join(res.app_iter)
        self.assertEqual(b''.join(chunks), gzip.decompress(data))
        self.assertTrue(image.closed)

    def test_stream_closed_when_abandoned(self):
        image = ImageApp([b'x' * 10] * 5)
        res = self._get(image)
        iterator = iter(res.app_iter)
        next(iterator)
        iterator.close()
        self.assertTrue(image.closed)

    def test_image_not_compressed_without_gzip(self):
        image = ImageApp([b'data'])
        res = self._get(image, 'identity')
        self.assertNotIn('Content-Encoding', res.headers)
        self.assertEqual(b'data', res.body)

    def test_head_untouched(self):
        res = self._get(body_app(b'abc'), method='HEAD')
        self.assertNotIn('Content-Encoding', res.headers)

    def test_helpers(self):
        self.assertEqual(b'xyz', gzip.decompress(gzip_mw.gzip_bytes(b'xyz')))
        data = b''.join(gzip_mw.gzip_iter(iter([b'x', b'', b'yz'])))
        self.assertEqual(b'xyz', gzip.decompress(data))
