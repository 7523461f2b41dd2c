"""statistics rollup

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00

Per month × district × category: the counts the public statistics show, kept current in the
same transaction as every report change (app/statistics/rollup.py). Reports that existed
before are counted by `flask statistics rebuild --if-empty` (which `make run` calls).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stat_cell",
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("with_target", sa.Integer(), nullable=False),
        sa.Column("target_closed", sa.Integer(), nullable=False),
        sa.Column("resolved_in_time", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("supporters", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "district_id", "category_id", name=op.f("pk_stat_cell")),
    )
    op.create_table(
        "stat_cell_detail",
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "district_id",
            "category_id",
            "measure",
            "key",
            name=op.f("pk_stat_cell_detail"),
        ),
    )
    with op.batch_alter_table("stat_cell_detail", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stat_cell_detail_measure_month", ["measure", "month"], unique=False
        )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_category_district_created",
            ["category_id", "district_id", "created_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_category_district_created")
    with op.batch_alter_table("stat_cell_detail", schema=None) as batch_op:
        batch_op.drop_index("ix_stat_cell_detail_measure_month")
    op.drop_table("stat_cell_detail")
    op.drop_table("stat_cell")
