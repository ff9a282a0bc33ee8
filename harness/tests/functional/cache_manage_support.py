"""Helpers of the cache management, CLI and cache tool functional tests
(9b): a test base with the ``cachemanagement`` flavor and either driver,
the management API, and the cache tools run as real programs.
"""

import json
import os
import sys

from harness.glance import functional
from harness.glance import utils
from harness.tests.functional import v1_support as v1

FIVE_KB = 5 * 1024

#: What Glance's functional tests wrote as glance-cache.conf.
CACHE_CONF = """[DEFAULT]
debug = True
verbose = True
image_cache_dir = %(image_cache_dir)s
image_cache_driver = %(image_cache_driver)s
registry_host = 127.0.0.1
registry_port = %(registry_port)s
metadata_encryption_key = %(metadata_encryption_key)s
log_file = %(log_file)s
"""


class CacheTest(functional.FunctionalTest):
    """Servers with the cache management pipeline and :attr:`driver`."""

    driver = 'sqlite'
    flavor = 'cachemanagement'

    def setUp(self):
        super().setUp()
        if self.driver == 'xattr' and not utils.xattr_writes_supported(
                self.test_dir):
            self.skipTest('user xattrs are not supported in %s'
                          % self.test_dir)
        self.api_server.deployment_flavor = self.flavor
        self.api_server.image_cache_driver = self.driver

    def start(self, **overrides):
        kwargs = self.__dict__.copy()
        kwargs.update(overrides)
        self.start_servers(**kwargs)
        self.api = v1.V1(self.api_port)

    # -- images ------------------------------------------------------------

    def create_image(self, data=b'*' * FIVE_KB, name='Image1'):
        """A public, active v1 image holding *data*; return its id."""
        image = self.api.create_ok(v1.minimal_headers(name), data)
        self.assertEqual('active', image['status'])
        return image['id']

    def download(self, image_id, expected=None):
        status, _, body = self.api.request('GET', '/v1/images/' + image_id)
        self.assertEqual(200, status, body)
        if expected is not None:
            self.assertEqual(expected, body)
        return body

    def cache_image(self, image_id):
        """Download *image_id* and wait until the cache entry is there."""
        self.download(image_id)
        v1.wait_for(lambda: os.path.exists(self.cache_path(image_id)))

    def cache_path(self, image_id, kind=''):
        return os.path.join(self.api_server.image_cache_dir, kind, image_id)

    def files(self, kind):
        folder = os.path.join(self.api_server.image_cache_dir, kind)
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    # -- the management API ------------------------------------------------

    def manage(self, method, path, expected=200):
        """Call a management route; return the decoded JSON body."""
        status, headers, body = self.api.request(method, path)
        self.assertEqual(expected, status, body)
        if expected != 200:
            return body
        self.assertEqual('application/json', headers['content-type'])
        return json.loads(body)

    def cached(self):
        """``{image_id: entry}`` of ``GET /v1/cached_images``."""
        listing = self.manage('GET', '/v1/cached_images')['cached_images']
        return {entry['image_id']: entry for entry in listing}

    def queued(self):
        return self.manage('GET', '/v1/queued_images')['queued_images']

    # -- the programs ------------------------------------------------------

    def write_cache_conf(self, **extra):
        """Write etc/harness-cache.conf as Glance's tests wrote theirs."""
        values = {'image_cache_dir': self.api_server.image_cache_dir,
                  'image_cache_driver': self.driver,
                  'registry_port': self.registry_port,
                  'metadata_encryption_key':
                      self.api_server.metadata_encryption_key,
                  'log_file': os.path.join(self.test_dir, 'cache.log')}
        text = CACHE_CONF % values
        text += ''.join('%s = %s\n' % item for item in extra.items())
        path = os.path.join(self.test_dir, 'etc', 'harness-cache.conf')
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    def run_tool(self, name, conf_file, expected_exitcode=0):
        """Run ``harness.cmd.cache_<name>``; return ``(out, err)``."""
        cmd = '%s -m harness.cmd.cache_%s --config-file %s' % (
            sys.executable, name, conf_file)
        exitcode, out, err = utils.execute(cmd, raise_error=False)
        self.assertEqual(expected_exitcode, exitcode, err)
        self.assertNotIn('Traceback', err)
        return out, err

    def cache_manage(self, args, expected_exitcode=0, port=None):
        """Run ``harness.cmd.cache_manage`` against the API; return
        ``(out, err)``."""
        port = self.api_port if port is None else port
        cmd = '%s -m harness.cmd.cache_manage -H 127.0.0.1 --port=%d %s' % (
            sys.executable, port, args)
        exitcode, out, err = utils.execute(cmd, raise_error=False)
        self.assertEqual(expected_exitcode, exitcode,
                         'stdout: %s\nstderr: %s' % (out, err))
        self.assertNotIn('Traceback', err)
        return out, err
