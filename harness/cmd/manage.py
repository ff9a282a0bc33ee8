"""``harness-manage``: database schema commands (``python -m
harness.cmd.manage``).

A thin command line over :mod:`harness.service.db.migrate`::

    harness-manage --config-file harness-manage.conf db sync
    harness-manage db version            # prints 34
    harness-manage db upgrade [--version N]
    harness-manage db downgrade --version N
    harness-manage db version_control [--version N]

and the legacy spellings ``db_sync [version] [current_version]``,
``db_version``, ``db_upgrade [version]``, ``db_downgrade version`` and
``db_version_control [version]``.  Errors: ``ERROR: <message>`` on stderr,
exit status 1.
"""

import sys

from harness.errors import ConfigError
from harness.service import config
from harness.service import exit_status
from harness.service import log

PROG = 'harness-manage'
DEFAULT_FILES = ('harness-registry.conf', 'harness-api.conf')

# command -> (migrate function name, argument names it takes)
_ACTIONS = {
    'sync': ('db_sync', ('version', 'current_version')),
    'version': ('db_version', ()),
    'upgrade': ('db_upgrade', ('version',)),
    'downgrade': ('db_downgrade', ('version',)),
    'version_control': ('db_version_control', ('version',)),
}


def build_parser():
    """Return the argparse parser of ``harness-manage``."""
    parser = config.build_parser(PROG, description='Manage the database.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND',
                                     required=True)
    db_parser = commands.add_parser('db', help='database commands')
    db_commands = db_parser.add_subparsers(dest='action', metavar='ACTION',
                                           required=True)
    for action, (_func, names) in _ACTIONS.items():
        sub = db_commands.add_parser(action)
        for name in names:
            sub.add_argument('--' + name, metavar='N',
                             required=(action == 'downgrade'))
        legacy = commands.add_parser('db_' + action)
        legacy.set_defaults(action=action)
        for name in names:
            # Legacy positionals are optional, except downgrade's version.
            nargs = None if action == 'downgrade' else '?'
            legacy.add_argument(name, nargs=nargs, metavar=name.upper())
    return parser


def database_url(conf):
    """The DB URL of *conf*: ``[database] connection`` or
    ``[DEFAULT] sql_connection``.

    :raises ConfigError: neither is set.
    """
    url = conf.sql_connection_url
    if not url:
        raise ConfigError('No database configured: set [database] '
                          'connection or [DEFAULT] sql_connection')
    return url


def _main(argv):
    args = build_parser().parse_args(argv)
    conf = config.load(args, default_files=DEFAULT_FILES)
    log.setup(conf, PROG)
    url = database_url(conf)
    # Imported after parsing: --help and usage errors need no SQLAlchemy.
    from harness.service.db import migrate
    func_name, names = _ACTIONS[args.action]
    kwargs = {name: getattr(args, name) for name in names}
    result = getattr(migrate, func_name)(url, **kwargs)
    if args.action == 'version':
        print(result)
    return 0


def main(argv=None):
    """Run ``harness-manage``; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
