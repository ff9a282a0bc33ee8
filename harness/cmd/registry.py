"""``harness-registry``: the registry server (``python -m
harness.cmd.registry``).

Same start-up order as the API without the store check.
"""


from harness.service import config
from harness.service import exit_status
from harness.service import log
from harness.service import pipeline
from harness.service import process_conf
from harness.service.wsgi import server

# What the paste pipeline names is imported with this module, as any
# program imports its code: nothing is left to load on first use.
from harness.service.api.middleware import context  # noqa: F401
from harness.service.api.middleware import fakeauth  # noqa: F401
from harness.service.registry import api  # noqa: F401

PROG = 'harness-registry'
#: Bound when the conf has no ``bind_port`` (Glance's default).
DEFAULT_PORT = 9191


def _main(argv):
    args = config.build_parser(PROG).parse_args(argv)
    conf = config.load(args, default_files=(PROG + '.conf',))
    process_conf.set_conf(conf)
    log.setup(conf, PROG)
    app = pipeline.load_app(conf, PROG)
    return serve(app, conf)


def serve(app, conf):
    """Serve *app* until stopped; return the exit status."""
    return server.serve(app, conf, PROG, default_port=DEFAULT_PORT)


def main(argv=None):
    """Run the registry server; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    exit_status.exit_fast(main())
