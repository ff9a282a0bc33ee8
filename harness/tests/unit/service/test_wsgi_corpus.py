"""The hostile-request corpus against the WSGI server as a real process.

Every case of :mod:`harness.tests.http_corpus` must get exactly one 4xx
with ``Connection: close`` and the close: the request pipelined behind
it is never served, and the server logs no traceback.
"""

import signal

import testtools

from harness.tests import http_corpus
from harness.tests.unit.service import support


def _mismatch(port, name, request, expected):
    """What is wrong with the answer to one case (None: nothing)."""
    status, headers, body, rest = http_corpus.exchange(port, request)
    if status != expected:
        return '%s: status %s, expected %d (%r)' % (
            name, status, expected, (body or rest)[:120])
    if headers.get('connection') != 'close':
        return '%s: no Connection: close in %r' % (name, headers)
    if rest:
        return '%s: something followed the %d: %r' % (name, status,
                                                      rest[:120])
    return None


class TestCorpus(testtools.TestCase):

    def test_every_case_is_one_4xx_then_close(self):
        service = support.ServiceProcess(self).start().wait_ready()
        problems = [problem for problem in (
            _mismatch(service.port, name, request, expected)
            for name, request, expected in http_corpus.CASES) if problem]
        self.assertEqual([], problems)
        # Still serving, and it never logged a traceback.
        self.assertEqual(300, service.request('GET', '/')[0].status)
        service.signal(signal.SIGTERM)
        self.assertEqual(0, service.wait_exit())
        log = service.stderr()
        self.assertNotIn('Traceback', log)
        self.assertNotIn('ERROR', log)
        # The pipelined follower ("GET /") was never served.
        self.assertEqual(1, log.count('"GET / HTTP/1.1" 300'))

    def test_corpus_cases_are_well_formed_apart_from_the_defect(self):
        # Guards the corpus itself: the same requests with the defect
        # removed would be served (so each case tests one thing).
        service = support.ServiceProcess(self).start().wait_ready()
        good = http_corpus._post(b'/echo', b'Content-Length: 5\r\n',
                                 b'hello')
        status, headers, body, rest = http_corpus.exchange(
            service.port, good + b'GET / HTTP/1.1\r\nHost: x\r\n'
            b'Connection: close\r\n\r\n')
        self.assertEqual((200, b'hello'), (status, body))
        self.assertIn(b'HTTP/1.1 300 ', rest)
