"""The inbox's text search: a substring of reference, address or description, any case.

Indexed on both databases (migration 0018), so a search reads the reports it finds instead of
every report: PostgreSQL by a trigram GIN index (pg_trgm) over the three texts joined by a line
break (which the search box cannot send, so no match spans two texts); SQLite by an
external-content FTS5 table with the trigram tokenizer, whose phrase query finds the same
substrings. Both need three characters; a shorter text is looked for without the index.

A second index holds only the active reports (migration 0022): open ones and closed ones not
yet archived (``report.archived_at``, set by the worker ``ARCHIVE_AFTER_DAYS`` after closing).
Every text search reads it unless the caseworker asks for the archive too, so it costs the
backlog and the last months' closed reports, not the history: on PostgreSQL a partial trigram
index ``WHERE archived_at IS NULL`` (the query repeats the condition literally), on SQLite the
FTS5 table ``report_search_active``, kept by triggers on every change of ``archived_at``. A
search whose status filter lies within the open statuses (or "overdue") reads it too and keeps
the open reports: an open report is never archived. (The open reports had an index of their
own, migration 0020, written on every new report and status change; 0024 dropped it.)

A search with the archive over all statuses does not read every report it finds
(``app/inbox/queries.py``): ``found_sample`` takes at most ``SEARCH_CAP + 1`` of them from the
index, which stops there; only when they are all there are they sorted and counted (on
PostgreSQL the index hands over all it finds at once, so a text that the newest reports hold
often is first looked for among them, read in order: ``found_among_newest`` and
``found_since`` prove "more than" without the index when they can). A broader
text is paged window by window: ``window_condition`` restricts the index to the reports
received in one stretch of time (SQLite by their range of ids, which FTS5 seeks to; PostgreSQL
by the received time, whose index the planner ANDs with the trigram index).

"Straße" finds "Lindenstraße" and "STRASSE" finds "Strasse", but "strasse" does not find
"Straße": letters are compared by case only, as the search always did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from app.core.enums import OPEN_STATUSES
from app.extensions import db
from app.reports.models import Report

MIN_INDEXED = 3  # trigrams
# Exactly the expression of PostgreSQL's index ix_report_search_trgm.
SEARCH_FOUND = (
    "(found.reference || chr(10) || coalesce(found.address, '') || chr(10) || found.description)"
)

# Schema objects made by migrations 0018, 0020 and 0022 outside the models: FTS5's tables and
# their shadow tables on SQLite, the partial and trigram indexes. Autogenerate and the schema
# check leave them be.
DERIVED_INDEXES = frozenset(
    {
        "ix_report_open_due",
        "ix_report_open_department_due",
        "ix_report_search_trgm",
        "ix_report_active_search_trgm",
        "ix_report_archivable",
    }
)
# The open statuses, as the report's own column says them in the statement.
FOUND_OPEN = "found.status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)))
# The active reports exactly as the partial index ix_report_active_search_trgm says them.
FOUND_ACTIVE = "found.archived_at IS NULL"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's ``include_name``: everything but the objects above."""
    if type_ == "table" and name is not None and name.startswith("report_search"):
        return False
    return not (type_ == "index" and name in DERIVED_INDEXES)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Window:
    """A stretch of the reports in the queue's order: up to and with ``floor`` (created at, id;
    None: to the end of the history), their ids between ``low_id`` and ``high_id``."""

    floor: tuple[datetime, int] | None
    low_id: int
    high_id: int


def found_sample(query: sa.Select, text: str, limit: int) -> list[sa.Row]:
    """Up to ``limit`` reports of ``query`` (the filter without its text) whose texts contain
    ``text`` (at least ``MIN_INDEXED`` characters), as rows of id and status, in no particular
    order: the index stops once it has found ``limit`` of them."""
    columns = (Report.id, Report.status)
    if db.engine.dialect.name == "postgresql":
        # The trigram index as a bitmap, the other filters on the rows it finds; the LIMIT
        # ends the reading of the rows (in the table's order, not the history's). The planner
        # cannot tell how many reports a text finds: with the LIMIT it would read the table (or
        # an index) from one end, testing each report, when it guesses the text common — as
        # long as the history when it is not. So for this statement (and only this one) it
        # may use bitmap scans only. And it plans it for this text each time: the driver
        # prepares a statement it runs often, and the server may then keep a plan made without
        # the text, one that suits a rare text (the statement is the same for every text) and
        # cost a common one half as much again (a broad search after rare ones: 51 ms instead
        # of 33 at a million reports).
        condition = sa.text(
            f"{SEARCH_FOUND.replace('found.', 'report.')} ILIKE :search_pattern ESCAPE '\\'"
        ).bindparams(search_pattern=_like_pattern(text))
        sample = _fenced(query, condition).limit(limit)
        with _planned(enable_seqscan="off", enable_indexscan="off"):
            return list(db.session.execute(sample))
    # SQLite: FTS5 gives the ids it finds one by one and the report is looked up by each, so
    # the LIMIT ends the reading of the index. "+ 0": FTS5 cannot be asked by id, so the
    # planner never reads it once per report of another filter (copies, a district).
    search = sa.table("report_search", sa.column("rowid", sa.Integer))
    sample = (
        query.with_only_columns(*columns)
        .where(
            Report.id == search.c.rowid + 0,
            sa.text("report_search MATCH :search_phrase").bindparams(search_phrase=_phrase(text)),
        )
        .limit(limit)
    )
    return list(db.session.execute(sample))


