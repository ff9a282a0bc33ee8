"""Lenient INI configuration for the reference service, oslo.config style.

The harness writes INI files in which a key may appear twice and which
carry many keys a given program never uses.  :func:`parse_args` reads them
leniently: the last value of a key wins, unknown keys are kept as raw
strings, and the options in :data:`OPTIONS` are converted to their type with
their Glance 2014.1 default.

The loaded :class:`Conf` is a plain object: ``conf.bind_port`` reads the
``[DEFAULT]`` section, ``conf.get('flavor', 'paste_deploy')`` any section.
"""

import argparse
import configparser
import glob
import os

from harness.errors import ConfigError

_TRUE = ('true', '1', 'yes', 'on', 'y', 't')
_FALSE = ('false', '0', 'no', 'off', 'n', 'f')


def to_bool(value, name='value'):
    """Convert an oslo-style boolean string; ``None`` stays ``None``."""
    if value is None or isinstance(value, bool):
        return value
    low = str(value).strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError("Invalid boolean value %r for option %s" % (value, name))


def to_list(value, name='value'):
    """Split a comma separated option into stripped, non-empty items."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(',') if item.strip()]


_CONVERTERS = {str: lambda v, n: v, bool: to_bool, list: to_list,
               int: lambda v, n: _number(int, v, n),
               float: lambda v, n: _number(float, v, n)}


def _number(kind, value, name):
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError("Invalid %s value %r for option %s"
                          % (kind.__name__, value, name)) from None


# (section, name) -> (type, default).  Only options whose type or default
# matters are listed; any other key is accepted and returned as a string.
OPTIONS = {
    ('DEFAULT', 'verbose'): (bool, False),
    ('DEFAULT', 'debug'): (bool, False),
    ('DEFAULT', 'default_log_levels'): (list, []),
    ('DEFAULT', 'log_file'): (str, None),
    ('DEFAULT', 'use_stderr'): (bool, True),
    ('DEFAULT', 'bind_host'): (str, '0.0.0.0'),
    ('DEFAULT', 'bind_port'): (int, None),
    ('DEFAULT', 'backlog'): (int, 4096),
    ('DEFAULT', 'tcp_keepidle'): (int, 600),
    ('DEFAULT', 'workers'): (int, 1),
    ('DEFAULT', 'max_header_line'): (int, 16384),
    ('DEFAULT', 'key_file'): (str, None),
    ('DEFAULT', 'cert_file'): (str, None),
    ('DEFAULT', 'ca_file'): (str, None),
    ('DEFAULT', 'registry_host'): (str, '0.0.0.0'),
    ('DEFAULT', 'registry_port'): (int, 9191),
    ('DEFAULT', 'registry_client_timeout'): (int, 600),
    ('DEFAULT', 'enable_v1_api'): (bool, True),
    ('DEFAULT', 'enable_v2_api'): (bool, True),
    ('DEFAULT', 'enable_v1_registry'): (bool, True),
    ('DEFAULT', 'enable_v2_registry'): (bool, True),
    ('DEFAULT', 'sql_connection'): (str, None),
    ('DEFAULT', 'sql_idle_timeout'): (int, 3600),
    ('DEFAULT', 'api_limit_max'): (int, 1000),
    ('DEFAULT', 'limit_param_default'): (int, 25),
    ('DEFAULT', 'owner_is_tenant'): (bool, True),
    ('DEFAULT', 'admin_role'): (str, 'admin'),
    ('DEFAULT', 'allow_anonymous_access'): (bool, False),
    ('DEFAULT', 'policy_file'): (str, 'policy.json'),
    ('DEFAULT', 'policy_default_rule'): (str, 'default'),
    ('DEFAULT', 'default_store'): (str, 'file'),
    ('DEFAULT', 'filesystem_store_datadir'): (str, None),
    ('DEFAULT', 'delayed_delete'): (bool, False),
    ('DEFAULT', 'scrub_time'): (int, 0),
    ('DEFAULT', 'scrubber_datadir'): (str, '/var/lib/harness/scrubber'),
    ('DEFAULT', 'daemon'): (bool, False),
    ('DEFAULT', 'wakeup_time'): (int, 300),
    ('DEFAULT', 'cleanup_scrubber'): (bool, False),
    ('DEFAULT', 'cleanup_scrubber_time'): (int, 86400),
    ('DEFAULT', 'metadata_encryption_key'): (str, None),
    ('DEFAULT', 'lock_path'): (str, None),
    ('DEFAULT', 'user_storage_quota'): (int, 0),
    ('DEFAULT', 'image_member_quota'): (int, 128),
    ('DEFAULT', 'image_property_quota'): (int, 128),
    ('DEFAULT', 'image_tag_quota'): (int, 128),
    ('DEFAULT', 'image_location_quota'): (int, 10),
    ('DEFAULT', 'image_size_cap'): (int, 1099511627776),
    ('DEFAULT', 'image_cache_dir'): (str, None),
    ('DEFAULT', 'image_cache_driver'): (str, 'sqlite'),
    ('DEFAULT', 'show_image_direct_url'): (bool, False),
    ('DEFAULT', 'show_multiple_locations'): (bool, False),
    ('DEFAULT', 'property_protection_file'): (str, None),
    ('DEFAULT', 'property_protection_rule_format'): (str, 'roles'),
    ('DEFAULT', 'location_strategy'): (str, 'location_order'),
    ('DEFAULT', 'allow_additional_image_properties'): (bool, True),
    ('DEFAULT', 'use_user_token'): (bool, True),
    ('database', 'connection'): (str, None),
    ('database', 'idle_timeout'): (int, 3600),
    ('paste_deploy', 'flavor'): (str, None),
    ('paste_deploy', 'config_file'): (str, None),
    ('image_format', 'container_formats'):
        (list, ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova']),
    ('image_format', 'disk_formats'):
        (list, ['ami', 'ari', 'aki', 'vhd', 'vmdk', 'raw', 'qcow2', 'vdi',
                'iso']),
    ('store_type_location_strategy', 'store_type_preference'): (list, []),
}

# Where a relative file name (policy.json, a paste file...) is looked for
# after the directory of the last --config-file.
SEARCH_DIRS = ('~/.harness', '~', '/etc/harness', '/etc')


class Conf(object):
    """Values read from the config files plus command-line overrides."""

    def __init__(self, sections, config_files, overrides=None):
        self._sections = sections
        self.config_files = list(config_files)
        self._overrides = dict(overrides or {})

    def get(self, name, section='DEFAULT', default=None):
        """Return option *name* of *section*, converted when it is known.

        An empty value means unset (oslo.config semantics).
        """
        key = (section, name)
        if key in self._overrides:
            return self._overrides[key]
        raw = self._sections.get(section, {}).get(name)
        if raw is not None and raw.strip() == '':
            raw = None
        kind, known_default = OPTIONS.get(key, (str, default))
        if raw is None:
            return known_default if key in OPTIONS else default
        return _CONVERTERS[kind](raw.strip(), name)

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        return self.get(name)

    def set_override(self, name, value, section='DEFAULT'):
        """Force *name* to *value* (used for command-line options)."""
        self._overrides[(section, name)] = value

    def section(self, section):
        """Return the raw key/value dict of *section* (empty if absent)."""
        return dict(self._sections.get(section, {}))

    @property
    def sql_connection_url(self):
        """The DB URL from ``[database] connection`` or ``sql_connection``."""
        return self.get('connection', 'database') or self.sql_connection

    @property
    def config_dir(self):
        """Directory of the last config file (where relative names live)."""
        if not self.config_files:
            return os.getcwd()
        return os.path.dirname(os.path.abspath(self.config_files[-1]))

    def find_file(self, name):
        """Resolve a relative file name like oslo.config does, or ``None``."""
        if os.path.isabs(name):
            return name if os.path.exists(name) else None
        for folder in (self.config_dir,) + SEARCH_DIRS:
            path = os.path.join(os.path.expanduser(folder), name)
            if os.path.exists(path):
                return os.path.abspath(path)
        return None


def read_files(paths):
    """Read INI *paths* in order; later files and later keys win."""
    sections = {}
    for path in paths:
        parser = configparser.RawConfigParser(
            strict=False, default_section='\0none', interpolation=None)
        try:
            with open(path, encoding='utf-8') as handle:
                parser.read_file(handle)
        except OSError as exc:
            raise ConfigError("Unable to read config file %s: %s"
                              % (path, exc.strerror), path) from None
        except configparser.Error as exc:
            first_line = str(exc).splitlines()[0]
            raise ConfigError("Invalid config file %s: %s"
                              % (path, first_line), path) from None
        for name in parser.sections():
            sections.setdefault(name, {}).update(parser.items(name))
    return sections


def build_parser(prog, description=None):
    """Return an argparse parser with the oslo-style common options."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH', help='config file (repeatable)')
    parser.add_argument('--config-dir', metavar='DIR',
                        help='directory of *.conf files read after the files')
    parser.add_argument('-d', '--debug', action='store_true', default=None)
    parser.add_argument('-v', '--verbose', action='store_true', default=None)
    parser.add_argument('--log-file', metavar='PATH')
    return parser


def load(args, default_files=()):
    """Build a :class:`Conf` from parsed command-line *args*.

    :param default_files: names tried in :data:`SEARCH_DIRS` when no
        ``--config-file`` is given.
    """
    files = list(args.config_file)
    if not files:
        files = _default_files(default_files)
    if args.config_dir:
        files += sorted(glob.glob(os.path.join(args.config_dir, '*.conf')))
    conf = Conf(read_files(files), files)
    for name in ('debug', 'verbose'):
        if getattr(args, name, None):
            conf.set_override(name, True)
    if getattr(args, 'log_file', None):
        conf.set_override('log_file', args.log_file)
    return conf


def _default_files(names):
    for name in names:
        for folder in SEARCH_DIRS:
            path = os.path.join(os.path.expanduser(folder), name)
            if os.path.exists(path):
                return [path]
    return []
