"""Options and dispatch of ``harness-cache-manage``; the commands are in
:mod:`.manage_commands`.

``harness-cache-manage [options] <command> [args]``: no arguments prints
the help (exit 0); an unknown command prints the usage and ``Unknown
command: <cmd>`` on stderr (exit 1); ``help <command>`` prints that
command's usage text.  A bad option value is a :class:`ConfigError`,
which :func:`harness.service.exit_status.run` words as one ``ERROR:`` line
(exit 1).
"""

import optparse
import os
import sys
import time

from harness.errors import ConfigError
from harness.service.cache import manage_commands

PROG = 'harness-cache-manage'
VERSION = '0.1.0'

USAGE = """
%prog <command> [options] [args]

Commands:

    help <command> Output help for one of the commands below

    list-cached                 List all images currently cached

    list-queued                 List all images currently queued for caching

    queue-image                 Queue an image for caching

    delete-cached-image         Purges an image from the cache

    delete-all-cached-images    Removes all images from the cache

    delete-queued-image         Deletes an image from the cache queue

    delete-all-queued-images    Deletes all images from the cache queue
""".strip()


class OptionParser(optparse.OptionParser):
    """optparse, but a usage error is an exception, not ``exit(2)``."""

    def error(self, msg):
        raise ConfigError(msg)


def env(*names, default=''):
    """The first non-empty environment variable of *names*."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


def _auth_options(parser):
    # (long option, env variable, legacy spellings), as Glance had them.
    for dest, variable, legacy in (
            ('os_auth_token', 'OS_AUTH_TOKEN',
             ('-A', '--os_auth_token', '--auth_token')),
            ('os_username', 'OS_USERNAME', ('-I', '--os_username')),
            ('os_password', 'OS_PASSWORD', ('-K', '--os_password')),
            ('os_region_name', 'OS_REGION_NAME', ('-R', '--os_region_name')),
            ('os_tenant_id', 'OS_TENANT_ID', ('--os_tenant_id',)),
            ('os_tenant_name', 'OS_TENANT_NAME', ('-T', '--os_tenant_name')),
            ('os_auth_url', 'OS_AUTH_URL', ('-N', '--os_auth_url'))):
        parser.add_option('--' + dest.replace('_', '-'), dest=dest,
                          default=env(variable),
                          help='Defaults to env[%s]' % variable)
        parser.add_option(*legacy, dest=dest, help=optparse.SUPPRESS_HELP)
    parser.add_option('-S', '--os_auth_strategy', dest='os_auth_strategy',
                      metavar='STRATEGY', default=env('OS_AUTH_STRATEGY'),
                      help='Authentication strategy (only noauth here).')


def build_parser():
    """Return the option parser of ``harness-cache-manage``."""
    parser = OptionParser(prog=PROG, usage=USAGE,
                          version='%%prog %s' % VERSION)
    parser.add_option('-v', '--verbose', default=False, action='store_true',
                      help='Print more verbose output')
    parser.add_option('-d', '--debug', default=False, action='store_true',
                      help='Print more verbose output')
    parser.add_option('-H', '--host', metavar='ADDRESS', default='0.0.0.0',
                      help='Address of the API host. Default: %default')
    parser.add_option('-p', '--port', dest='port', metavar='PORT',
                      type='int', default=9292,
                      help='Port the API host listens on. Default: %default')
    parser.add_option('-k', '--insecure', dest='insecure', default=False,
                      action='store_true',
                      help='Accepted for compatibility: requests are plain '
                           'HTTP.')
    parser.add_option('-f', '--force', dest='force', default=False,
                      action='store_true',
                      help='Prevent select actions from requesting user '
                           'confirmation')
    _auth_options(parser)
    return parser


def parse_args(parser, argv):
    """Return ``(options, args)``; check what optparse does not.

    :raises ConfigError: a bad option or option value.
    """
    options, args = parser.parse_args(list(argv))
    if not 0 < options.port < 65536:
        raise ConfigError('option -p/--port: %d is not a TCP port number '
                          '(1-65535)' % options.port)
    if not options.host.strip():
        raise ConfigError('option -H/--host: empty address')
    return options, args


def print_help(parser, args):
    """``help <command>``: print that command's usage text."""
    if len(args) != 1:
        sys.stderr.write('Please specify a command\n')
        return manage_commands.FAILURE
    command = lookup_command(parser, args[0])
    if command is None:
        return manage_commands.FAILURE
    print(command.__doc__ % {'prog': PROG})
    return manage_commands.SUCCESS


def lookup_command(parser, name):
    """The command called *name*, or ``None`` after saying it is unknown."""
    command = manage_commands.COMMANDS.get(name)
    if command is None:
        parser.print_usage(sys.stderr)
        sys.stderr.write('Unknown command: %s\n' % name)
    return command


def main(argv):
    """Run ``harness-cache-manage`` with *argv* (no program name).

    :returns: the exit status.
    :raises ConfigError: bad options (the caller words it).
    """
    parser = build_parser()
    # No arguments: the help, as Glance's program showed it.
    options, args = parse_args(parser, argv or ['-h'])
    if not args:
        parser.print_usage()
        return manage_commands.SUCCESS
    name = args.pop(0)
    if name == 'help':
        return print_help(parser, args)
    command = lookup_command(parser, name)
    if command is None:
        return manage_commands.FAILURE
    start = time.time()
    result = command(options, args)
    if options.verbose:
        print('Completed in %-0.4f sec.' % (time.time() - start))
    return result
