"""A corpus of hostile and careless requests to the v2 API (issue 13).

Each :class:`Case` is one request that must get exactly its 4xx (never
a 5xx, a hang or a dropped connection) and change nothing.  The cases
live in one data module per area (:mod:`.json_cases`,
:mod:`.patch_cases`, :mod:`.query_cases`, :mod:`.upload_cases`,
:mod:`.member_task_cases`, :mod:`.method_cases`, :mod:`.auth_cases`);
:mod:`.runner` sends
them, in-process or to a launched API, and checks the invariants after
each.

Targets and bodies name the fixture images with placeholders:
``{Q}`` (queued, with a property, tags and a member), ``{A}`` (active,
with data) and ``{M}`` (an id no image has).
"""

#: Patch media types of the v2 API.
PATCH_V21 = b'application/openstack-images-v2.1-json-patch'
PATCH_V20 = b'application/openstack-images-v2.0-json-patch'
JSON = b'application/json'
#: An id no image ever has.
MISSING_ID = b'00000000-0000-4000-8000-00000000dead'


class Case(object):
    """One hostile request and the status it must get.

    :param name: unique, for reports.
    :param method: bytes.
    :param target: request target (bytes, may hold placeholders).
    :param body: bytes (may hold placeholders).
    :param headers: ``(name, value)`` bytes pairs.
    :param expect: the status (or a tuple of the statuses) it must get.
    :param length: a ``Content-Length`` other than the body's.
    :param allow: the ``Allow`` header a 405 must carry.
    :param token: the ``X-Auth-Token`` to send (default: the runner's
        admin of the fixtures' tenant; ``b''``: none).
    :param began: an upload whose body fails only once it is read: the
        image went ``saving`` and back to ``queued``, which moves its
        ``updated_at`` (the only change allowed; README, differences).
    """

    def __init__(self, name, method, target, body=b'', headers=(),
                 expect=400, length=None, allow=None,
                 began=False, token=None):
        self.name = name
        self.method = method
        self.target = target
        self.body = body
        self.headers = tuple(headers)
        self.expect = expect if isinstance(expect, tuple) else (expect,)
        self.length = length
        self.allow = allow
        self.began = began
        self.token = token

    def fill(self, ids):
        """Target, body and headers with the placeholders replaced."""
        def sub(data):
            for key, value in ids.items():
                data = data.replace(b'{%s}' % key, value)
            return data
        return (sub(self.target), sub(self.body),
                tuple((name, sub(value)) for name, value in self.headers))


def image(image_key=b'Q'):
    """The target of a fixture image."""
    return b'/v2/images/{' + image_key + b'}'


def patch(name, body, expect=400, media=PATCH_V21, target=None, **kw):
    """A PATCH of the queued image with a raw *body*."""
    return Case(name, b'PATCH', target or image(), body,
                [(b'Content-Type', media)], expect, **kw)


def post(name, target, body, expect=400, content_type=JSON, **kw):
    """A POST of a raw *body*."""
    headers = [(b'Content-Type', content_type)] if content_type else []
    return Case(name, b'POST', target, body, headers, expect, **kw)


def get(name, target, expect=400, **kw):
    return Case(name, b'GET', target, expect=expect, **kw)


def all_cases():
    """Every case of the corpus, in a stable order."""
    from harness.tests.v2_corpus import auth_cases
    from harness.tests.v2_corpus import json_cases
    from harness.tests.v2_corpus import member_task_cases
    from harness.tests.v2_corpus import method_cases
    from harness.tests.v2_corpus import patch_cases
    from harness.tests.v2_corpus import query_cases
    from harness.tests.v2_corpus import upload_cases
    cases = []
    for module in (json_cases, patch_cases, query_cases, upload_cases,
                   member_task_cases, method_cases, auth_cases):
        cases.extend(module.CASES)
    return cases
