"""Database layer of the reference service.

This package module stays import-light on purpose: the harness process
imports it only to locate the migrations and to fingerprint them (its cache
of a synced sqlite database is keyed on that fingerprint), and it must not
pay for importing SQLAlchemy to do so.  The SQL code lives in the
submodules (:mod:`.schema`, :mod:`.api`, :mod:`.migrate`).
"""

import hashlib
import os

#: Absolute path of the Alembic environment (``env.py``, ``versions/``).
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'migrations')


def _migration_sources(root=MIGRATIONS_DIR):
    """Yield ``(relative_path, absolute_path)`` of every ``*.py`` file."""
    for folder, dirs, files in os.walk(root):
        # Byte-code caches are not sources; never descend into them.
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root).replace(os.sep, '/'), path


def schema_fingerprint(root=MIGRATIONS_DIR):
    """Return the sha256 hex digest of the migration sources.

    Files are hashed in sorted relative-path order; each contributes its
    relative path and its bytes, so renaming, editing, adding or removing
    a migration all change the fingerprint.

    :param root: the migrations directory (default :data:`MIGRATIONS_DIR`).
    """
    digest = hashlib.sha256()
    for relative, path in sorted(_migration_sources(root)):
        with open(path, 'rb') as handle:
            content = handle.read()
        digest.update(relative.encode('utf-8') + b'\0')
        digest.update(b'%d\0' % len(content))
        digest.update(content)
    return digest.hexdigest()
