"""Empty base: level 0, what ``db version_control`` stamps by default.

Revision ID: 000
Revises: none
"""

revision = '000'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    """Nothing to create: level 0 is the empty schema."""


def downgrade():
    """Nothing to drop."""
