"""department names per language

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 21:00:00

A department's name in the languages residents read ({"en": …, "tr": …, "ar": …}); the German
``name`` stays what staff see and the fallback for a language without a translation. Existing
departments start with none (an empty object), so they read as before until an admin or
``flask seed --update`` adds them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("names", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    # The default only fills the existing rows; new ones get theirs from the model.
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.alter_column("names", server_default=None)


def downgrade():
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_column("names")
