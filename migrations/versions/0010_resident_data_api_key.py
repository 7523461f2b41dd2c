"""resident data belongs to the API key it was created with

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 05:10:00

Contact and supporter entries made through the Open311 API remember the key of the client
that made them; the resident extensions (a chat's reports, "me too", "not fixed", deleting a
chat's data) see and change only the entries of the key asking. Entries made before: when
exactly one API key exists they were made with it, so they are given to it; otherwise they stay
without a key (no client sees them; the web form's e-mail entries never had one).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("reporter_contact", "report_supporter")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("api_key_id", sa.Integer(), nullable=True))
            batch_op.create_index(
                batch_op.f(f"ix_{table}_api_key_id"), ["api_key_id"], unique=False
            )
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_api_key_id_api_key"),
                "api_key",
                ["api_key_id"],
                ["id"],
                ondelete="SET NULL",
            )

    conn = op.get_bind()
    keys = conn.execute(sa.text("SELECT id FROM api_key")).scalars().all()
    if len(keys) == 1:
        api_channels = {"a": "open311", "b": "telegram", "key": keys[0]}
        conn.execute(
            sa.text(
                "UPDATE reporter_contact SET api_key_id = :key WHERE report_id IN "
                "(SELECT id FROM report WHERE channel IN (:a, :b))"
            ),
            api_channels,
        )
        conn.execute(
            sa.text("UPDATE report_supporter SET api_key_id = :key WHERE channel IN (:a, :b)"),
            api_channels,
        )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_api_key_id_api_key"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_api_key_id"))
            batch_op.drop_column("api_key_id")
