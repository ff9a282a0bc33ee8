"""A WSGI and an ASGI app for real gunicorn and uvicorn servers.

Each answers every request with the JSON the family server sends
(:mod:`harness.tests.functional.programs.family.serve`): the pid that
served it and :func:`~harness.tests.functional.programs.family.work.answer`,
or the exception it raised.
"""

import json
import os

from harness.tests.functional.programs.family import work


def _body():
    try:
        body = {'pid': os.getpid(), 'answer': work.answer(0)}
    except Exception as exc:
        body = {'pid': os.getpid(), 'error': repr(exc)}
    return json.dumps(body).encode('utf-8') + b'\n'


def wsgi(environ, start_response):
    body = _body()
    start_response('200 OK', [('Content-Type', 'application/json'),
                              ('Content-Length', str(len(body)))])
    return [body]


async def asgi(scope, receive, send):
    if scope['type'] != 'http':
        return  # lifespan: nothing to set up
    body = _body()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'application/json')]})
    await send({'type': 'http.response.body', 'body': body})
