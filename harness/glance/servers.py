"""The reference service's servers, declared as Glance 2014.1 declared them.

:class:`HarnessServer` is what the three have in common: the ready byte,
the SIGHUP reload, the preload, and a database (``sql_connection``,
provisioned before each launch by :mod:`harness.databases.provision`).

Attributes, defaults and template keys are the seed's (Glance 2014.1's
``glance/tests/functional/__init__.py``); module paths have ``glance``
renamed ``harness`` (``glance.cmd.api`` -> ``harness.cmd.api``).
"""

import os
import signal

from harness.databases import provision as database
from harness.glance import templates
from harness.process import server

KI = 1024


class HarnessServer(server.Server):
    """A program of the reference service: ready byte, SIGHUP reload."""

    reload_signal = signal.SIGHUP
    ready_event = True
    preload = True

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.sql_connection = database.default_url(test_dir)

    def create_database(self):
        """Give the server a synced database, if it needs one."""
        if self.needs_database:
            database.provision(self.sql_connection,
                               os.path.join(self.test_dir, 'etc'))


class ApiServer(HarnessServer):
    """Server object that starts/stops/manages the API server."""

    def __init__(self, test_dir, port, policy_file, delayed_delete=False,
                 pid_file=None, sock=None, **kwargs):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'api'
        self.server_module = 'harness.cmd.%s' % self.server_name
        self.default_store = kwargs.get('default_store', 'file')
        self.key_file = ''
        self.cert_file = ''
        self.metadata_encryption_key = '012345678901234567890123456789ab'
        self.image_dir = os.path.join(self.test_dir, 'images')
        self.pid_file = pid_file or os.path.join(self.test_dir, 'api.pid')
        self.scrubber_datadir = os.path.join(self.test_dir, 'scrubber')
        self.log_file = os.path.join(self.test_dir, 'api.log')
        self.s3_store_host = 's3.amazonaws.com'
        self.s3_store_access_key = ''
        self.s3_store_secret_key = ''
        self.s3_store_bucket = ''
        self.s3_store_bucket_url_format = ''
        self.swift_store_auth_version = kwargs.get(
            'swift_store_auth_version', '2')
        self.swift_store_auth_address = kwargs.get(
            'swift_store_auth_address', '')
        self.swift_store_user = kwargs.get('swift_store_user', '')
        self.swift_store_key = kwargs.get('swift_store_key', '')
        self.swift_store_container = kwargs.get('swift_store_container', '')
        self.swift_store_create_container_on_put = kwargs.get(
            'swift_store_create_container_on_put', 'True')
        self.swift_store_large_object_size = 5 * KI
        self.swift_store_large_object_chunk_size = 200
        self.swift_store_multi_tenant = False
        self.swift_store_admin_tenants = []
        self.rbd_store_ceph_conf = ''
        self.rbd_store_pool = ''
        self.rbd_store_user = ''
        self.rbd_store_chunk_size = 4
        self.delayed_delete = delayed_delete
        self.owner_is_tenant = True
        self.workers = 0
        self.scrub_time = 5
        self.image_cache_dir = os.path.join(self.test_dir, 'cache')
        self.image_cache_driver = 'sqlite'
        self.policy_file = policy_file
        self.policy_default_rule = 'default'
        self.property_protection_rule_format = 'roles'
        self.image_member_quota = 10
        self.image_property_quota = 10
        self.image_tag_quota = 10
        self.image_location_quota = 2
        self.needs_database = True
        self.user_storage_quota = 0
        # Not in the seed's template: written so that a start can override
        # it like any key (the service's own default, 1 TiB).
        self.image_size_cap = 1099511627776
        self.lock_path = self.test_dir
        self.location_strategy = 'location_order'
        self.store_type_location_strategy_preference = ''
        self.conf_base = templates.API_CONF
        self.paste_conf_base = templates.API_PASTE


class RegistryServer(HarnessServer):
    """Server object that starts/stops/manages the Registry server."""

    def __init__(self, test_dir, port, sock=None):
        super().__init__(test_dir, port, sock=sock)
        self.server_name = 'registry'
        self.server_module = 'harness.cmd.%s' % self.server_name
        self.needs_database = True
        self.pid_file = os.path.join(self.test_dir, 'registry.pid')
        self.log_file = os.path.join(self.test_dir, 'registry.log')
        self.owner_is_tenant = True
        self.workers = 0
        self.api_version = 1
        self.user_storage_quota = 0
        self.conf_base = templates.REGISTRY_CONF
        self.paste_conf_base = templates.REGISTRY_PASTE


class ScrubberDaemon(HarnessServer):
    """Server object that starts/stops/manages the Scrubber server."""

    def __init__(self, test_dir, daemon=False, **kwargs):
        # Port 0: the scrubber does not listen.
        super().__init__(test_dir, 0)
        self.server_name = 'scrubber'
        self.server_module = 'harness.cmd.%s' % self.server_name
        self.daemon = daemon
        self.image_dir = os.path.join(self.test_dir, 'images')
        self.scrubber_datadir = os.path.join(self.test_dir, 'scrubber')
        self.pid_file = os.path.join(self.test_dir, 'scrubber.pid')
        self.log_file = os.path.join(self.test_dir, 'scrubber.log')
        self.swift_store_auth_address = kwargs.get(
            'swift_store_auth_address', '')
        self.swift_store_user = kwargs.get('swift_store_user', '')
        self.swift_store_key = kwargs.get('swift_store_key', '')
        self.swift_store_container = kwargs.get('swift_store_container', '')
        self.swift_store_auth_version = kwargs.get(
            'swift_store_auth_version', '2')
        self.metadata_encryption_key = '012345678901234567890123456789ab'
        self.lock_path = self.test_dir
        self.conf_base = templates.SCRUBBER_CONF

    def start(self, expect_exit=True, expected_exitcode=0, **kwargs):
        """As :meth:`Server.start`; a ``daemon`` kwarg means keep running."""
        if 'daemon' in kwargs:
            expect_exit = False
        return super().start(expect_exit=expect_exit,
                             expected_exitcode=expected_exitcode, **kwargs)
