"""photo anonymisation in the background: a claim (lease) and attempt count per photo

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 12:30:00

A photo stored with ``anonymisation = 'pending'`` is anonymised by ``flask photos work``
(app/photos/jobs.py). A runner claims it by setting ``anonymise_claimed_at`` (a lease: a runner
that dies leaves the claim to expire, and the photo is retried) and counting
``anonymise_attempts`` (a photo that keeps killing its runner ends as "failed", held for review).
The index finds the pending photos without reading the others.
"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymise_claimed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("anonymise_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_report_photo_anonymisation_id", ["anonymisation", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("report_photo", schema=None) as batch_op:
        batch_op.drop_index("ix_report_photo_anonymisation_id")
        batch_op.drop_column("anonymise_attempts")
        batch_op.drop_column("anonymise_claimed_at")
