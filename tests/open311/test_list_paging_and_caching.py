"""GET requests one page at a time (page, page_size, X-Total-Count, Link) and conditional GET
(ETag, If-None-Match → 304, Cache-Control, Vary) on the list, the services and one request:
the tag changes with whatever the answer shows, and the content is the same in JSON and XML
and in every language."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.enums import ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.open311 import queries
from app.open311.params import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.reports.residents import add_supporter
from app.reports.workflow import apply_status
from tests.open311.conftest import API
from tests.open311.test_requests import make_report

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def links(response) -> dict[str, str]:
    """rel → the URL's query string."""
    return {
        rel: url.split("?", 1)[1] for url, rel in LINK.findall(response.headers.get("Link", ""))
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [item["service_request_id"] for item in response.get_json()]


def get(client, fmt="json", headers=None, **params):
    return client.get(f"{API}/requests.{fmt}", query_string=params, headers=headers or {})


@pytest.fixture
def five(app_ctx) -> list[str]:
    """Five reports, newest first."""
    made = [make_report(days_ago=6 - i) for i in range(5)]
    return [report.reference for report in reversed(made)]


# --- paging -----------------------------------------------------------------------------------


def test_the_default_page_holds_50_and_links_to_the_next(client, app_ctx):
    made = [make_report(days_ago=1) for _ in range(DEFAULT_PAGE_SIZE + 1)]
    first = get(client)
    assert len(ids(first)) == DEFAULT_PAGE_SIZE
    assert first.headers["X-Total-Count"] == str(len(made))
    assert links(first) == {"first": "page=1", "next": "page=2", "last": "page=2"}
    assert len(ids(get(client, page=2))) == 1


def test_pages_first_middle_last_and_beyond(client, five):
    page = {n: get(client, page=n, page_size=2) for n in (1, 2, 3, 4)}
    assert [ids(page[n]) for n in (1, 2, 3, 4)] == [five[:2], five[2:4], five[4:], []]
    assert {page[n].headers["X-Total-Count"] for n in page} == {"5"}
    assert links(page[1]) == {
        "first": "page_size=2&page=1",
        "next": "page_size=2&page=2",
        "last": "page_size=2&page=3",
    }
    assert links(page[2]) == {
        "first": "page_size=2&page=1",
        "prev": "page_size=2&page=1",
        "next": "page_size=2&page=3",
        "last": "page_size=2&page=3",
    }
    assert "next" not in links(page[3]) and links(page[3])["prev"] == "page_size=2&page=2"
    # Past the end: an empty list, and the way back to the last page.
    assert links(page[4]) == {
        "first": "page_size=2&page=1",
        "prev": "page_size=2&page=3",
        "last": "page_size=2&page=3",
    }


def test_links_keep_the_filters_and_leave_out_the_api_key(client, five, api_key):
    response = get(client, page_size=2, status="open", locale="en", api_key=api_key)
    assert len(ids(response)) == 2
    assert api_key not in response.headers["Link"]
    assert links(response)["next"] == "page_size=2&status=open&locale=en&page=2"
    assert response.headers["Link"].startswith("<http://localhost/open311/v2/requests.json?")


def test_page_size_up_to_the_maximum(client, five):
    assert ids(get(client, page_size=MAX_PAGE_SIZE)) == five
    for fmt in ("json", "xml"):
        for wrong in (str(MAX_PAGE_SIZE + 1), "0", "-3", "fifty"):
            response = get(client, fmt, {"Accept-Language": "en"}, page_size=wrong)
            assert response.status_code == 400, wrong
            expected = f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}."
            if fmt == "json":
                assert response.get_json() == [{"code": 400, "description": expected}]
            else:
                assert ET.fromstring(response.data).findtext("error/description") == expected


def test_above_the_cap_the_total_is_left_out_not_guessed(client, five, monkeypatch):
    monkeypatch.setattr(queries, "TOTAL_COUNT_CAP", 3)
    first = get(client, page_size=2)
    assert ids(first) == five[:2]
    assert "X-Total-Count" not in first.headers
    assert links(first) == {"first": "page_size=2&page=1", "next": "page_size=2&page=2"}
    # Within the cap (a filter that matches fewer), it is given again.
    filtered = get(client, page_size=2, service_request_id=",".join(five[:2]))
    assert filtered.headers["X-Total-Count"] == "2"
    # The last page counts what it holds: no count needed there.
    last = get(client, page=3, page_size=2)
    assert ids(last) == five[4:]
    assert last.headers["X-Total-Count"] == "5" and "next" not in links(last)


