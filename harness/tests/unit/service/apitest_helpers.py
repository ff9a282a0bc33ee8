"""Shared helpers of the API layer unit tests (config, policy, fakes)."""

import json
import os

import webob
import webob.dec

from harness.service import config
from harness.service import process_conf


def make_conf(sections=None, config_files=(), **defaults):
    """Return a :class:`Conf` with *defaults* in ``[DEFAULT]``.

    Values are written as the strings an INI file would hold.
    """
    raw = {name: dict(values) for name, values in (sections or {}).items()}
    raw.setdefault('DEFAULT', {}).update(
        (key, str(value)) for key, value in defaults.items())
    return config.Conf(raw, config_files)


def use_conf(test, conf):
    """Make *conf* the process configuration for the duration of *test*."""
    process_conf.set_conf(conf)
    test.addCleanup(process_conf.set_conf, None)
    return conf


def write_policy(path, rules):
    """Write *rules* as a policy.json file at *path*.

    The file is replaced (new inode), as a test rewriting it would do.
    """
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as handle:
        json.dump(rules, handle)
    os.replace(tmp, path)


class EchoApp(object):
    """WSGI app answering ``SCRIPT_NAME|PATH_INFO`` and recording calls."""

    def __init__(self, content_type='text/plain'):
        self.content_type = content_type
        self.environs = []

    @webob.dec.wsgify
    def __call__(self, req):
        self.environs.append(req.environ)
        body = '%s|%s' % (req.script_name, req.path_info)
        return webob.Response(body=body.encode('utf-8'),
                              content_type=self.content_type, charset=None)


class FakeRegistryClient(object):
    """Stands in for ``harness.service.registry.client.RegistryClient``."""

    def __init__(self, images, calls):
        self.images = images
        self.calls = calls

    def get_images(self, **params):
        self.calls.append(('get_images', params))
        brief = ('id', 'name', 'size', 'disk_format', 'container_format',
                 'checksum')
        return [{key: image.get(key) for key in brief}
                for image in self.images]

    def get_images_detailed(self, **params):
        self.calls.append(('get_images_detailed', params))
        return [dict(image) for image in self.images]


def fake_client_factory(images=(), calls=None, contexts=None):
    """Return a ``(conf, context) -> FakeRegistryClient`` factory."""
    calls = [] if calls is None else calls
    contexts = [] if contexts is None else contexts

    def factory(conf, ctx):
        contexts.append(ctx)
        return FakeRegistryClient(list(images), calls)
    return factory
