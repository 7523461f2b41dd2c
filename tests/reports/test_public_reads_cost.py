"""What reading a report costs the database, counted (never timed): the public status and
confirmation pages, Open311 GET of one request and of the list, and the inbox page take a
report's category, group, department and district from the process's caches, and the report
with its photos, copies and supporters in one query.

The bounds are the counts measured before and after (one request, caches filled, on SQLite
and PostgreSQL alike): the status page 12 → 3 (an unsafe place with a copy: 14 → 3), the
confirmation page 11 → 3, Open311 one request 11 → 3, the Open311 list of 50 built anew
9 → 7, the inbox page of 50 reports 13 → 6. A change that adds a query per page (or per
report of a list) fails here instead of slowing the pages down unnoticed.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.enums import Channel, ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.geo.models import District
from app.open311 import caching
from app.reports import workflow
from app.reports.models import Report, ReportPhoto, ReportSupporter
from app.routing.models import Department
from tests.inbox.support import login, text
from tests.open311.conftest import (
    API,
    FRIEDENSPLATZ,
    UNSAFE_FORM,
    api_key,  # noqa: F401  (fixture)
)
from tests.reports.test_configuration_cache import other_process  # noqa: F401  (fixture)
from tests.reports.test_intake_cost import recorded

STATUS_PAGE = 3  # the city version, the report with photos, copies and supporters, its events
CONFIRMATION_PAGE = 3
OPEN311_ONE = 3
OPEN311_LIST = 7  # version, ETag state, page with supporters, photos, copies, total, events
INBOX_PAGE = 6  # version, user, user's departments, page, counts, supporters

# What no public read takes from the database any more (the caches have it).
CONFIGURATION = ("category", "category_attribute", "category_group", "routing_rule")
CONFIGURATION += ("department", "district")
UNSAFE_PLACE = (51.524173, 7.481658)


def reading(statements: list[str], table: str) -> list[str]:
    pattern = re.compile(rf"\bFROM {table}\b")
    return [s for s in statements if s.lstrip().startswith("SELECT") and pattern.search(s)]


def assert_no_configuration_read(statements: list[str], tables=CONFIGURATION) -> None:
    for table in tables:
        assert reading(statements, table) == [], table


def post(client, token: str, point=FRIEDENSPLATZ, **form) -> str:
    data = {
        "api_key": token,
        "service_code": "papierkorb-voll",
        "lat": str(point[0]),
        "long": str(point[1]),
        "description": "Papierkorb quillt über",
        **form,
    }
    response = client.post(f"{API}/requests.json", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def stored(reference: str) -> Report:
    return db.session.execute(sa.select(Report).where(Report.reference == reference)).scalar_one()


def names(reference: str) -> dict[str, str]:
    """The district's and department's names as the database has them."""
    db.session.rollback()
    report = stored(reference)
    found = {
        "district": db.session.get(District, report.district_id).name,
        "department": db.session.get(Department, report.department_id).name,
    }
    db.session.rollback()
    return found


@pytest.fixture
def litter(client, api_key) -> str:
    """A litter-bin report with a released photo, one held back, a supporter and a public
    status note."""
    reference = post(client, api_key)
    db.session.rollback()
    report = stored(reference)
    for position, public in enumerate((True, False)):
        db.session.add(
            ReportPhoto(
                report_id=report.id,
                position=position,
                storage_key=f"{position}" * 64 + ".jpg",
                thumbnail_key=f"{position + 2}" * 64 + ".jpg",
                width=2000,
                height=1500,
                is_public=public,
                anonymisation="done",
            )
        )
    db.session.add(ReportSupporter(report_id=report.id, channel=Channel.WEB, locale="de"))
    workflow.apply_status(
        report, ReportStatus.IN_PROGRESS, Actor("system", "test"), "Wir leeren ihn morgen."
    )
    db.session.commit()
    return reference


def counted(client, url: str) -> tuple[object, list[str]]:
    assert client.get(url).status_code == 200  # the caches filled
    with recorded() as seen:
        response = client.get(url)
    assert response.status_code == 200
    return response, seen.statements


def test_status_page_reads_the_report_in_two_statements_and_names_from_the_caches(client, litter):
    expected = names(litter)
    response, statements = counted(client, f"/r/{litter}?lang=de")
    assert len(statements) <= STATUS_PAGE, "\n".join(statements)
    assert_no_configuration_read(statements)
    page = text(response)
    assert "Papierkorb voll" in page
    assert expected["district"] in page and expected["department"] in page
    assert "Wir leeren ihn morgen." in page
    assert "1 weiteren Person" in page  # the supporter
    assert page.count(f"/r/{litter}/photos/") == 2  # the released photo: link and thumbnail
    assert "Fotos werden nach Prüfung veröffentlicht." in page  # the other one waits


def test_status_page_of_an_unsafe_place_with_a_copy_costs_the_same(client, api_key):
    reference = post(client, api_key, UNSAFE_PLACE, service_code="unsicherer-ort", **UNSAFE_FORM)
    expected = names(reference)
    response, statements = counted(client, f"/r/{reference}?lang=de")
    assert len(statements) <= STATUS_PAGE, "\n".join(statements)
    assert_no_configuration_read(statements)
    page = text(response)
    assert expected["district"] in page and expected["department"] in page
    assert "Fotos werden nach Prüfung" not in page  # no photo, none waiting


def test_confirmation_page_costs_the_same(client, litter):
    response, statements = counted(client, f"/report/{litter}/submitted")
    assert len(statements) <= CONFIRMATION_PAGE, "\n".join(statements)
    assert_no_configuration_read(statements)
    assert litter in text(response)


def test_open311_one_request_in_two_statements_with_everything_public(client, api_key, litter):
    db.session.rollback()
    copied = post(client, api_key, UNSAFE_PLACE, service_code="unsicherer-ort", **UNSAFE_FORM)
    expected = names(litter)
    response, statements = counted(client, f"{API}/requests/{litter}.json?locale=de")
    assert len(statements) <= OPEN311_ONE, "\n".join(statements)
    assert_no_configuration_read(statements)
    [answer] = response.get_json()
    ext = answer["extended_attributes"]
    assert answer["agency_responsible"] == expected["department"] == ext["department"]
    assert ext["district"] == expected["district"]
    assert ext["group"] and ext["supporter_count"] == 1
    assert len(ext["media_urls"]) == 1 and answer["media_url"] == ext["media_urls"][0]
    assert [n["description"] for n in ext["notes"]] == [None, "Wir leeren ihn morgen."]
    # A copy's department and the rule's words, from the caches too.
    response, statements = counted(client, f"{API}/requests/{copied}.json?locale=de")
    assert len(statements) <= OPEN311_ONE, "\n".join(statements)
    assert_no_configuration_read(statements)
    assert "Ebenfalls informiert:" in response.get_json()[0]["service_notice"]


def test_open311_list_reads_no_configuration_and_counts_supporters_with_the_page(
    client, api_key, litter
):
    for i in range(55):
        post(client, api_key, (FRIEDENSPLATZ[0] + i * 1e-4, FRIEDENSPLATZ[1]))
    url = f"{API}/requests.json?extensions=true"
    assert client.get(url).status_code == 200
    caching.forget_answers()  # built anew, as after a new report
    with recorded() as seen:
        response = client.get(url)
    assert response.status_code == 200
    assert len(seen.statements) <= OPEN311_LIST, "\n".join(seen.statements)
    assert_no_configuration_read(seen.statements)
    answers = response.get_json()
    assert len(answers) == 50 and response.headers["X-Total-Count"] == "56"
    # the second page holds the first report, its supporter counted with the page
    second = client.get(f"{url}&page=2").get_json()
    [mine] = [a for a in second if a["service_request_id"] == litter]
    assert mine["extended_attributes"]["supporter_count"] == 1
    assert {a["extended_attributes"]["supporter_count"] for a in answers} == {0}
    assert all(a["extended_attributes"]["district"] for a in answers)
    # a list of some services finds their categories in the caches as well
    with recorded() as seen:
        response = client.get(f"{url}&service_code=unsicherer-ort,papierkorb-voll&page=2")
    assert len(seen.statements) <= OPEN311_LIST, "\n".join(seen.statements)
    assert_no_configuration_read(seen.statements)
    assert litter in {a["service_request_id"] for a in response.get_json()}
    assert client.get(f"{url}&service_code=unsicherer-ort").get_json() == []


def test_inbox_page_takes_names_and_filter_choices_from_the_caches(
    client, api_key, make_user, litter
):
    for i in range(5):
        post(client, api_key, (FRIEDENSPLATZ[0] + i * 1e-4, FRIEDENSPLATZ[1]))
    expected = names(litter)
    login(client, make_user("caseworker", departments=("edg",)))
    response, statements = counted(client, "/inbox/?lang=de")
    assert len(statements) <= INBOX_PAGE, "\n".join(statements)
    # The caseworker's own departments are read with the log-in (not configuration caching).
    assert_no_configuration_read(statements, tuple(t for t in CONFIGURATION if t != "department"))
    page = text(response)
    assert page.count(litter) >= 1
    assert expected["district"] in page
    # the filter still offers every category and district, in their order
    options = re.findall(r'<option value="([^"]+)"', page)
    db.session.rollback()
    categories = db.session.execute(
        sa.select(Category.code).order_by(Category.group_id, Category.position)
    ).scalars()
    districts = db.session.execute(sa.select(District.number).order_by(District.number)).scalars()
    for wanted in (list(categories), list(districts)):
        assert [o for o in options if o in wanted] == wanted


def test_a_dispatchers_filter_offers_the_active_departments_by_name(client, make_user):
    login(client, make_user("dispatcher"))
    response, statements = counted(client, "/inbox/?scope=all")
    assert_no_configuration_read(statements, tuple(t for t in CONFIGURATION if t != "department"))
    options = re.findall(r'<option value="([^"]+)"', text(response))
    db.session.rollback()
    active = db.session.execute(
        sa.select(Department.code).where(Department.is_active.is_(True)).order_by(Department.name)
    ).scalars()
    wanted = list(active)
    assert [o for o in options if o in wanted] == wanted


def test_a_department_renamed_in_another_process_shows_on_the_next_page(
    client, litter, other_process, reseed_city
):
    assert names(litter)["department"] in text(client.get(f"/r/{litter}"))
    with other_process.app_context():  # an admin's change there, committed
        db.session.execute(
            sa.update(Department)
            .where(Department.code == "edg")
            .values(name="Entsorgung Dortmund (neu)", names={})
        )
        db.session.commit()
    assert "Entsorgung Dortmund (neu)" in text(client.get(f"/r/{litter}"))
    answer = client.get(f"{API}/requests/{litter}.json").get_json()[0]
    assert answer["agency_responsible"] == "Entsorgung Dortmund (neu)"


def test_a_duplicate_names_its_original_read_with_it(client, api_key, make_user, litter):
    duplicate = post(client, api_key, (FRIEDENSPLATZ[0] + 1e-4, FRIEDENSPLATZ[1]))
    db.session.rollback()
    workflow.mark_duplicate(stored(duplicate), stored(litter), make_user("dispatcher"))
    db.session.commit()
    response, statements = counted(client, f"{API}/requests/{duplicate}.json")
    assert len(statements) <= OPEN311_ONE, "\n".join(statements)
    [answer] = response.get_json()
    assert answer["status"] == "closed"
    assert answer["extended_attributes"]["duplicate_of"] == litter


def test_open311_list_after_changes_is_the_list_built_from_scratch(client, api_key, litter):
    """The list remakes only the requests whose report changed (the others are kept per
    process): after a new report, a released photo, a status note and a supporter, the page
    is the one a fresh process builds, and its links start with the address asked."""
    others = [
        post(client, api_key, (FRIEDENSPLATZ[0] + i * 1e-4, FRIEDENSPLATZ[1])) for i in (1, 2)
    ]
    url = f"{API}/requests.json?extensions=true&locale=de"
    before = {a["service_request_id"]: a for a in client.get(url).get_json()}
    assert len(before[litter]["extended_attributes"]["media_urls"]) == 1
    newest = post(client, api_key, (FRIEDENSPLATZ[0] + 3e-4, FRIEDENSPLATZ[1]))
    db.session.rollback()
    report = stored(litter)
    held = next(photo for photo in report.photos if not photo.is_public)
    held.is_public = True
    workflow.apply_status(report, ReportStatus.RESOLVED, Actor("system", "test"), "Geleert.")
    db.session.add(
        ReportSupporter(report_id=stored(others[0]).id, channel=Channel.WEB, locale="de")
    )
    db.session.commit()

    kept = client.get(url)
    caching.forget_answers()
    fresh = client.get(url)
    assert kept.get_json() == fresh.get_json()
    after = {a["service_request_id"]: a for a in kept.get_json()}
    assert list(after)[0] == newest and set(after) == {newest, litter, *others}
    mine = after[litter]
    assert mine["status"] == "closed" and mine["status_notes"] == "Geleert."
    assert len(mine["extended_attributes"]["media_urls"]) == 2
    assert after[others[0]]["extended_attributes"]["supporter_count"] == 1
    assert after[others[1]] == before[others[1]]  # unchanged
    # Another address (a second host name of the same server): links start with it.
    elsewhere = client.get(url, base_url="http://melder.example.invalid").get_json()
    [theirs] = [a for a in elsewhere if a["service_request_id"] == litter]
    assert theirs["media_url"].startswith("http://melder.example.invalid/r/")
    assert mine["media_url"].startswith("http://localhost/r/")
