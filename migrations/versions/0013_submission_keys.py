"""submission keys: a retried or doubly sent report is created once

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:15:00

An Open311 client may send an Idempotency-Key with a POST, and the web form carries a key of its
own: the same key (per client) within a day answers with the report it created the first time.
"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_submission_key_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_key")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_submission_key_scope")),
    )
    with op.batch_alter_table("submission_key", schema=None) as batch_op:
        batch_op.create_index("ix_submission_key_created_at", ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("submission_key", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_key_created_at")
    op.drop_table("submission_key")
