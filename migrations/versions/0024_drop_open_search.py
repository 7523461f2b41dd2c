"""inbox: the open reports are searched through the active reports' index; theirs goes

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 21:30:00

Migration 0020 gave the open reports a text-search index of their own, so that a search within
the open statuses cost the backlog rather than the history. Since 0022 the active reports
(open, and closed within ``ARCHIVE_AFTER_DAYS``) have one too, and an open report is always
active: such a search now reads that index and keeps the open ones (a few months of closed
reports more to pass over, not the history). The open index was written on every new report and
every status change (on SQLite a third FTS5 table, about a seventh of the pages each new report
wrote); it is dropped. The downgrade makes it again, filled from the open reports.
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# As migration 0020 made them.
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
    "INSERT INTO report_search_open (rowid, reference, address, description)"  # noqa: S608 (constant)
    f" SELECT id, reference, address, description FROM report WHERE {OPEN}",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_report_open_search_trgm")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_search_open_{name}")
        op.execute("DROP TABLE report_search_open")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_report_open_search_trgm ON report"
            f" USING gin ({SEARCH_PG} gin_trgm_ops) WHERE {OPEN}"
        )
    else:
        for statement in SQLITE:
            op.execute(statement)
