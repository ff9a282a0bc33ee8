"""Alembic environment of the reference service.

Configured from code (see :mod:`harness.service.db.migrate`), never from an
``alembic.ini``: the caller either hands over an open connection in
``config.attributes['connection']`` or sets ``sqlalchemy.url``.
"""

from alembic import context
import sqlalchemy as sa


def _run(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


def run_offline():
    """Emit the SQL of the migrations instead of running them."""
    context.configure(url=context.config.get_main_option('sqlalchemy.url'),
                      literal_binds=True, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    """Run the migrations on the given connection (or a new engine)."""
    connection = context.config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(
        context.config.get_main_option('sqlalchemy.url'),
        poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