def test_the_same_page_in_json_xml_and_every_language(client, five):
    answers = {}
    for lang in ("de", "en", "tr", "ar"):
        json_answer = get(client, "json", page=2, page_size=2, locale=lang, extensions="true")
        xml_answer = get(client, "xml", page=2, page_size=2, locale=lang, extensions="true")
        root = ET.fromstring(xml_answer.data)
        from_xml = [
            (
                r.findtext("service_request_id"),
                r.findtext("status"),
                r.findtext("service_name"),
                r.findtext("extended_attributes/status_descriptive_name"),
            )
            for r in root.findall("request")
        ]
        from_json = [
            (
                r["service_request_id"],
                r["status"],
                r["service_name"],
                r["extended_attributes"]["status_descriptive_name"],
            )
            for r in json_answer.get_json()
        ]
        assert from_xml == from_json
        for response in (json_answer, xml_answer):
            assert response.headers["X-Total-Count"] == "5"
            assert "Accept-Language" in response.vary
        assert json_answer.headers["Link"] == xml_answer.headers["Link"].replace(
            "requests.xml", "requests.json"
        )
        answers[lang] = from_json
    assert {tuple(r[0] for r in answer) for answer in answers.values()} == {tuple(five[2:4])}
    # The words follow the language; the tags differ with language and format.
    assert answers["de"][0][3] != answers["en"][0][3]


# --- ETag and 304 -----------------------------------------------------------------------------


def revalidate(client, path: str, tag: str, headers=None):
    return client.get(f"{API}{path}", headers={"If-None-Match": tag, **(headers or {})})


def test_the_list_answers_304_while_nothing_changed(client, five):
    first = get(client, page_size=2)
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=30"
    again = revalidate(client, "/requests.json?page_size=2", tag)
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "public, max-age=30"
    assert "Accept-Language" in again.vary
    # Among several tags, and compared weakly.
    listed = f'"other", {tag.removeprefix("W/")}'
    assert revalidate(client, "/requests.json?page_size=2", listed).status_code == 304
    # Another question, format or language has another tag: the full answer.
    for path, headers in (
        ("/requests.json?page_size=2&page=2", {}),
        ("/requests.json", {}),
        ("/requests.xml?page_size=2", {}),
        ("/requests.json?page_size=2&locale=tr", {}),
        ("/requests.json?page_size=2", {"Accept-Language": "en"}),
    ):
        response = revalidate(client, path, tag, headers)
        assert response.status_code == 200, path
        assert response.headers["ETag"] != tag
        assert response.data


def test_the_list_tag_changes_with_a_new_report(client, five):
    tag = get(client).headers["ETag"]
    newest = make_report()
    response = revalidate(client, "/requests.json", tag)
    assert response.status_code == 200
    assert ids(response)[0] == newest.reference


def test_the_list_tag_changes_with_a_status_change(client, five):
    tag = get(client, page_size=2).headers["ETag"]
    report = db.session.execute(db.select(queries.Report).filter_by(reference=five[0])).scalar_one()
    apply_status(report, ReportStatus.RESOLVED, Actor("user", "1"), "Erledigt.")
    db.session.commit()
    response = revalidate(client, "/requests.json?page_size=2", tag)
    assert response.status_code == 200
    assert response.get_json()[0]["status"] == "closed"
    assert response.get_json()[0]["status_notes"] == "Erledigt."


