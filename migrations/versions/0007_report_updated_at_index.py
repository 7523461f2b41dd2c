"""report updated_at index (open data: Last-Modified and ETag from max(updated_at))

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_updated_at", ["updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_updated_at")
