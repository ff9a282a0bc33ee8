"""How the harness starts the ASGI service: uvicorn on the pre-bound
socket, by its descriptor number (``--fd %(socket_fd)s``)."""

import os
import sys

from harness import readiness
from harness import server

HERE = os.path.dirname(os.path.abspath(__file__))


class AsgiService(server.Server):
    """``uvicorn --fd N asgi_service:app``, one process."""

    readiness = readiness.HttpGet('/hello/readiness', 200)
    workers = []

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'asgi'
        # This very interpreter, as -m: patch, spy and clock reach it.
        self.command = [sys.executable, '-m', 'uvicorn',
                        '--fd', '%(socket_fd)s', '--app-dir', HERE,
                        ] + self.workers + ['asgi_service:app']


class AsgiWorkers(AsgiService):
    """The same with ``--workers 2``: uvicorn starts its workers with
    ``multiprocessing``'s spawn method."""

    workers = ['--workers', '2']
