"""inbox: text search over the open reports by an index that holds only them

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 10:30:00

The whole-history search index of 0018 grows with every report that shares a trigram ("str",
"aße"), so a search of the open reports read posting lists as long as the history. This adds an
index of the open reports only, which the queue uses when its status filter lies within the open
statuses (or "overdue"): PostgreSQL a partial trigram GIN index with the open condition written
as literal SQL (the planner uses it only when the query repeats it), SQLite a second
external-content FTS5 trigram table ``report_search_open`` kept by triggers on insert, delete
and every change of status or of the three texts.
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Exactly as app/inbox/counts.py OPEN_SQL and app/inbox/search.py (without the table name).
OPEN = "status IN ('forwarded', 'in_progress', 'in_review', 'new', 'reopened')"
SEARCH_PG = "(reference || chr(10) || coalesce(address, '') || chr(10) || description)"

_ROW = "{r}.id, {r}.reference, {r}.address, {r}.description"
_OPEN_OF = "{r}.status IN ('forwarded', 'in_progress', 'in_review', 'new', 'reopened')"
_ADD = (
    "INSERT INTO report_search_open (rowid, reference, address, description)"
    " SELECT " + _ROW + " WHERE " + _OPEN_OF + ";"
)
_REMOVE = (
    "INSERT INTO report_search_open (report_search_open, rowid, reference, address, description)"
    " SELECT 'delete', " + _ROW + " WHERE " + _OPEN_OF + ";"
)
FILL_SQLITE = f"INSERT INTO report_search_open (rowid, reference, address, description) SELECT id, reference, address, description FROM report WHERE {OPEN}"  # noqa: S608, E501 (constant)
SQLITE = [
    "CREATE VIRTUAL TABLE report_search_open USING fts5(reference, address, description,"
    " content='report', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER report_search_open_insert AFTER INSERT ON report BEGIN "
    + _ADD.format(r="new")
    + " END",
    "CREATE TRIGGER report_search_open_delete AFTER DELETE ON report BEGIN "
    + _REMOVE.format(r="old")
    + " END",
    "CREATE TRIGGER report_search_open_update AFTER UPDATE OF status, reference, address,"
    " description ON report BEGIN " + _REMOVE.format(r="old") + " " + _ADD.format(r="new") + " END",
    # Filled from the open reports (FTS5's 'rebuild' would take every row of the content table).
    FILL_SQLITE,
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_report_open_search_trgm ON report"
            f" USING gin ({SEARCH_PG} gin_trgm_ops) WHERE {OPEN}"
        )
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_report_open_search_trgm")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_search_open_{name}")
        op.execute("DROP TABLE report_search_open")
