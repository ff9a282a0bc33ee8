"""A one-file Django project, served by ``runserver``
(``python -m`` this module ``runserver 127.0.0.1:PORT``).

``runserver``'s autoreloader serves from a child it starts with
``subprocess`` and this very interpreter; its view answers as the
family server does (:mod:`harness.tests.functional.programs.webapps`).
"""

import sys

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

from harness.tests.functional.programs import webapps

if not settings.configured:  # preloaded: imported once already
    settings.configure(DEBUG=True, ROOT_URLCONF=__name__,
                       ALLOWED_HOSTS=['*'], SECRET_KEY='harness-tests-only',
                       USE_TZ=True)


def view(request):
    return HttpResponse(webapps._body(), content_type='application/json')


urlpatterns = [path('', view)]


if __name__ == '__main__':
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
