"""Send the corpus and check the invariants after every case.

The fixtures are made through the API itself, with the same transport
as the cases (a ``send(bytes) -> Reply`` callable, see :mod:`.wire`).
After each case the runner takes a *snapshot*: the fixture images' JSON,
the fixture's member list, the image and task listings (bytes) and the
store directory's entries.  A refused request must leave it identical,
which also proves that no image is left in ``saving`` and that no stray
or partial file (hidden ones included) is in the store.
"""

import json
import os
import re

from harness.tests import v2_corpus
from harness.tests.v2_corpus import wire

#: The bytes of the active fixture's data.
DATA = b'corpus image data\n'
#: Every request acts as an admin of this tenant (fakeauth flavor), so
#: that owner checks, members and tasks are reached.
AUTH = (b'X-Auth-Token', b'corpus:corpus_tenant:admin')
_UPDATED_AT = re.compile(rb'"updated_at": "[^"]*"')


class SetupFailed(AssertionError):
    """A fixture request did not get its status."""


class Runner(object):
    """Runs cases through *send*; *image_dir* is the store directory."""

    def __init__(self, send, image_dir):
        self.send = send
        self.image_dir = image_dir
        self.ids = {b'M': v2_corpus.MISSING_ID}

    def call(self, method, path, body=None, expect=200, headers=()):
        """One setup request as JSON; its decoded answer."""
        headers = [AUTH] + list(headers)
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.append((b'Content-Type', v2_corpus.JSON))
        reply = self.send(wire.request(method, path, headers, body or b''))
        if reply.status != expect:
            raise SetupFailed('%r %r: %s, not %d: %r' % (
                method, path, reply.status, expect, reply.raw[:300]))
        return json.loads(reply.body) if reply.body.strip() else None

    def make_fixtures(self):
        """The queued image ``{Q}`` and the active one ``{A}``."""
        queued = self.call(b'POST', b'/v2/images', {
            'name': 'corpus-queued', 'disk_format': 'raw',
            'container_format': 'bare', 'foo': 'bar', 'tags': ['t1', 't2']},
            expect=201)
        self.ids[b'Q'] = queued['id'].encode()
        self.call(b'POST', b'/v2/images/%s/members' % self.ids[b'Q'],
                  {'member': 'tenant2'})
        active = self.call(b'POST', b'/v2/images', {
            'name': 'corpus-active', 'disk_format': 'raw',
            'container_format': 'bare', 'tags': ['t1']}, expect=201)
        self.ids[b'A'] = active['id'].encode()
        self.call(b'PUT', b'/v2/images/%s/file' % self.ids[b'A'], DATA,
                  expect=204,
                  headers=[(b'Content-Type', b'application/octet-stream')])

    def snapshot(self):
        """What no refused request may change."""
        shot = {'files': sorted(os.listdir(self.image_dir))
                if os.path.isdir(self.image_dir) else []}
        for name, path in (
                ('queued', b'/v2/images/' + self.ids[b'Q']),
                ('active', b'/v2/images/' + self.ids[b'A']),
                ('members', b'/v2/images/%s/members' % self.ids[b'Q']),
                ('images', b'/v2/images'), ('tasks', b'/v2/tasks')):
            reply = self.send(wire.request(b'GET', path, [AUTH]))
            shot[name] = (reply.status, reply.body)
        return shot

    def run(self, cases=None):
        """Send every case; return the list of problems found."""
        cases = v2_corpus.all_cases() if cases is None else cases
        problems = []
        before = self.snapshot()
        for case in cases:
            problem, before = self.run_one(case, before)
            if problem:
                problems.append(problem)
        return problems

    def run_one(self, case, before):
        """Send *case*; ``(problem or None, the snapshot after it)``."""
        target, body, headers = case.fill(self.ids)
        auth = (AUTH,) if case.token is None else (
            ((AUTH[0], case.token),) if case.token else ())
        reply = self.send(wire.request(case.method, target, auth + headers,
                                       body, case.length))
        after = self.snapshot()
        problem = _answer_problem(case, reply)
        if problem is None and b'"status": "saving"' in after['images'][1]:
            problem = '%s: an image is left saving' % case.name
        if problem is None and _seen(after, case) != _seen(before, case):
            changed = sorted(key for key in after
                             if after[key] != before[key])
            problem = '%s: changed %s: %r' % (
                case.name, changed, [after[key] for key in changed])
        return problem, after


def _seen(shot, case):
    """What *case* may not change of snapshot *shot*."""
    if not case.began:
        return shot
    return {key: (value[0], _UPDATED_AT.sub(b'', value[1]))
            if key in ('queued', 'images') else value
            for key, value in shot.items()}


def _answer_problem(case, reply):
    """What is wrong with *reply* to *case* (None: nothing)."""
    if reply.status not in case.expect:
        return '%s: status %s, expected %s: %r' % (
            case.name, reply.status, '/'.join(map(str, case.expect)),
            reply.raw[:300])
    if reply.rest:
        return '%s: bytes after the response: %r' % (case.name,
                                                     reply.rest[:100])
    allow = reply.headers.get('allow', '').encode('latin-1')
    if case.allow is not None and allow != case.allow:
        return '%s: Allow %r, expected %r' % (
            case.name, reply.headers.get('allow'), case.allow)
    return None
