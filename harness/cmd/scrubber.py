"""``harness-scrubber``: delayed image deletion (``python -m
harness.cmd.scrubber``).

One run and exit 0, or with ``-D/--daemon`` (or ``daemon = True``) a run
now and then every ``wakeup_time`` seconds until SIGTERM/SIGINT (spec
14.2).  A run is :class:`harness.service.scrubber.Scrubber`.
"""

import logging
import time

from harness.agent import hooks
from harness.service import config
from harness.service import exit_status
from harness.service import log
from harness.service import process_conf
from harness.service import scrubber as scrubber_mod
from harness.service.runtime import Runtime

PROG = 'harness-scrubber'

LOG = logging.getLogger('harness.service.scrubber')

#: Events of :class:`harness.service.runtime.Runtime` that end the daemon.
STOP_EVENTS = {'TERM': 'SIGTERM', 'INT': 'KeyboardInterrupt',
               'LIFELINE': 'lifeline closed'}


def run_daemon(scrubber, runtime, wakeup_time):
    """Run now, then every *wakeup_time* seconds until told to stop.

    :param runtime: a :class:`harness.service.runtime.Runtime` with signal
        handlers (and lifeline) already set up.
    :returns: 0, the exit status.
    """
    interval = max(float(wakeup_time), 0.1)
    # A reused stack pauses the loop between two runs (harness.stack.reuse).
    gate = hooks.new_gate()
    _run_unless_paused(scrubber, gate)
    runtime.notify_ready()
    next_run = time.monotonic() + interval
    while True:
        events = runtime.wait(max(next_run - time.monotonic(), 0))
        for event in events:
            if event in STOP_EVENTS:
                LOG.info('Daemon Shutdown on %s', STOP_EVENTS[event])
                return 0
        # wait() returns no event exactly when the timeout expired.
        if not events or time.monotonic() >= next_run:
            _run_unless_paused(scrubber, gate)
            next_run = time.monotonic() + interval


def _run_unless_paused(scrubber, gate):
    if not gate.enter():
        LOG.debug('Scrubber paused: run skipped')
        return
    try:
        scrubber.run()
    finally:
        gate.leave()


def run(conf, prog=PROG):
    """Run the scrubber of *conf*: one run, or the daemon loop.

    :returns: the exit status (0).
    """
    scrubber = scrubber_mod.Scrubber(conf)
    if not conf.daemon:
        scrubber.run()
        return 0
    runtime = Runtime(prog)
    runtime.install_signal_handlers()
    runtime.start_lifeline()
    LOG.info('Starting Daemon: wakeup_time=%s', conf.wakeup_time)
    return run_daemon(scrubber, runtime, conf.wakeup_time)


def _main(argv):
    parser = config.build_parser(PROG)
    parser.add_argument('-D', '--daemon', action='store_true', default=None,
                        help='run every wakeup_time seconds until stopped')
    args = parser.parse_args(argv)
    conf = config.load(args, default_files=(PROG + '.conf',))
    if args.daemon:
        conf.set_override('daemon', True)
    process_conf.set_conf(conf)
    log.setup(conf, PROG)
    return run(conf)


def main(argv=None):
    """Run the scrubber; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    exit_status.exit_fast(main())