def _fenced(query: sa.Select, condition: sa.TextClause) -> sa.Select:
    """Id and status of the reports that match ``condition`` (through the trigram index alone)
    and then the rest of ``query``'s filters. The matches come from a subquery that the planner
    keeps as it is ("OFFSET 0"): given the filters beside the text, it would AND the trigram
    index with theirs, and a department's index walks a quarter of the history (16 of 26 ms
    for a text found 51 times in a million reports) to spare a few hundred rows' visits."""
    found = sa.select(*_columns(query)).where(condition).offset(0).subquery("report_found")
    return _filtered_on(query, found)


@contextmanager
def _planned(**settings: str) -> Iterator[None]:
    """PostgreSQL's planner settings for the statements of the block (restored after it),
    each planned for its own parameters: the driver prepares a statement it runs often, and
    the server may then keep a plan made without them."""
    names = {**settings, "plan_cache_mode": "force_custom_plan"}
    old = db.session.execute(
        sa.text(
            "SELECT "
            + ", ".join(
                f"current_setting('{name}') AS {name}, set_config('{name}', :{name}, true)"
                for name in names
            )
        ),
        names,
    ).one()
    try:
        yield
    finally:
        db.session.execute(
            sa.text("SELECT " + ", ".join(f"set_config('{n}', :{n}, true)" for n in names)),
            {name: getattr(old, name) for name in names},
        )


@dataclass(frozen=True)
class Newest:
    """What the newest reports received tell of a text (``found_among_newest``)."""

    read: int  # how many of the newest reports were read
    found: int  # of them, reports of the query that contain the text
    found_anywhere: int  # reports of any queue that contain it
    first_at: datetime | None  # when the newest came in
    last_at: datetime | None  # when the last of them came in
    reports: float  # how many reports there are, by PostgreSQL's statistics (-1: not known)


def found_among_newest(query: sa.Select, text: str, count: int) -> Newest:
    """How often the newest ``count`` reports received (in any queue) contain ``text``, as
    reports of ``query`` and at all, in one statement (PostgreSQL)."""
    report = Report.__table__
    texts: ColumnElement[str] = sa.literal_column(SEARCH_FOUND.replace("found.", "report."))
    newest = (
        sa.select(
            *_columns(query),
            report.c.created_at.label("received"),
            texts.ilike(sa.bindparam("search_pattern", _like_pattern(text)), escape="\\").label(
                "contains"
            ),
        )
        .order_by(report.c.created_at.desc())
        .limit(count)
        .subquery("report_newest")
    )
    scope = (
        sql_util.ClauseAdapter(newest).traverse(query.whereclause)
        if query.whereclause is not None
        else sa.true()
    )
    size = sa.text("(SELECT reltuples FROM pg_class WHERE oid = 'report'::regclass)")
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(sa.and_(newest.c.contains, scope)),
            sa.func.count().filter(newest.c.contains),
            sa.func.max(newest.c.received),
            sa.func.min(newest.c.received),
            size.columns(sa.column("reltuples", sa.Float)).scalar_subquery(),
        )
    ).one()
    return Newest(*row)


def found_since(query: sa.Select, text: str, since: datetime, limit: int) -> int:
    """How many (up to ``limit``) reports of ``query`` received since ``since`` contain
    ``text``: read from the newest, each tested as it is read (PostgreSQL)."""
    found = (
        query.with_only_columns(Report.id)
        .where(Report.created_at >= since)
        .where(
            sa.text(
                f"({SEARCH_FOUND.replace('found.', 'report.')} || '')"
                " ILIKE :search_pattern ESCAPE '\\'"
            ).bindparams(search_pattern=_like_pattern(text))
        )
        .order_by(Report.created_at.desc())
        .limit(limit)
    )
    # In order, from the newest, stopping at the limit: not by a bitmap of a department's
    # reports since then, sorted (the planner's choice at 200,000 reports: 33 ms instead of
    # 11), nor in workers of their own, which cost more to start than the reading saves.
    with _planned(
        enable_bitmapscan="off",
        enable_seqscan="off",
        enable_sort="off",
        max_parallel_workers_per_gather="0",
    ):
        return len(db.session.execute(found).all())


