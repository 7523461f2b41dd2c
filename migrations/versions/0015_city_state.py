"""the loaded city and its version

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 20:00:00

One row: the name of the city whose configuration the database holds (one city per
installation: seeding another is refused, `flask city replace` switches while no reports exist)
and a version raised by every seed, update and replace, which running processes compare to
drop their cached districts and city settings. A database seeded before keeps the name of its
boundary.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_state")),
    )
    op.execute(
        "INSERT INTO city_state (id, name, version) "
        "SELECT 1, (SELECT name FROM city_boundary ORDER BY id LIMIT 1), 1 "
        "WHERE EXISTS (SELECT 1 FROM district)"
    )


def downgrade():
    op.drop_table("city_state")
