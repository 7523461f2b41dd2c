"""a ticket can be withdrawn

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:40:00

A forwarded ticket stays bound to the delivery it came from: when the report moves away from
the department (re-routed, returned, merged as a duplicate, its category or place changed)
the ticket is withdrawn (status ``withdrawn``, stored as text like the other statuses) and
``withdrawn_at`` says when; the partner's link and API then answer "withdrawn".
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
