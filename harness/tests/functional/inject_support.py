"""Shared set-up of the tests that reach inside the servers.

Every such test class runs three ways: a single process per server
(``workers = 0``, launched as ``HARNESS_PRELOAD`` says); two pre-forked
workers, preloaded; and two workers started with fork/exec
(``HARNESS_PRELOAD=0``).
:func:`variants` makes the last two from the first.
"""

import json

import fixtures

from harness.glance import functional
from harness.tests.functional import v1_support as v1
from harness.tests.functional import v2_support as v2

OCTET = {'Content-Type': 'application/octet-stream'}


class InjectTest(functional.FunctionalTest):
    """Servers with fakeauth, started in the variant's way."""

    workers = 0
    #: True/False: preloaded or fork/exec; None: as ``HARNESS_PRELOAD``
    #: says (so ``tox -e functional-exec`` runs the base class with exec).
    preload = None
    #: Extra ``[DEFAULT]`` lines of api.conf (keys the template lacks).
    api_conf_lines = ''
    #: Start the servers in ``setUp``.
    start_in_setup = True

    def setUp(self):
        super().setUp()
        if self.preload is not None:
            self.useFixture(fixtures.EnvironmentVariable(
                'HARNESS_PRELOAD', '1' if self.preload else '0'))
        for server in (self.api_server, self.registry_server):
            server.deployment_flavor = 'fakeauth'
            server.workers = self.workers
        if self.api_conf_lines:
            self.api_server.conf_base = self.api_server.conf_base.replace(
                '[paste_deploy]', self.api_conf_lines + '[paste_deploy]')
        self.v1 = v1.V1(self.api_port, {'X-Auth-Token': v2.TENANT1})
        self.v2 = v2.V2(self.api_port, v2.TENANT1)
        if self.start_in_setup:
            self.start_servers(**self.server_kwargs())

    def server_kwargs(self, **overrides):
        kwargs = self.__dict__.copy()
        kwargs.update(overrides)
        return kwargs

    def files(self):
        """Every entry of the image directory, partial files included."""
        return v1.image_files(self.api_server.image_dir)

    def v2_image(self, **attrs):
        attrs.setdefault('name', 'image')
        attrs.setdefault('disk_format', 'raw')
        attrs.setdefault('container_format', 'bare')
        return self.v2.create(**attrs)

    def v2_upload(self, image_id, data):
        status, _, body = self.v2.request(
            'PUT', '/images/%s/file' % image_id, data, OCTET)
        return status, body

    def v1_names(self):
        return sorted(image['name'] for image in json.loads(
            self.v1.request('GET', '/v1/images/detail?is_public=none')[2]
        )['images'])


def variants(base, namespace):
    """Add ``<Base>Workers`` and ``<Base>WorkersExec`` to *namespace*."""
    for suffix, preload in (('Workers', True), ('WorkersExec', False)):
        name = base.__name__ + suffix
        namespace[name] = type(name, (base,), {
            'workers': 2, 'preload': preload,
            '__module__': namespace['__name__'],
            '__doc__': '%s with 2 workers, %s.' % (
                base.__name__, 'preloaded' if preload else 'fork/exec')})
