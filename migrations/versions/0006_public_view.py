"""public point of a report

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:40:00

Every public surface reads the report's public point: the exact point, or for sensitive
(unsafe-place) categories the centre of its 250 m grid cell, computed once and stored.
"""

import sqlalchemy as sa
from alembic import op

from app.geo.index import coarse_point

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_lat", sa.Float(precision=53), nullable=True))
        batch_op.add_column(sa.Column("public_lon", sa.Float(precision=53), nullable=True))

    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE report SET public_lat = lat, public_lon = lon WHERE category_id IN "
            "(SELECT id FROM category WHERE is_sensitive = :no)"
        ),
        {"no": False},
    )
    rows = conn.execute(
        sa.text(
            "SELECT report.id, report.lat, report.lon FROM report JOIN category "
            "ON category.id = report.category_id WHERE category.is_sensitive = :yes"
        ),
        {"yes": True},
    ).all()
    for row in rows:
        lat, lon = coarse_point(row.lat, row.lon)
        conn.execute(
            sa.text("UPDATE report SET public_lat = :lat, public_lon = :lon WHERE id = :id"),
            {"lat": lat, "lon": lon, "id": row.id},
        )

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.alter_column("public_lat", existing_type=sa.Float(precision=53), nullable=False)
        batch_op.alter_column("public_lon", existing_type=sa.Float(precision=53), nullable=False)
        batch_op.create_index("ix_report_public_lat_lon", ["public_lat", "public_lon"], unique=False)


def downgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_public_lat_lon")
        batch_op.drop_column("public_lon")
        batch_op.drop_column("public_lat")
