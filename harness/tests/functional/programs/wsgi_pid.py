"""A WSGI app for gunicorn: answers with its worker's pid."""


def app(environ, start_response):
    import os
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'%d' % os.getpid()]
