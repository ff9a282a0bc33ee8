"""A small Flask service, as a user of the harness might have one.

Run it as gunicorn runs it: ``gunicorn flask_service:app``.  Nothing here
knows about the harness: gunicorn takes its socket by systemd's socket
activation when started so.
"""

import os
import time

import flask

app = flask.Flask(__name__)


def greeting(name):
    """What the service says; the test makes it fail with ``patch``."""
    return 'hello, %s' % name


@app.route('/hello/<name>')
def hello(name):
    return {'greeting': greeting(name), 'pid': os.getpid()}


@app.route('/time')
def now():
    return {'now': time.time(), 'pid': os.getpid()}
