"""statistics: open reports with a target, and faster reads

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00

A cell counts its open reports with a target (so "within the target" needs only the few of them
not yet due, found by their due date), and the keyed counts get a covering index for the
statistics' reads by measure and month.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stat_cell", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("open_with_target", sa.Integer(), nullable=False, server_default="0")
        )
    # Open reports with a target are exactly those with an "open_due" count.
    op.execute(
        "UPDATE stat_cell SET open_with_target = COALESCE((SELECT SUM(d.n) FROM stat_cell_detail d"
        " WHERE d.measure = 'open_due' AND d.month = stat_cell.month"
        " AND d.district_id = stat_cell.district_id AND d.category_id = stat_cell.category_id), 0)"
    )
    with op.batch_alter_table("stat_cell", schema=None) as batch_op:
        batch_op.alter_column("open_with_target", server_default=None)
    with op.batch_alter_table("stat_cell_detail", schema=None) as batch_op:
        batch_op.drop_index("ix_stat_cell_detail_measure_month")
        batch_op.create_index(
            "ix_stat_cell_detail_measure_month",
            ["measure", "month", "district_id", "category_id", "key", "n"],
            unique=False,
        )
        batch_op.create_index("ix_stat_cell_detail_measure_key", ["measure", "key"], unique=False)


def downgrade():
    with op.batch_alter_table("stat_cell_detail", schema=None) as batch_op:
        batch_op.drop_index("ix_stat_cell_detail_measure_key")
        batch_op.drop_index("ix_stat_cell_detail_measure_month")
        batch_op.create_index(
            "ix_stat_cell_detail_measure_month", ["measure", "month"], unique=False
        )
    with op.batch_alter_table("stat_cell", schema=None) as batch_op:
        batch_op.drop_column("open_with_target")
