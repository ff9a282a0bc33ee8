"""A small ASGI service: a plain ASGI callable, no framework.

Run it as uvicorn runs it: ``uvicorn asgi_service:app``.  Nothing here
knows about the harness: uvicorn takes its socket from ``--fd N``.
"""

import json
import os
import time


def greeting(name):
    """What the service says; the test makes it fail with ``patch``."""
    return 'hello, %s' % name


def answer(path):
    """``(status, body)`` for *path*."""
    if path.startswith('/hello/'):
        try:
            return 200, {'greeting': greeting(path[len('/hello/'):]),
                         'pid': os.getpid()}
        except Exception as exc:  # the service's own error page
            return 500, {'error': str(exc)}
    if path == '/time':
        return 200, {'now': time.time(), 'pid': os.getpid()}
    return 404, {'error': 'not found'}


async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await send({'type': 'lifespan.shutdown.complete'})
                return
    status, body = answer(scope['path'])
    payload = json.dumps(body).encode()
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'),
                            (b'content-length', b'%d' % len(payload))]})
    await send({'type': 'http.response.body', 'body': payload})
