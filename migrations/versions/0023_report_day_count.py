"""open311: reports per day (UTC), category and status, kept by triggers — the list's total

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 16:10:00

Every Open311 request list has a date window (GeoReport v2: the last 90 days by default), and
its ``X-Total-Count`` counted the reports of the window up to 10,000 from the index of their
received time — under load the largest part of the list's work in the database. ``report_day_count``
holds the reports per day of their receipt (UTC), category and status, kept in step by
triggers on ``report`` in the same transaction as every insert, delete and change of received
time, category or status (as ``report_count`` of 0018): a window's total is the whole days'
counters plus the reports of the two partial days at its ends, read from the index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION report_day_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One statement per change, grouped and in key order (so that two transactions lock the
  -- counter rows in the same order).
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_day_count (day, category_id, status, n)
    SELECT (created_at AT TIME ZONE 'UTC')::date, category_id, status, count(*) FROM new_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (day, category_id, status) DO UPDATE SET n = report_day_count.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO report_day_count (day, category_id, status, n)
    SELECT (created_at AT TIME ZONE 'UTC')::date, category_id, status, -count(*) FROM old_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (day, category_id, status) DO UPDATE SET n = report_day_count.n + excluded.n;
  ELSE
    INSERT INTO report_day_count (day, category_id, status, n)
    SELECT d, c, s, sum(k) FROM (
      SELECT (o.created_at AT TIME ZONE 'UTC')::date AS d, o.category_id AS c, o.status AS s,
             -1 AS k
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE o.created_at IS DISTINCT FROM n.created_at OR o.category_id IS DISTINCT FROM
            n.category_id OR o.status IS DISTINCT FROM n.status
      UNION ALL
      SELECT (n.created_at AT TIME ZONE 'UTC')::date, n.category_id, n.status, 1
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE o.created_at IS DISTINCT FROM n.created_at OR o.category_id IS DISTINCT FROM
            n.category_id OR o.status IS DISTINCT FROM n.status
    ) AS changes
    GROUP BY 1, 2, 3 HAVING sum(k) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (day, category_id, status) DO UPDATE SET n = report_day_count.n + excluded.n;
  END IF;
  RETURN NULL;
END $$
"""
PG_TRIGGERS = [
    "CREATE TRIGGER report_day_count_insert AFTER INSERT ON report"
    " REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION report_day_count_sync()",
    "CREATE TRIGGER report_day_count_delete AFTER DELETE ON report"
    " REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION report_day_count_sync()",
    "CREATE TRIGGER report_day_count_update AFTER UPDATE ON report"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION report_day_count_sync()",
]

# SQLite keeps the received time as UTC text ("2026-11-30 16:10:00.000000"): its day is the
# first ten characters.
_SQLITE_ADD = (
    "INSERT INTO report_day_count (day, category_id, status, n) "
    "VALUES (substr({r}.created_at, 1, 10), {r}.category_id, {r}.status, {d}) "
    "ON CONFLICT (day, category_id, status) DO UPDATE SET n = n + {d};"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER report_day_count_insert AFTER INSERT ON report BEGIN "
    + _SQLITE_ADD.format(r="new", d=1)
    + " END",
    "CREATE TRIGGER report_day_count_delete AFTER DELETE ON report BEGIN "
    + _SQLITE_ADD.format(r="old", d=-1)
    + " END",
    "CREATE TRIGGER report_day_count_update AFTER UPDATE OF created_at, category_id, status"
    " ON report WHEN substr(old.created_at, 1, 10) IS NOT substr(new.created_at, 1, 10)"
    " OR old.category_id IS NOT new.category_id OR old.status IS NOT new.status BEGIN "
    + _SQLITE_ADD.format(r="old", d=-1)
    + " "
    + _SQLITE_ADD.format(r="new", d=1)
    + " END",
]


def upgrade():
    op.create_table(
        "report_day_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "category_id", "status", name=op.f("pk_report_day_count")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO report_day_count (day, category_id, status, n) "
            "SELECT (created_at AT TIME ZONE 'UTC')::date, category_id, status, count(*)"
            " FROM report GROUP BY 1, 2, 3"
        )
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(
            "INSERT INTO report_day_count (day, category_id, status, n) "
            "SELECT substr(created_at, 1, 10), category_id, status, count(*)"
            " FROM report GROUP BY 1, 2, 3"
        )
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_day_count_{name} ON report")
        op.execute("DROP FUNCTION report_day_count_sync()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_day_count_{name}")
    op.drop_table("report_day_count")
