"""What a database URL says: an embedded sqlite file, or a server.

The lowest layer of :mod:`harness.databases`: it imports nothing, so
both :mod:`harness.databases.provision` (which URL a server gets) and
:mod:`harness.databases.tables` (emptying what is behind one) read the
same syntax without importing each other.
"""

#: A sqlite URL is this, then the file's absolute path.
SQLITE_PREFIX = 'sqlite:///'


def is_sqlite(url):
    """True for a sqlite URL (the embedded default)."""
    return url.startswith('sqlite')


def sqlite_path(url):
    """The file of sqlite URL *url* (one :data:`SQLITE_PREFIX` made)."""
    return url[len(SQLITE_PREFIX):]
