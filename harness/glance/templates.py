"""Conf and paste.ini templates the harness writes for each server.

They are the templates of Glance 2014.1's functional tests with
``glance`` renamed ``harness`` in module paths and program names.  Every ``%(name)s`` is filled from the server's
attributes, overridden by the keyword arguments of ``start()``.  Keys that
the reference service does not use are still written, as Glance did: a
server must accept every key.
"""

API_CONF = """[DEFAULT]
verbose = %(verbose)s
debug = %(debug)s
default_log_levels = eventlet.wsgi.server=DEBUG
filesystem_store_datadir=%(image_dir)s
default_store = %(default_store)s
bind_host = 127.0.0.1
bind_port = %(bind_port)s
key_file = %(key_file)s
cert_file = %(cert_file)s
metadata_encryption_key = %(metadata_encryption_key)s
registry_host = 127.0.0.1
registry_port = %(registry_port)s
log_file = %(log_file)s
s3_store_host = %(s3_store_host)s
s3_store_access_key = %(s3_store_access_key)s
s3_store_secret_key = %(s3_store_secret_key)s
s3_store_bucket = %(s3_store_bucket)s
s3_store_bucket_url_format = %(s3_store_bucket_url_format)s
swift_store_auth_version = %(swift_store_auth_version)s
swift_store_auth_address = %(swift_store_auth_address)s
swift_store_user = %(swift_store_user)s
swift_store_key = %(swift_store_key)s
swift_store_container = %(swift_store_container)s
swift_store_create_container_on_put = %(swift_store_create_container_on_put)s
swift_store_large_object_size = %(swift_store_large_object_size)s
swift_store_large_object_chunk_size = %(swift_store_large_object_chunk_size)s
swift_store_multi_tenant = %(swift_store_multi_tenant)s
swift_store_admin_tenants = %(swift_store_admin_tenants)s
rbd_store_chunk_size = %(rbd_store_chunk_size)s
rbd_store_user = %(rbd_store_user)s
rbd_store_pool = %(rbd_store_pool)s
rbd_store_ceph_conf = %(rbd_store_ceph_conf)s
delayed_delete = %(delayed_delete)s
owner_is_tenant = %(owner_is_tenant)s
workers = %(workers)s
scrub_time = %(scrub_time)s
scrubber_datadir = %(scrubber_datadir)s
image_cache_dir = %(image_cache_dir)s
image_cache_driver = %(image_cache_driver)s
policy_file = %(policy_file)s
policy_default_rule = %(policy_default_rule)s
db_auto_create = False
sql_connection = %(sql_connection)s
show_image_direct_url = %(show_image_direct_url)s
show_multiple_locations = %(show_multiple_locations)s
user_storage_quota = %(user_storage_quota)s
image_size_cap = %(image_size_cap)s
enable_v1_api = %(enable_v1_api)s
enable_v2_api = %(enable_v2_api)s
lock_path = %(lock_path)s
enable_v2_api= %(enable_v2_api)s
property_protection_file = %(property_protection_file)s
property_protection_rule_format = %(property_protection_rule_format)s
image_member_quota=%(image_member_quota)s
image_property_quota=%(image_property_quota)s
image_tag_quota=%(image_tag_quota)s
image_location_quota=%(image_location_quota)s
location_strategy=%(location_strategy)s
[paste_deploy]
flavor = %(deployment_flavor)s
[store_type_location_strategy]
store_type_preference = %(store_type_location_strategy_preference)s
"""

_MW = 'harness.service.api.middleware'

API_PASTE = """[pipeline:harness-api]
pipeline = versionnegotiation gzip unauthenticated-context rootapp

[pipeline:harness-api-caching]
pipeline = versionnegotiation gzip unauthenticated-context cache rootapp

[pipeline:harness-api-cachemanagement]
pipeline =
    versionnegotiation
    gzip
    unauthenticated-context
    cache
    cache_manage
    rootapp

[pipeline:harness-api-fakeauth]
pipeline = versionnegotiation gzip fakeauth context rootapp

[pipeline:harness-api-noauth]
pipeline = versionnegotiation gzip context rootapp

[composite:rootapp]
paste.composite_factory = harness.service.api:root_app_factory
/: apiversions
/v1: apiv1app
/v2: apiv2app

[app:apiversions]
paste.app_factory = harness.service.api.versions:create_resource

[app:apiv1app]
paste.app_factory = harness.service.api.v1.router:API.factory

[app:apiv2app]
paste.app_factory = harness.service.api.v2.router:API.factory

[filter:versionnegotiation]
paste.filter_factory = %(mw)s.version_negotiation:VersionNegotiationFilter.factory

[filter:gzip]
paste.filter_factory = %(mw)s.gzip:GzipMiddleware.factory

[filter:cache]
paste.filter_factory = %(mw)s.cache:CacheFilter.factory

[filter:cache_manage]
paste.filter_factory = %(mw)s.cache_manage:CacheManageFilter.factory

[filter:context]
paste.filter_factory = %(mw)s.context:ContextMiddleware.factory

[filter:unauthenticated-context]
paste.filter_factory = %(mw)s.context:UnauthenticatedContextMiddleware.factory

[filter:fakeauth]
paste.filter_factory = %(mw)s.fakeauth:FakeAuthMiddleware.factory
""".replace('%(mw)s', _MW)

REGISTRY_CONF = """[DEFAULT]
verbose = %(verbose)s
debug = %(debug)s
bind_host = 127.0.0.1
bind_port = %(bind_port)s
log_file = %(log_file)s
db_auto_create = False
sql_connection = %(sql_connection)s
sql_idle_timeout = 3600
api_limit_max = 1000
limit_param_default = 25
owner_is_tenant = %(owner_is_tenant)s
enable_v2_registry = %(enable_v2_registry)s
workers = %(workers)s
user_storage_quota = %(user_storage_quota)s
[paste_deploy]
flavor = %(deployment_flavor)s
"""

REGISTRY_PASTE = """[pipeline:harness-registry]
pipeline = unauthenticated-context registryapp

[pipeline:harness-registry-fakeauth]
pipeline = fakeauth context registryapp

[app:registryapp]
paste.app_factory = harness.service.registry.api:API.factory

[filter:context]
paste.filter_factory = %(mw)s.context:ContextMiddleware.factory

[filter:unauthenticated-context]
paste.filter_factory = %(mw)s.context:UnauthenticatedContextMiddleware.factory

[filter:fakeauth]
paste.filter_factory = %(mw)s.fakeauth:FakeAuthMiddleware.factory
""".replace('%(mw)s', _MW)

SCRUBBER_CONF = """[DEFAULT]
verbose = %(verbose)s
debug = %(debug)s
filesystem_store_datadir=%(image_dir)s
log_file = %(log_file)s
daemon = %(daemon)s
wakeup_time = 2
scrubber_datadir = %(scrubber_datadir)s
registry_host = 127.0.0.1
registry_port = %(registry_port)s
metadata_encryption_key = %(metadata_encryption_key)s
swift_store_auth_address = %(swift_store_auth_address)s
swift_store_user = %(swift_store_user)s
swift_store_key = %(swift_store_key)s
swift_store_container = %(swift_store_container)s
swift_store_auth_version = %(swift_store_auth_version)s
lock_path = %(lock_path)s
"""

MANAGE_CONF = """[DEFAULT]
sql_connection = %(sql_connection)s
"""