def _columns(query: sa.Select) -> list[Any]:
    """The report's columns that ``query``'s filters read, its id and status."""
    report = Report.__table__
    used = {report.c.id, report.c.status}
    if query.whereclause is not None:
        used |= {
            c
            for c in visitors.iterate(query.whereclause)
            if isinstance(c, sa.Column) and c.table is report
        }
    return [c for c in report.c if c in used]


def _filtered_on(query: sa.Select, rows: sa.Subquery) -> sa.Select:
    """Id and status of the subquery's ``rows`` that pass ``query``'s filters."""
    sample = sa.select(rows.c.id, rows.c.status)
    if query.whereclause is not None:
        sample = sample.where(sql_util.ClauseAdapter(rows).traverse(query.whereclause))
    return sample


def window_condition(text: str, window: Window) -> ColumnElement[bool] | sa.TextClause:
    """Reports of ``window`` whose texts contain ``text`` (at least ``MIN_INDEXED``
    characters); the query bounds the window by the received time and reads it in order."""
    if db.engine.dialect.name == "postgresql":
        # Tested on each report as the window is read newest first (the query stops at its
        # LIMIT): the text joined as the trigram index has it, but with "|| ''" so the planner
        # does not take the index, which would read every report of the history found.
        return sa.text(
            f"({SEARCH_FOUND.replace('found.', 'report.')} || '') ILIKE :search_pattern ESCAPE '\\'"
        ).bindparams(search_pattern=_like_pattern(text))
    # SQLite: FTS5 reads its lists only within the window's range of ids.
    found = sa.text(
        "SELECT rowid FROM report_search WHERE report_search MATCH :search_phrase"
        " AND rowid BETWEEN :window_low AND :window_high"
    ).bindparams(search_phrase=_phrase(text), window_low=window.low_id, window_high=window.high_id)
    return Report.id.in_(found.columns(sa.column("rowid", sa.Integer)))


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def text_condition(
    text: str, open_only: bool = False, active_only: bool = False
) -> ColumnElement[bool] | sa.TextClause:
    """Reports whose reference, address or description contains ``text`` (any case); with
    ``active_only`` the reports not archived, through the index of the active reports; with
    ``open_only`` open reports only, through the same index (an open report is never
    archived)."""
    pattern = _like_pattern(text)
    if len(text) < MIN_INDEXED:
        only: ColumnElement[bool] = sa.true()
        if open_only:
            only = Report.status.in_(sorted(OPEN_STATUSES))
        elif active_only:
            only = Report.archived_at.is_(None)
        return sa.and_(
            only,
            sa.or_(
                Report.reference.ilike(pattern, escape="\\"),
                Report.description.ilike(pattern, escape="\\"),
                Report.address.ilike(pattern, escape="\\"),
            ),
        )
    active_only = active_only or open_only
    if db.engine.dialect.name == "postgresql":
        # The matches first (an InitPlan), then the other filters on them by primary key: as a
        # plain condition the planner, which cannot tell how few rows a pattern matches, would
        # walk the newest reports or AND a department's whole index with it, both as long as
        # the history.
        # Active only: the condition as the partial index says it, so the planner takes that
        # index; open only: the open ones of what it finds.
        only_sql = f" AND {FOUND_ACTIVE}" if active_only else ""
        only_sql += f" AND {FOUND_OPEN}" if open_only else ""
        return sa.text(
            f"report.id = ANY(ARRAY(SELECT found.id FROM report AS found WHERE {SEARCH_FOUND}"  # noqa: S608 (constant; the text is a parameter)
            f" ILIKE :search_pattern ESCAPE '\\'{only_sql}))"
        ).bindparams(search_pattern=pattern)
    phrase = _phrase(text)
    table = "report_search_active" if active_only else "report_search"
    found = sa.text(f"SELECT rowid FROM {table} WHERE {table} MATCH :search_phrase")  # noqa: S608 (constant)
    matches = Report.id.in_(
        found.bindparams(search_phrase=phrase).columns(sa.column("rowid", sa.Integer))
    )
    return sa.and_(Report.status.in_(sorted(OPEN_STATUSES)), matches) if open_only else matches
