"""The tables of the reference service (Glance migration level 34).

SQLAlchemy Core only: the registry's start-up time is measured and
``sqlalchemy.orm`` would add to it for nothing.  The migrations under
``migrations/versions`` create exactly these tables; a unit test compares
the migrated database with this metadata so the two cannot drift apart.

Portability choices:

- big integers are ``BIGINT`` except on SQLite, where they must be declared
  ``INTEGER`` (tests grep ``.schema`` for the word ``BIGINT``);
- date-times keep microseconds on MySQL/MariaDB too (``DATETIME(6)``), so
  listings ordered by ``created_at`` are stable there as on the other
  back ends;
- ``image_members`` is unique on ``(image_id, member, deleted_at)`` on every
  back end (Glance kept ``(image_id, member)`` on SQLite).
"""

import sqlalchemy as sa
from sqlalchemy import types as sa_types

metadata = sa.MetaData()

#: Options applied to every table on MySQL/MariaDB.
MYSQL_OPTIONS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


class DateTime(sa_types.TypeDecorator):
    """Naive UTC date-time with microsecond precision on every back end.

    A decorator rather than ``with_variant(mysql.DATETIME(fsp=6))`` so that
    importing this module does not import the MySQL dialect.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ('mysql', 'mariadb'):
            from sqlalchemy.dialects.mysql import DATETIME
            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())


#: ``BIGINT`` except on SQLite (see the module docstring).
BigInteger = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _timestamps():
    """The ``created_at``/``updated_at``/``deleted_at``/``deleted`` columns."""
    return [
        sa.Column('created_at', DateTime(), nullable=False),
        sa.Column('updated_at', DateTime()),
        sa.Column('deleted_at', DateTime()),
        sa.Column('deleted', sa.Boolean(), nullable=False,
                  server_default=sa.false()),
    ]


def _image_fk():
    return sa.Column('image_id', sa.String(36), sa.ForeignKey('images.id'),
                     nullable=False)


images = sa.Table(
    'images', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255)),
    sa.Column('size', BigInteger),
    sa.Column('status', sa.String(30), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    *_timestamps(),
    sa.Column('disk_format', sa.String(20)),
    sa.Column('container_format', sa.String(20)),
    sa.Column('checksum', sa.String(32)),
    sa.Column('owner', sa.String(255)),
    sa.Column('min_disk', sa.Integer(), nullable=False,
              server_default=sa.text('0')),
    sa.Column('min_ram', sa.Integer(), nullable=False,
              server_default=sa.text('0')),
    sa.Column('protected', sa.Boolean(), server_default=sa.false()),
    sa.Column('virtual_size', BigInteger),
    sa.Index('ix_images_is_public', 'is_public'),
    sa.Index('ix_images_deleted', 'deleted'),
    sa.Index('checksum_image_idx', 'checksum'),
    sa.Index('owner_image_idx', 'owner'),
    **MYSQL_OPTIONS)

image_properties = sa.Table(
    'image_properties', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    _image_fk(),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('value', sa.Text()),
    *_timestamps(),
    sa.UniqueConstraint('image_id', 'name',
                        name='ix_image_properties_image_id_name'),
    sa.Index('ix_image_properties_image_id', 'image_id'),
    sa.Index('ix_image_properties_deleted', 'deleted'),
    **MYSQL_OPTIONS)

image_members = sa.Table(
    'image_members', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    _image_fk(),
    sa.Column('member', sa.String(255), nullable=False),
    sa.Column('can_share', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(20), nullable=False,
              server_default='pending'),
    *_timestamps(),
    sa.UniqueConstraint('image_id', 'member', 'deleted_at',
                        name='image_members_image_id_member_deleted_at_key'),
    sa.Index('ix_image_members_image_id', 'image_id'),
    sa.Index('ix_image_members_image_id_member', 'image_id', 'member'),
    sa.Index('ix_image_members_deleted', 'deleted'),
    **MYSQL_OPTIONS)

image_tags = sa.Table(
    'image_tags', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    _image_fk(),
    sa.Column('value', sa.String(255), nullable=False),
    *_timestamps(),
    sa.Index('ix_image_tags_image_id', 'image_id'),
    sa.Index('ix_image_tags_image_id_tag_value', 'image_id', 'value'),
    **MYSQL_OPTIONS)

image_locations = sa.Table(
    'image_locations', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    _image_fk(),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('meta_data', sa.Text()),
    sa.Column('status', sa.String(30), nullable=False,
              server_default='active'),
    *_timestamps(),
    sa.Index('ix_image_locations_image_id', 'image_id'),
    sa.Index('ix_image_locations_deleted', 'deleted'),
    **MYSQL_OPTIONS)

tasks = sa.Table(
    'tasks', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('type', sa.String(30), nullable=False),
    sa.Column('status', sa.String(30), nullable=False),
    sa.Column('owner', sa.String(255), nullable=False),
    sa.Column('expires_at', DateTime()),
    *_timestamps(),
    sa.Index('ix_tasks_type', 'type'),
    sa.Index('ix_tasks_status', 'status'),
    sa.Index('ix_tasks_owner', 'owner'),
    sa.Index('ix_tasks_deleted', 'deleted'),
    sa.Index('ix_tasks_updated_at', 'updated_at'),
    **MYSQL_OPTIONS)

task_info = sa.Table(
    'task_info', metadata,
    sa.Column('task_id', sa.String(36), sa.ForeignKey('tasks.id'),
              primary_key=True),
    sa.Column('input', sa.Text()),
    sa.Column('result', sa.Text()),
    sa.Column('message', sa.Text()),
    **MYSQL_OPTIONS)

#: Tables in creation order (parents before children).
TABLES = (images, image_properties, image_members, image_tags,
          image_locations, tasks, task_info)
