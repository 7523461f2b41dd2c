"""The inbox's counts per status (kept in ``report_count`` by the database) and its text search
(by trigram index): they answer what counting and searching every report would."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db
from app.inbox.queries import QueueFilter, Scope, status_counts
from app.reports import workflow
from app.reports.models import Report
from app.routing.models import Department
from tests.inbox.support import login
from tests.random_changes import change_report

S = ReportStatus
CENTRE = (51.5136, 7.4653)
NORDSTADT = (51.5233, 7.4817)
PHOENIX_SEE = (51.4886, 7.5126)


def plain_counts(*where) -> dict[tuple[int | None, int, str], int]:
    query = (
        sa.select(Report.department_id, Report.category_id, Report.status, sa.func.count())
        .where(*where)
        .group_by(Report.department_id, Report.category_id, Report.status)
    )
    return {(d, c, str(s)): n for d, c, s, n in db.session.execute(query)}


def kept_counts() -> dict[tuple[int | None, int, str], int]:
    rows = db.session.execute(
        sa.text("SELECT department_key, category_id, status, n FROM report_count WHERE n <> 0")
    )
    return {(d or None, c, s): n for d, c, s, n in rows}


def per_status(counts: dict[tuple[int | None, int, str], int], keep) -> dict[ReportStatus, int]:
    result: dict[ReportStatus, int] = {}
    for (department, category, status), n in counts.items():
        if keep(department, category):
            result[S(status)] = result.get(S(status), 0) + n
    return result


def test_counts_equal_a_plain_count_after_a_random_day_in_the_inbox(
    app_ctx, make_user, make_report
):
    rng = random.Random(15)  # noqa: S311 (a repeatable sequence, no secret)
    dispatcher = make_user("dispatcher")
    caseworker = make_user("caseworker", ("edg",))
    departments = list(db.session.execute(sa.select(Department)).scalars())
    categories = list(
        db.session.execute(
            sa.select(Category).where(Category.code.in_(["papierkorb-voll", "laterne-aus"]))
        ).scalars()
    )
    made: list[Report] = []
    actions = {"intake": 0, "status": 0, "reroute": 0, "category": 0, "delete": 0, "sql status": 0}
    for step in range(80):
        action = rng.choice(list(actions)) if made else "intake"
        if action == "intake":
            point = rng.choice([CENTRE, NORDSTADT, PHOENIX_SEE])
            made.append(make_report(rng.choice(["papierkorb-voll", "laterne-aus"]), point))
        else:
            report = rng.choice(made)
            if action == "reroute":
                target = rng.choice([*departments, None])
                if target is not None and target.id == report.department_id:
                    continue
                workflow.reroute(report, target, f"step {step}", dispatcher)
            elif not change_report(action, report, made, rng, dispatcher, categories):
                continue
            db.session.commit()
            db.session.expire_all()
        actions[action] += 1
        if step % 20 == 19:
            assert kept_counts() == plain_counts()
    assert all(actions.values()), actions  # every kind of change happened
    assert kept_counts() == plain_counts()

    # What the inbox shows is the plain count, for each scope the counters serve.
    everything = plain_counts()
    edg = {d.id for d in departments if d.code == "edg"}
    basket = next(c.id for c in categories if c.code == "papierkorb-voll")
    assert status_counts(caseworker, QueueFilter()) == per_status(everything, lambda d, c: d in edg)
    assert status_counts(dispatcher, QueueFilter(scope=Scope.ALL)) == per_status(
        everything, lambda d, c: True
    )
    assert status_counts(dispatcher, QueueFilter(scope=Scope.TRIAGE)) == per_status(
        everything, lambda d, c: d is None
    )
    assert status_counts(
        dispatcher, QueueFilter(scope=Scope.ALL, category_id=basket)
    ) == per_status(everything, lambda d, c: c == basket)


def test_overdue_counts_only_open_reports_past_their_due_date(client, make_user, make_report):
    late_open, late_closed, fine = make_report(), make_report(), make_report()
    past = utcnow() - timedelta(hours=2)
    for report in (late_open, late_closed):
        db.session.execute(sa.update(Report).where(Report.id == report.id).values(due_at=past))
    db.session.execute(
        sa.update(Report).where(Report.id == late_closed.id).values(status=S.RESOLVED.value)
    )
    db.session.commit()
    dispatcher = make_user("dispatcher")
    counts = status_counts(dispatcher, QueueFilter(scope=Scope.ALL, overdue=True))
    assert counts == {S.NEW: 1}
    login(client, make_user("caseworker", ("edg",)))
    page = client.get("/inbox/?overdue=1").get_data(as_text=True)
    assert late_open.reference in page
    assert late_closed.reference not in page and fine.reference not in page


def found(client, text: str) -> list[str]:
    page = client.get("/inbox/", query_string={"q": text})
    assert page.status_code == 200
    return re.findall(r'name="reference" value="([^"]+)"', page.get_data(as_text=True))


@pytest.fixture
def searchable(make_report):
    """Three EDG reports and one of the Tiefbauamt, with streets and words to find."""
    return {
        "basket": make_report(
            "papierkorb-voll", description="Korb am Markt quillt über", address="Lindenstraße 12"
        ),
        "sofa": make_report(
            "wilder-muell", PHOENIX_SEE, description="Sofa am See", address="Hauptstrasse 3"
        ),
        "bags": make_report("papierkorb-voll", description="Säcke 100% voll", address="Am Markt 1"),
        "lamp": make_report("laterne-aus", description="Laterne am Markt dunkel"),
    }


def test_text_search_finds_words_references_and_streets_in_the_departments_queue(
    client, make_user, searchable
):
    basket, sofa, bags, lamp = (searchable[k] for k in ("basket", "sofa", "bags", "lamp"))
    login(client, make_user("caseworker", ("edg",)))
    # A word, in any case, also inside a longer word.
    assert found(client, "QUILLT") == [basket.reference]
    assert found(client, "sofa") == [sofa.reference]
    assert found(client, "korb am markt") == [basket.reference]
    # Streets in the address.
    assert found(client, "Lindenstraße") == [basket.reference]
    assert found(client, "lindenstraße 12") == [basket.reference]
    # A reference, whole or its number alone.
    assert found(client, basket.reference) == [basket.reference]
    assert found(client, basket.reference.split("-", 1)[1]) == [basket.reference]
    # In description or address: both "Markt" reports of EDG, newest first — never the
    # Tiefbauamt's lamp, which is not in the caseworker's queue.
    assert found(client, "markt") == [bags.reference, basket.reference]
    assert lamp.reference not in found(client, "Laterne")
    # Characters the search must take literally.
    assert found(client, "100%") == [bags.reference]
    assert found(client, '"Korb') == []
    assert found(client, "am") == [bags.reference, sofa.reference, basket.reference]


def test_text_search_compares_letters_by_case_only(client, make_user, searchable):
    basket, sofa = searchable["basket"], searchable["sofa"]
    login(client, make_user("caseworker", ("edg",)))
    assert found(client, "straße") == [basket.reference]
    assert found(client, "STRASSE") == [sofa.reference]
    assert found(client, "strasse") == [sofa.reference]  # "Straße" is another spelling
    assert found(client, "säcke") == [searchable["bags"].reference]
    assert found(client, "über") == [basket.reference]


def test_the_search_follows_changes_of_the_report(client, make_user, searchable):
    basket = searchable["basket"]
    caseworker = make_user("caseworker", ("edg",))
    login(client, caseworker)
    assert found(client, "Lindenstraße") == [basket.reference]
    workflow.change_location(basket, 51.5140, 7.4660, caseworker)  # the address is cleared
    db.session.commit()
    assert found(client, "Lindenstraße") == []
    assert found(client, "quillt") == [basket.reference]
    db.session.delete(db.session.get(Report, basket.id))
    db.session.commit()
    assert found(client, "quillt") == []


def test_counts_of_a_search_are_those_of_the_reports_found(client, make_user, searchable):
    bags = searchable["bags"]
    db.session.execute(
        sa.update(Report).where(Report.id == bags.id).values(status=S.IN_PROGRESS.value)
    )
    db.session.commit()
    login(client, make_user("caseworker", ("edg",)))
    page = client.get("/inbox/", query_string={"q": "markt"}).get_data(as_text=True)
    counts = dict(
        re.findall(r'class="status-(\w+)[^"]*">[^<]+<span class="count">(\d+)</span>', page)
    )
    assert counts == {"new": "1", "in_progress": "1"}
