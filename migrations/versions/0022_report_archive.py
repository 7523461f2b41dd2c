"""reports: the archive — closed reports leave the inbox's default text search after a while

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 16:00:00

``report.archived_at`` (NULL: active) is set by the worker's job ``archive_closed_reports``
(app/forwarding/jobs.py) for reports closed longer than ``ARCHIVE_AFTER_DAYS`` ago; the index
``ix_report_archivable`` finds them without reading the archive. The inbox's text search reads
by default an index of the active reports only (open and not-yet-archived closed ones), so it
costs the backlog and the last months, not the history: PostgreSQL a partial trigram GIN index
``ix_report_active_search_trgm`` (the query repeats its condition literally), SQLite a third
external-content FTS5 trigram table ``report_search_active`` kept by triggers on insert, delete,
change of the three texts and change of ``archived_at``. A report that becomes open again is
active again, whoever changes its status: a trigger clears ``archived_at`` (PostgreSQL before
the update, SQLite right after it).

Existing reports closed more than 120 days ago (the default) are archived here.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

ARCHIVE_AFTER_DAYS = 120  # config.py's default
# Exactly as app/inbox/counts.py OPEN_SQL and app/inbox/search.py (without the table name).
OPEN = "status IN ('forwarded', 'in_progress', 'in_review', 'new', 'reopened')"
ACTIVE = "archived_at IS NULL"
SEARCH_PG = "(reference || chr(10) || coalesce(address, '') || chr(10) || description)"

PG_REOPEN_FUNCTION = """
CREATE FUNCTION report_reopen_unarchive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- An open report is never archived: back into the active index with its new status.
  NEW.archived_at := NULL;
  RETURN NEW;
END $$
"""
PG_REOPEN_TRIGGER = (
    "CREATE TRIGGER report_reopen_unarchive BEFORE UPDATE OF status ON report FOR EACH ROW"
    f" WHEN (NEW.archived_at IS NOT NULL AND NEW.{OPEN}) EXECUTE FUNCTION report_reopen_unarchive()"
)

_ROW = "{r}.id, {r}.reference, {r}.address, {r}.description"
_ACTIVE_OF = "{r}.archived_at IS NULL"
_ADD = (
    "INSERT INTO report_search_active (rowid, reference, address, description)"
    " SELECT " + _ROW + " WHERE " + _ACTIVE_OF + ";"
)
_REMOVE = (
    "INSERT INTO report_search_active"
    " (report_search_active, rowid, reference, address, description)"
    " SELECT 'delete', " + _ROW + " WHERE " + _ACTIVE_OF + ";"
)
FILL_SQLITE = f"INSERT INTO report_search_active (rowid, reference, address, description) SELECT id, reference, address, description FROM report WHERE {ACTIVE}"  # noqa: S608, E501 (constant)
SQLITE = [
    "CREATE VIRTUAL TABLE report_search_active USING fts5(reference, address, description,"
    " content='report', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER report_search_active_insert AFTER INSERT ON report BEGIN "
    + _ADD.format(r="new")
    + " END",
    "CREATE TRIGGER report_search_active_delete AFTER DELETE ON report BEGIN "
    + _REMOVE.format(r="old")
    + " END",
    "CREATE TRIGGER report_search_active_update AFTER UPDATE OF archived_at, reference, address,"
    " description ON report BEGIN " + _REMOVE.format(r="old") + " " + _ADD.format(r="new") + " END",
    # Reopened (by the workflow, a partner's answer or SQL by hand): active again. The UPDATE
    # of archived_at runs report_search_active_update, which adds it to the index.
    "CREATE TRIGGER report_reopen_unarchive AFTER UPDATE OF status ON report"  # noqa: S608 (constant)
    " WHEN new.archived_at IS NOT NULL AND new." + OPEN + " BEGIN"
    " UPDATE report SET archived_at = NULL WHERE id = new.id; END",
    # Filled from the active reports (FTS5's 'rebuild' would take every row of the content table).
    FILL_SQLITE,
]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    # A plain ADD COLUMN (no batch copy of the table on SQLite, which would drop its triggers).
    op.add_column("report", sa.Column("archived_at", UTCDateTime(), nullable=True))
    now = datetime.now(UTC)
    op.get_bind().execute(
        sa.text(
            f"UPDATE report SET archived_at = :now WHERE closed_at < :cutoff AND NOT ({OPEN})"  # noqa: S608 (constant)
        ).bindparams(
            sa.bindparam("now", now, type_=UTCDateTime()),
            sa.bindparam("cutoff", now - timedelta(days=ARCHIVE_AFTER_DAYS), type_=UTCDateTime()),
        )
    )
    # The archive job's reading: the closed reports not yet archived, oldest closed first.
    op.execute(
        "CREATE INDEX ix_report_archivable ON report (closed_at)"
        f" WHERE {ACTIVE} AND closed_at IS NOT NULL"
    )
    if postgres:
        op.execute(
            "CREATE INDEX ix_report_active_search_trgm ON report"
            f" USING gin ({SEARCH_PG} gin_trgm_ops) WHERE {ACTIVE}"
        )
        op.execute(PG_REOPEN_FUNCTION)
        op.execute(PG_REOPEN_TRIGGER)
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_reopen_unarchive ON report")
        op.execute("DROP FUNCTION report_reopen_unarchive()")
        op.execute("DROP INDEX ix_report_active_search_trgm")
    else:
        op.execute("DROP TRIGGER report_reopen_unarchive")
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_search_active_{name}")
        op.execute("DROP TABLE report_search_active")
    op.execute("DROP INDEX ix_report_archivable")
    op.drop_column("report", "archived_at")
