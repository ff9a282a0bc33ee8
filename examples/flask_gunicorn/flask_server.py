"""How the harness starts the Flask service: gunicorn, 2 sync workers,
the pre-bound socket handed over by systemd's socket activation."""

import os
import sys

from harness import readiness
from harness import server

HERE = os.path.dirname(os.path.abspath(__file__))


class FlaskService(server.Server):
    """``gunicorn --workers 2 flask_service:app`` on the harness's socket.

    No ``--bind``: with ``socket_activation`` gunicorn finds the socket
    at descriptor 3 (``LISTEN_FDS``, ``LISTEN_PID``), as under systemd.
    """

    socket_activation = True
    readiness = readiness.HttpGet('/hello/readiness', 200)

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'flask'
        # This very interpreter, as -m: patch, spy and clock reach it.
        self.command = [sys.executable, '-m', 'gunicorn', '--workers', '2',
                        '--chdir', HERE, 'flask_service:app']