def test_the_list_tag_changes_with_a_supporter_and_a_renamed_category(client, five, reseed_city):
    path = "/requests.json?page_size=2&extensions=true"
    tag = client.get(API + path).headers["ETag"]
    report = db.session.execute(db.select(queries.Report).filter_by(reference=five[0])).scalar_one()
    add_supporter(report, report.channel, locale="de", wants_updates=False)
    db.session.commit()
    response = revalidate(client, path, tag)
    assert response.status_code == 200
    assert response.get_json()[0]["extended_attributes"]["supporter_count"] == 1
    tag = response.headers["ETag"]
    category = db.session.execute(
        db.select(Category).filter_by(code="papierkorb-voll")
    ).scalar_one()
    category.names = {**category.names, "de": "Mülleimer voll"}
    db.session.commit()
    response = revalidate(client, path, tag)
    assert response.status_code == 200
    assert response.get_json()[0]["service_name"] == "Mülleimer voll"


def test_a_page_asked_again_is_the_same_until_something_changes(client, five):
    first = get(client, page_size=2, extensions="true")
    again = get(client, page_size=2, extensions="true")
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Link"] == first.headers["Link"]
    assert again.headers["X-Total-Count"] == "5"
    report = db.session.execute(db.select(queries.Report).filter_by(reference=five[0])).scalar_one()
    apply_status(report, ReportStatus.IN_PROGRESS, Actor("user", "1"), "Wir kümmern uns.")
    db.session.commit()
    changed = get(client, page_size=2, extensions="true")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()[0]["status_notes"] == "Wir kümmern uns."


def test_one_request_answers_304_until_it_changes(client, five):
    path = f"/requests/{five[0]}.json"
    first = client.get(API + path)
    tag = first.headers["ETag"]
    assert not tag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=30"
    assert revalidate(client, path, tag).status_code == 304
    assert revalidate(client, f"/requests/{five[0]}.xml", tag).status_code == 200
    assert revalidate(client, path, tag, {"Accept-Language": "tr"}).status_code == 200
    report = db.session.execute(db.select(queries.Report).filter_by(reference=five[0])).scalar_one()
    apply_status(report, ReportStatus.IN_PROGRESS, Actor("user", "1"), "Wir kümmern uns.")
    db.session.commit()
    changed = revalidate(client, path, tag)
    assert changed.status_code == 200
    assert changed.get_json()[0]["status_notes"] == "Wir kümmern uns."


@pytest.mark.parametrize("path", ["/services.json", "/services.xml"])
def test_services_answer_304_until_an_admin_changes_them(client, reseed_city, path):
    first = client.get(API + path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in first.vary
    tag = first.headers["ETag"]
    assert revalidate(client, path, tag).status_code == 304
    assert revalidate(client, path, tag, {"Accept-Language": "ar"}).status_code == 200
    category = db.session.execute(db.select(Category).filter_by(code="littering")).scalar_one()
    category.keywords = "Müll, Abfall, neu"
    category.names = {**category.names, "de": "Vermüllung (neu)"}
    db.session.commit()
    assert revalidate(client, path, tag).status_code == 200


def test_a_service_definition_answers_304(client, app_ctx):
    first = client.get(f"{API}/services/unsicherer-ort.json")
    tag = first.headers["ETag"]
    assert revalidate(client, "/services/unsicherer-ort.json", tag).status_code == 304
    other = revalidate(client, "/services/unsicherer-ort.json", tag, {"Accept-Language": "en"})
    assert other.status_code == 200 and other.headers["ETag"] != tag


def test_errors_are_not_cached(client):
    response = get(client, page_size="0")
    assert response.status_code == 400
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


def test_the_list_notices_a_city_change_made_by_another_process(client, five, reseed_city):
    """The list reads the city version with its own state (no separate check before it): a
    category renamed by another process — here by SQL on a connection of its own, raising the
    version as every change does — shows in the very next answer, also without a tag."""
    path = "/requests.json?page_size=2"
    assert client.get(API + path).get_json()[0]["service_name"] != "Mülleimer voll"
    with db.engine.begin() as other:
        names = other.execute(
            sa.select(Category.names).where(Category.code == "papierkorb-voll")
        ).scalar_one()
        other.execute(
            sa.update(Category)
            .where(Category.code == "papierkorb-voll")
            .values(names={**names, "de": "Mülleimer voll"})
        )
        other.execute(sa.text("UPDATE city_state SET version = version + 1 WHERE id = 1"))
    assert client.get(API + path).get_json()[0]["service_name"] == "Mülleimer voll"
