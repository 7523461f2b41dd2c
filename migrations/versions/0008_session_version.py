"""session version of a staff account

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:00:00

Log-out raises the account's session version, which is part of the session stamp: a session
cookie kept from before the log-out no longer opens anything.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
