"""``harness-api``: the image API server (``python -m harness.cmd.api``).

Start-up order: configuration, logging, store
check, paste pipeline, then the socket and the serve loop.  If the pipeline
fails to load the inherited socket never listens, so the harness's ping is
refused and the error line on stderr is the reason.
"""

from harness.service import config
from harness.service import exit_status
from harness.service import log
from harness.service import pipeline
from harness.service import process_conf
from harness.service import store
from harness.service.wsgi import server

# What the paste pipeline names is imported with this module, as any
# program imports its code: nothing is left to load on first use.
from harness.service.api import versions  # noqa: F401
from harness.service.api.middleware import cache  # noqa: F401
from harness.service.api.middleware import cache_manage  # noqa: F401
from harness.service.api.middleware import context  # noqa: F401
from harness.service.api.middleware import fakeauth  # noqa: F401
from harness.service.api.middleware import gzip  # noqa: F401
from harness.service.api.middleware import version_negotiation  # noqa: F401,E501
from harness.service.api.v1 import cache_hits as v1_hits  # noqa: F401
from harness.service.api.v1 import router as v1_router  # noqa: F401
from harness.service.api.v2 import cache_hits as v2_hits  # noqa: F401
from harness.service.api.v2 import router as v2_router  # noqa: F401

PROG = 'harness-api'
#: Bound when the conf has no ``bind_port`` (Glance's default).
DEFAULT_PORT = 9292
#: Store schemes the reference service knows (filesystem + http).
KNOWN_STORES = store.SCHEMES


def check_stores(conf):
    """Fail for an unknown ``default_store``; create the image directory.

    :raises UnknownScheme: ``Store for scheme <x> not found`` (exit 1).
    """
    store.configure_stores(conf)


def _main(argv):
    args = config.build_parser(PROG).parse_args(argv)
    conf = config.load(args, default_files=(PROG + '.conf',))
    process_conf.set_conf(conf)
    log.setup(conf, PROG)
    check_stores(conf)
    app = pipeline.load_app(conf, PROG)
    return serve(app, conf)


def serve(app, conf):
    """Serve *app* until stopped; return the exit status."""
    return server.serve(app, conf, PROG, default_port=DEFAULT_PORT)


def main(argv=None):
    """Run the API server; return the process exit status."""
    return exit_status.run(_main, argv)


if __name__ == '__main__':
    exit_status.exit_fast(main())
