"""photo anonymisation: state, boxes and review of each photo; auto-publish per category

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 09:20:00

Photos stored before this revision were not anonymised: they become "off" (shareable as before,
public only after a caseworker's release, as before).
"""

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_photo", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymisation", sa.String(length=16), nullable=False, server_default="off")
        )
        batch_op.add_column(sa.Column("boxes", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("reviewed_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "auto_publish_photos", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("auto_publish_photos")
    with op.batch_alter_table("report_photo", schema=None) as batch_op:
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("boxes")
        batch_op.drop_column("anonymisation")
