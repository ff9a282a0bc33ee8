"""The names the harness's processes agree on, written once.

Environment variables pass a launch's descriptors and settings from the
test process to the program it starts (and on to a re-executed image or
a fork of the fork-server); a bare database scheme in
``HARNESS_TEST_SQL_CONNECTION`` asks for a database server the harness
starts itself.  Every end reads the names here: the test process, the
fork-server, the agent inside a server, and the reference service.  It
imports nothing, so any of them may import it (the service never imports
testtools or fixtures).
"""

# -- descriptors a launched program gets (:mod:`harness.process.child`) ---
#: Write one byte here once listening (readiness as an event).
READY_FD = 'HARNESS_READY_FD'
#: Read end of the lifeline: EOF means the test process is gone.
LIFELINE_FD = 'HARNESS_LIFELINE_FD'
#: The pre-bound, not yet listening socket to adopt.
SOCKET_FD = 'HARNESS_TEST_SOCKET_FD'
#: A server re-executing itself (SIGHUP) hands its new image the read end
#: of its signal wake-up pipe: the signals that landed during the exec,
#: one byte each (:mod:`harness.service.runtime`).
SIGNALS_FD = 'HARNESS_SIGNALS_FD'
#: The server's end of its agent channel (:mod:`harness.agent`).
AGENT_FD = 'HARNESS_AGENT_FD'
#: Layers and clock handed to a re-executed image (pickle, hex).
AGENT_STATE = 'HARNESS_AGENT_STATE'
#: Where the fresh interpreters of a server check in with its first
#: agent (:mod:`harness.agent.checkin`); set by that agent itself.
AGENT_ADDRESS = 'HARNESS_AGENT_ADDRESS'
#: The launch's descriptor variables, as a program sees them.
DESCRIPTORS = (READY_FD, LIFELINE_FD, SOCKET_FD, AGENT_FD)

#: ``1`` or a directory: keep every test directory there
#: (:mod:`harness.process.testdir`); unset or ``0``: remove them.
KEEP_TEST_DIR = 'HARNESS_KEEP_TEST_DIR'

# -- the fork-server (:mod:`harness.forkserver`) ----------------------------
#: ``0``: plain fork/exec; anything else (or unset): preloaded forks.
PRELOAD = 'HARNESS_PRELOAD'
#: The user modules a fork-server preloads at start, space-separated.
FORKSERVER_MODULES = 'HARNESS_FORKSERVER_MODULES'

# -- databases (:mod:`harness.databases`) -----------------------------------
#: The test database: a URL, a bare scheme (:data:`BARE_SCHEMES`), or
#: unset (sqlite in the test directory).
SQL_CONNECTION = 'HARNESS_TEST_SQL_CONNECTION'
#: A synced sqlite file to copy instead of the cache's.
SQLITE_FILE = 'HARNESS_DB_TEST_SQLITE_FILE'
#: Where synced databases and data directories are cached.
DB_CACHE_DIR = 'HARNESS_DB_CACHE_DIR'

#: A bare scheme: the kind of server the harness starts itself
#: (:mod:`harness.databases.kinds`), and the SQLAlchemy driver of its URL.
BARE_SCHEMES = {
    'postgresql': ('postgresql', 'postgresql+psycopg2'),
    'postgres': ('postgresql', 'postgresql+psycopg2'),
    'mysql': ('mysql', 'mysql+pymysql'),
    'mariadb': ('mysql', 'mysql+pymysql'),
}


def bare_scheme(value):
    """The bare scheme *value* is (``postgresql``, ``MySQL://``...),
    lower-cased and without ``://``; ``None`` for a URL or nothing."""
    scheme = (value or '').strip().lower()
    if scheme.endswith('://'):
        scheme = scheme[:-3]
    return scheme if scheme in BARE_SCHEMES else None
