"""``harness-scrubber``: delayed image deletion (``python -m
harness.cmd.scrubber``).

One run and exit 0, or with ``-D/--daemon`` (or ``daemon = True``) a run
every ``wakeup_time`` seconds until SIGTERM/SIGINT (spec 14.2).
"""


from harness.service import config
from harness.service import launcher
from harness.service import log
from harness.service import scrubber
from harness.service import state

PROG = 'harness-scrubber'


def _main(argv):
    parser = config.build_parser(PROG)
    parser.add_argument('-D', '--daemon', action='store_true', default=None,
                        help='run every wakeup_time seconds until stopped')
    args = parser.parse_args(argv)
    conf = config.load(args, default_files=(PROG + '.conf',))
    if args.daemon:
        conf.set_override('daemon', True)
    state.set_conf(conf)
    log.setup(conf, PROG)
    return scrubber.main(conf, PROG)


def main(argv=None):
    """Run the scrubber; return the process exit status."""
    return launcher.run(_main, argv)


if __name__ == '__main__':
    launcher.exit_fast(main())
