"""What one report costs the database, counted (never timed): the city configuration and the
API key come from the process's caches, the report is written in one flush, and the answer is
made from the intake's result without reading the committed report again.

The bounds are the counts measured when the caches were built — an Open311 POST without photo:
31 statements in 3 flushes, 10 of them after the commit, before; 13 in one flush after (8 of
them keep the statistics current); the web form: 23 before, 16 after. Counting the new report
into the statistics from its objects in the session, with upserts compiled once: 9 and 12
(4 of them the statistics). The report, its event and its outbox row are then written with
one Core INSERT each (no flush left for an Open311 report without contact, copies or photos);
on PostgreSQL the rollup reads no stored counts for a new report (8 statements). A change that
adds a query per report fails here instead of slowing intake down unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm

from app.extensions import db
from app.forwarding.models import Delivery
from app.reports.models import Report
from tests.open311.conftest import (
    API,
    BORSIGPLATZ,
    FRIEDENSPLATZ,
    api_key,  # noqa: F401  (fixture)
)
from tests.web.support import csrf_token

# The tables of the city configuration and of API keys: no intake reads them once cached.
CONFIGURATION_TABLES = ("category", "category_attribute", "category_group", "routing_rule")
CONFIGURATION_TABLES += ("department", "district", "api_key")
# The city version, then the report: on PostgreSQL its number, row, first event and ticket in
# one statement and the statistics in another; on SQLite one statement each and the
# statistics' read of what the report added before and three upserts.
OPEN311_STATEMENTS = {"postgresql": 3, "sqlite": 9}
WEB_STATEMENTS = 12


@dataclass
class Recorded:
    statements: list[str] = field(default_factory=list)
    flushes: int = 0
    commits: int = 0
    after_commit: list[str] = field(default_factory=list)  # statements after the first commit

    def reading(self, table: str) -> list[str]:
        pattern = re.compile(rf"\bFROM {table}\b")
        return [s for s in self.statements if s.lstrip().startswith("SELECT") and pattern.search(s)]


@contextmanager
def recorded() -> Iterator[Recorded]:
    """Every SQL statement sent to the database, and every ORM flush, while the block runs."""
    seen = Recorded()

    def statement(conn, cursor, sql, parameters, context, executemany):
        seen.statements.append(sql)
        if seen.commits:
            seen.after_commit.append(sql)

    def committed(conn):
        seen.commits += 1

    def flushed(session, context):
        seen.flushes += 1

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    sa.event.listen(db.engine, "commit", committed)
    sa.event.listen(orm.Session, "after_flush", flushed)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        sa.event.remove(db.engine, "commit", committed)
        sa.event.remove(orm.Session, "after_flush", flushed)


def post_open311(client, api_key: str, point=FRIEDENSPLATZ, **form):
    data = {
        "api_key": api_key,
        "service_code": "papierkorb-voll",
        "lat": str(point[0]),
        "long": str(point[1]),
        "description": "Papierkorb quillt über",
        **form,
    }
    return client.post(f"{API}/requests.json", data=data)


def test_an_open311_report_reads_no_configuration_and_flushes_at_most_once(
    client, api_key, app_ctx
):
    assert post_open311(client, api_key).status_code == 200  # the caches are filled
    with recorded() as seen:
        response = post_open311(client, api_key, point=BORSIGPLATZ)
    assert response.status_code == 200
    for table in CONFIGURATION_TABLES:
        assert seen.reading(table) == [], table
    # one transaction: nothing is read after the commit to answer
    assert seen.commits == 1 and seen.after_commit == []
    # the report, its event and its ticket are written past the unit of work: nothing is left
    # for a flush here (a report with a contact, copies or photos flushes those, once)
    assert seen.flushes == 0
    dialect = db.engine.dialect.name
    assert len(seen.statements) <= OPEN311_STATEMENTS[dialect], "\n".join(seen.statements)
    writes_ticket = [s for s in seen.statements if "INSERT INTO delivery" in s]
    assert len(writes_ticket) == 1
    if dialect == "postgresql":
        assert "INSERT INTO report " in writes_ticket[0]  # with the report, in its statement
    # …and the answer is the one the report's public view gives
    [answer] = response.get_json()
    db.session.rollback()
    stored = db.session.execute(
        sa.select(Report).where(Report.reference == answer["service_request_id"])
    ).scalar_one()
    assert stored.department.code == "edg"
    [ticket] = db.session.execute(sa.select(Delivery).filter_by(report_id=stored.id)).scalars()
    assert (ticket.purpose, ticket.target, ticket.status) == ("forward", "edg", "pending")
    [public] = client.get(f"{API}/requests/{stored.reference}.json").get_json()
    assert answer["service_notice"] == public["service_notice"]


def test_answers_in_each_language_match_the_public_view_with_copies(client, api_key, app_ctx):
    """A report that informs another department as well: the POST's notice names both, in the
    language asked for, exactly as the report's own GET says it."""
    unsafe = {
        "service_code": "unsicherer-ort",
        "attribute[time_of_day]": "night",
        "attribute[reasons][]": ["dark", "deserted"],
    }
    for lang in ("de", "en", "tr", "ar"):
        language = {"Accept-Language": lang}
        response = client.post(
            f"{API}/requests.json",
            data={
                "api_key": api_key,
                "lat": str(BORSIGPLATZ[0]),
                "long": str(BORSIGPLATZ[1]),
                **unsafe,
            },
            headers=language,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        [answer] = response.get_json()
        [public] = client.get(
            f"{API}/requests/{answer['service_request_id']}.json", headers=language
        ).get_json()
        assert answer["service_notice"] == public["service_notice"], lang
        assert " · " in answer["service_notice"]  # the copy is named


def test_a_web_report_reads_no_configuration_and_flushes_at_most_once(client, app_ctx):
    def send():
        return client.post(
            "/report",
            data={
                "csrf_token": csrf_token(client),
                "category": "papierkorb-voll",
                "lat": str(FRIEDENSPLATZ[0]),
                "lon": str(FRIEDENSPLATZ[1]),
                "description": "Papierkorb quillt über",
            },
            content_type="multipart/form-data",
        )

    assert send().status_code == 303
    token = csrf_token(client)
    with recorded() as seen:
        response = client.post(
            "/report",
            data={
                "csrf_token": token,
                "category": "papierkorb-voll",
                "lat": str(BORSIGPLATZ[0]),
                "lon": str(BORSIGPLATZ[1]),
                "description": "Noch einer",
            },
            content_type="multipart/form-data",
        )
    assert response.status_code == 303
    reference = re.search(r"DO-\d{4}-\d{5}", response.headers["Location"])
    assert reference is not None
    # (the form reads the category list to parse the answers' fields; routing reads nothing)
    for table in ("routing_rule", "department", "district"):
        assert seen.reading(table) == [], table
    assert seen.commits == 1 and seen.after_commit == []
    assert seen.flushes <= 1
    assert len(seen.statements) <= WEB_STATEMENTS, "\n".join(seen.statements)
    assert reference.group(0) in client.get(response.headers["Location"]).get_data(as_text=True)
