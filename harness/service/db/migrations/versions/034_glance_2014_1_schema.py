"""The whole schema of Glance 2014.1 (its migration level 34) in one step.

Revision ID: 034
Revises: 000

Glance reached level 34 through 34 sqlalchemy-migrate scripts; the
reference service only needs their end state, so this revision creates it
directly.  Like every migration it is frozen: it does not import the
service's ``schema`` module, whose tables a unit test checks against the
database this revision creates.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '034'
down_revision = '000'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

# Microseconds on MySQL/MariaDB too (plain DATETIME drops them).
_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6),
                                       'mysql', 'mariadb')
# Tests grep the SQLite schema for BIGINT: it must say INTEGER there.
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _timestamps():
    return [
        sa.Column('created_at', _DATETIME, nullable=False),
        sa.Column('updated_at', _DATETIME),
        sa.Column('deleted_at', _DATETIME),
        sa.Column('deleted', sa.Boolean(), nullable=False,
                  server_default=sa.false()),
    ]


def _image_fk():
    return sa.Column('image_id', sa.String(36), sa.ForeignKey('images.id'),
                     nullable=False)


def _images():
    op.create_table(
        'images',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255)),
        sa.Column('size', _BIGINT),
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
        sa.Column('virtual_size', _BIGINT),
        **_MYSQL)


def _image_children():
    op.create_table(
        'image_properties',
        sa.Column('id', sa.Integer(), primary_key=True),
        _image_fk(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('value', sa.Text()),
        *_timestamps(),
        sa.UniqueConstraint('image_id', 'name',
                            name='ix_image_properties_image_id_name'),
        **_MYSQL)
    op.create_table(
        'image_members',
        sa.Column('id', sa.Integer(), primary_key=True),
        _image_fk(),
        sa.Column('member', sa.String(255), nullable=False),
        sa.Column('can_share', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(20), nullable=False,
                  server_default='pending'),
        *_timestamps(),
        sa.UniqueConstraint(
            'image_id', 'member', 'deleted_at',
            name='image_members_image_id_member_deleted_at_key'),
        **_MYSQL)
    op.create_table(
        'image_tags',
        sa.Column('id', sa.Integer(), primary_key=True),
        _image_fk(),
        sa.Column('value', sa.String(255), nullable=False),
        *_timestamps(),
        **_MYSQL)
    op.create_table(
        'image_locations',
        sa.Column('id', sa.Integer(), primary_key=True),
        _image_fk(),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('meta_data', sa.Text()),
        sa.Column('status', sa.String(30), nullable=False,
                  server_default='active'),
        *_timestamps(),
        **_MYSQL)


def _tasks():
    op.create_table(
        'tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type', sa.String(30), nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('expires_at', _DATETIME),
        *_timestamps(),
        **_MYSQL)
    op.create_table(
        'task_info',
        sa.Column('task_id', sa.String(36), sa.ForeignKey('tasks.id'),
                  primary_key=True),
        sa.Column('input', sa.Text()),
        sa.Column('result', sa.Text()),
        sa.Column('message', sa.Text()),
        **_MYSQL)


# (index name, table, columns), created in this order after the tables
# (explicitly, so the DDL is emitted in a stable order).
_INDEXES = (
    ('ix_images_is_public', 'images', ['is_public']),
    ('ix_images_deleted', 'images', ['deleted']),
    ('checksum_image_idx', 'images', ['checksum']),
    ('owner_image_idx', 'images', ['owner']),
    ('ix_image_properties_image_id', 'image_properties', ['image_id']),
    ('ix_image_properties_deleted', 'image_properties', ['deleted']),
    ('ix_image_members_image_id', 'image_members', ['image_id']),
    ('ix_image_members_image_id_member', 'image_members',
     ['image_id', 'member']),
    ('ix_image_members_deleted', 'image_members', ['deleted']),
    ('ix_image_tags_image_id', 'image_tags', ['image_id']),
    ('ix_image_tags_image_id_tag_value', 'image_tags', ['image_id', 'value']),
    ('ix_image_locations_image_id', 'image_locations', ['image_id']),
    ('ix_image_locations_deleted', 'image_locations', ['deleted']),
    ('ix_tasks_type', 'tasks', ['type']),
    ('ix_tasks_status', 'tasks', ['status']),
    ('ix_tasks_owner', 'tasks', ['owner']),
    ('ix_tasks_deleted', 'tasks', ['deleted']),
    ('ix_tasks_updated_at', 'tasks', ['updated_at']),
)


def upgrade():
    """Create the level-34 tables, parents first, then their indexes."""
    _images()
    _image_children()
    _tasks()
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    """Drop every table, children first (back to the empty level 0)."""
    for name in ('task_info', 'tasks', 'image_locations', 'image_tags',
                 'image_members', 'image_properties', 'images'):
        op.drop_table(name)
