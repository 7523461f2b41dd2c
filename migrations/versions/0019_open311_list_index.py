"""open311 list index: report (created_at, id, status, category_id)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 10:00:00

The Open311 list pages newest first (created_at, id) within the date window and counts its
total up to a cap: with status and category in the index, both are answered from the index
alone (a filter by status or service is checked in it, not in the table).
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "id", "status", "category_id"]


def upgrade():
    # Not in batch mode: on SQLite that may copy the table, which would drop its triggers.
    op.create_index("ix_report_created_id_status_category", "report", COLUMNS, unique=False)


def downgrade():
    op.drop_index("ix_report_created_id_status_category", table_name="report")
