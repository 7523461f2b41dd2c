"""statistics: what each report adds to its cell

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 18:00:00

A change to a report adds the difference between its new and its last counts to its cell,
instead of counting the whole cell anew: the work per change no longer grows with the cell,
and two transactions changing one cell add to it without waiting to count it. The rollup is
emptied here and counted anew by `flask statistics rebuild --if-empty` (which `make run` calls).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stat_report",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_stat_report")),
    )
    op.execute("DELETE FROM stat_cell_detail")
    op.execute("DELETE FROM stat_cell")


def downgrade():
    op.drop_table("stat_report")
    op.execute("DELETE FROM stat_cell_detail")
    op.execute("DELETE FROM stat_cell")
