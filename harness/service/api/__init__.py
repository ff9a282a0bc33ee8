"""The image API application: a URL map of versions, ``/v1``, ``/v2``.

Also :class:`ImagesRouter`, what the version routers build on.
"""

from harness.service import policy
from harness.service import process_conf
from harness.service import property_protections
from harness.service import webapp


def enabled_prefixes(conf, prefixes):
    """Drop ``/v1`` / ``/v2`` from *prefixes* for disabled APIs."""
    disabled = set()
    if not conf.enable_v1_api:
        disabled.add('/v1')
    if not conf.enable_v2_api:
        disabled.add('/v2')
    return [prefix for prefix in prefixes
            if prefix.rstrip('/') not in disabled]


def root_app_factory(loader, global_conf, **local_conf):
    """paste ``composite_factory`` of ``[composite:rootapp]``.

    *local_conf* maps a path prefix to the name of a paste app.
    """
    conf = process_conf.get_conf()
    prefixes = [key for key in local_conf if key.startswith('/')]
    apps = {}
    for prefix in enabled_prefixes(conf, prefixes):
        apps[prefix] = loader.get_app(local_conf[prefix],
                                      global_conf=global_conf)
    return webapp.PrefixMap(apps)


#: Default of ``property_rules``: load them from the configuration.
UNSET = object()


class ImagesRouter(webapp.Router):
    """A version's images app: what its controllers share.

    :param conf: service configuration (default: the process one).
    :param property_rules: loaded property protections; by default loaded
        from ``conf.property_protection_file`` (``None``: disabled).
    """

    def __init__(self, conf=None, property_rules=UNSET):
        super().__init__()
        self.conf = process_conf.get_conf() if conf is None else conf
        self.enforcer = policy.Enforcer(self.conf)
        if property_rules is UNSET:
            property_rules = property_protections.load(self.conf,
                                                       self.enforcer)
        self.property_rules = property_rules

    def enforce(self, ctx, action, target=None):
        """Bare ``403`` unless policy allows *action*."""
        self.enforcer.enforce(ctx, action, target or {})
