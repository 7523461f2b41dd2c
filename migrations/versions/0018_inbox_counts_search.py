"""inbox: counts per department, category and status; overdue and text search by index

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 22:00:00

The inbox's counts no longer count the reports: ``report_count`` holds the number of reports
per department (0: triage), category and status, kept in step by triggers on ``report`` in the
same transaction as every insert, delete and change of department, category or status —
whichever code makes it (intake, workflow, partners, retention, SQL by hand). It is filled here
from the existing reports.

"Overdue" reads partial indexes over the open reports (due date, with department and status).

Text search (substring, case-insensitive, in reference, address and description): on
PostgreSQL a trigram GIN index (pg_trgm) over the three texts; on SQLite an external-content
FTS5 table with the trigram tokenizer, kept in step by triggers and built here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Must read exactly as app/inbox/counts.py OPEN_SQL: both databases match a partial index only
# when the query repeats its condition.
OPEN = "status IN ('forwarded', 'in_progress', 'in_review', 'new', 'reopened')"
SEARCH_PG = "(reference || chr(10) || coalesce(address, '') || chr(10) || description)"

PG_COUNT_FUNCTION = """
CREATE FUNCTION report_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One statement per change, grouped and in key order (so that two transactions lock the
  -- counter rows in the same order).
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_count (department_key, category_id, status, n)
    SELECT coalesce(department_id, 0), category_id, status, count(*) FROM new_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (department_key, category_id, status)
    DO UPDATE SET n = report_count.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO report_count (department_key, category_id, status, n)
    SELECT coalesce(department_id, 0), category_id, status, -count(*) FROM old_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (department_key, category_id, status)
    DO UPDATE SET n = report_count.n + excluded.n;
  ELSE
    INSERT INTO report_count (department_key, category_id, status, n)
    SELECT k, c, s, sum(d) FROM (
      SELECT coalesce(o.department_id, 0) AS k, o.category_id AS c, o.status AS s, -1 AS d
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.department_id, o.category_id, o.status)
        IS DISTINCT FROM (n.department_id, n.category_id, n.status)
      UNION ALL
      SELECT coalesce(n.department_id, 0), n.category_id, n.status, 1
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.department_id, o.category_id, o.status)
        IS DISTINCT FROM (n.department_id, n.category_id, n.status)
    ) AS change
    GROUP BY k, c, s HAVING sum(d) <> 0 ORDER BY k, c, s
    ON CONFLICT (department_key, category_id, status)
    DO UPDATE SET n = report_count.n + excluded.n;
  END IF;
  RETURN NULL;
END $$
"""
PG_COUNT_TRIGGERS = [
    "CREATE TRIGGER report_count_insert AFTER INSERT ON report REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION report_count_sync()",
    "CREATE TRIGGER report_count_delete AFTER DELETE ON report REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION report_count_sync()",
    "CREATE TRIGGER report_count_update AFTER UPDATE ON report"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION report_count_sync()",
]

_SQLITE_ADD = (
    "INSERT INTO report_count (department_key, category_id, status, n) "
    "VALUES (coalesce({r}.department_id, 0), {r}.category_id, {r}.status, {d}) "
    "ON CONFLICT (department_key, category_id, status) DO UPDATE SET n = n + {d};"
)
_SEARCH_ROW = "{r}.id, {r}.reference, {r}.address, {r}.description"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER report_count_insert AFTER INSERT ON report BEGIN "
    + _SQLITE_ADD.format(r="new", d=1)
    + " END",
    "CREATE TRIGGER report_count_delete AFTER DELETE ON report BEGIN "
    + _SQLITE_ADD.format(r="old", d=-1)
    + " END",
    "CREATE TRIGGER report_count_update AFTER UPDATE OF department_id, category_id, status"
    " ON report WHEN old.department_id IS NOT new.department_id"
    " OR old.category_id IS NOT new.category_id OR old.status IS NOT new.status BEGIN "
    + _SQLITE_ADD.format(r="old", d=-1)
    + " "
    + _SQLITE_ADD.format(r="new", d=1)
    + " END",
    "CREATE VIRTUAL TABLE report_search USING fts5(reference, address, description,"
    " content='report', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER report_search_insert AFTER INSERT ON report BEGIN"
    " INSERT INTO report_search (rowid, reference, address, description) VALUES ("
    + _SEARCH_ROW.format(r="new")
    + "); END",
    "CREATE TRIGGER report_search_delete AFTER DELETE ON report BEGIN"
    " INSERT INTO report_search (report_search, rowid, reference, address, description)"
    " VALUES ('delete', " + _SEARCH_ROW.format(r="old") + "); END",
    "CREATE TRIGGER report_search_update AFTER UPDATE OF reference, address, description"
    " ON report BEGIN"
    " INSERT INTO report_search (report_search, rowid, reference, address, description)"
    " VALUES ('delete', " + _SEARCH_ROW.format(r="old") + ");"
    " INSERT INTO report_search (rowid, reference, address, description) VALUES ("
    + _SEARCH_ROW.format(r="new")
    + "); END",
]


def upgrade():
    op.create_table(
        "report_count",
        sa.Column("department_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "department_key", "category_id", "status", name=op.f("pk_report_count")
        ),
    )
    op.execute(
        "INSERT INTO report_count (department_key, category_id, status, n) "
        "SELECT coalesce(department_id, 0), category_id, status, count(*) FROM report "
        "GROUP BY coalesce(department_id, 0), category_id, status"
    )
    for name, columns in (
        ("ix_report_open_due", "due_at, status"),
        ("ix_report_open_department_due", "department_id, due_at, status"),
    ):
        op.execute(f"CREATE INDEX {name} ON report ({columns}) WHERE {OPEN}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(PG_COUNT_FUNCTION)
        for statement in PG_COUNT_TRIGGERS:
            op.execute(statement)
        op.execute(
            f"CREATE INDEX ix_report_search_trgm ON report USING gin ({SEARCH_PG} gin_trgm_ops)"
        )
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO report_search (report_search) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_report_search_trgm")
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_count_{name} ON report")
        op.execute("DROP FUNCTION report_count_sync()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_count_{name}")
            op.execute(f"DROP TRIGGER report_search_{name}")
        op.execute("DROP TABLE report_search")
    op.execute("DROP INDEX ix_report_open_department_due")
    op.execute("DROP INDEX ix_report_open_due")
    op.drop_table("report_count")
