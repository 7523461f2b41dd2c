"""GET requests and requests/{id}: fields, filters, paging, extensions — and no personal data,
coarse places for unsafe-place reports."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.core.enums import Channel, ReportStatus
from app.core.events import Actor, record_event
from app.extensions import db
from app.geo.index import coarse_point
from app.open311.mapping import w3c
from app.reports.drafts import ContactDraft, ReportDraft
from app.reports.intake import submit_report
from app.reports.models import Report
from tests.open311.conftest import API, BORSIGPLATZ, FRIEDENSPLATZ, PHOENIX_SEE

STAFF = Actor("user", "1", "Sachbearbeiterin")
PERSONAL = ("anwohnerin@example.org", "Anna", "Muster", "0231 987654", "4711")


def make_report(
    category="papierkorb-voll", point=FRIEDENSPLATZ, *, days_ago=0, status=None, **kwargs
) -> Report:
    if category == "unsicherer-ort":
        kwargs.setdefault("attributes", {"time_of_day": "night", "reasons": ["deserted"]})
    kwargs.setdefault(
        "contact",
        ContactDraft(
            email=PERSONAL[0],
            name=f"{PERSONAL[1]} {PERSONAL[2]}",
            phone=PERSONAL[3],
            telegram_chat_id=PERSONAL[4],
            consent=True,
        ),
    )
    report = submit_report(
        ReportDraft(
            channel=Channel.WEB, category_code=category, lat=point[0], lon=point[1], **kwargs
        ),
        Actor("resident", "web"),
    ).report
    if days_ago:
        report.created_at = utcnow() - timedelta(days=days_ago)
        report.updated_at = report.created_at
    if status is not None:
        report.status = status
    db.session.commit()
    return report


def change_status(report: Report, status: ReportStatus, note: str | None) -> None:
    """As the inbox's workflow does it (status, closed_at, a public event with old/new)."""
    old = report.status
    report.status = status
    report.closed_at = None if status.is_open else utcnow()
    record_event(
        report.id,
        "status_changed",
        STAFF,
        is_public=True,
        public_note=note,
        old=old.value,
        new=status.value,
    )
    record_event(
        report.id,
        "note_added",
        STAFF,
        is_public=False,
        public_note=None,
        text="interne Notiz: Anwohnerin heißt Anna Muster",
    )
    db.session.commit()


def get_json(client, path, **params):
    response = client.get(API + path, query_string=params)
    assert response.status_code == 200, response.data
    return response.get_json()


def the_error(response, status: int = 400) -> str:
    assert response.status_code == status, response.data
    [error] = response.get_json()
    assert error["code"] == status
    return error["description"]


def test_one_request_has_the_spec_fields_and_the_extension_block(client, app_ctx):
    report = make_report(description="Papierkorb voll", point=BORSIGPLATZ)
    change_status(report, ReportStatus.IN_PROGRESS, "EDG ist informiert.")
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert item["service_request_id"] == report.reference
    assert item["status"] == "open"
    assert item["status_notes"] == "EDG ist informiert."
    assert item["service_code"] == "papierkorb-voll"
    assert item["service_name"] == "Papierkorb voll" or item["service_name"]
    assert item["description"] == "Papierkorb voll"
    assert item["agency_responsible"] == "EDG Entsorgung Dortmund GmbH"
    assert "EDG" in item["service_notice"]
    assert (item["lat"], item["long"]) == BORSIGPLATZ
    for field in ("requested_datetime", "updated_datetime"):
        assert item[field][-6:] in {"+01:00", "+02:00"}  # W3C with the zone's offset
    assert "media_url" not in item  # no photo released
    ext = item["extended_attributes"]
    assert ext["detailed_status"] == "in_progress"
    assert ext["district"] == "Innenstadt-Nord" and ext["district_number"] == "04"
    assert ext["department"] == "EDG Entsorgung Dortmund GmbH"
    assert ext["coarse_location"] is False
    assert [(n["type"], n["status"], n["description"]) for n in ext["notes"]] == [
        ("submitted", "new", None),
        ("status_changed", "in_progress", "EDG ist informiert."),
    ]  # public history only: the internal note is not there


def test_a_closed_report_is_closed(client, app_ctx):
    report = make_report(status=ReportStatus.RESOLVED)
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert item["status"] == "closed"
    assert item["extended_attributes"]["detailed_status"] == "resolved"


def test_a_reference_is_found_in_any_case(client, app_ctx):
    report = make_report()
    [item] = get_json(client, f"/requests/{report.reference.lower()}.json")
    assert item["service_request_id"] == report.reference


def test_an_unknown_request_is_404(client):
    assert "DO-1999-00001" in the_error(client.get(f"{API}/requests/DO-1999-00001.json"), 404)


def test_one_request_in_xml_is_wrapped_like_the_spec(client, app_ctx):
    report = make_report()
    response = client.get(f"{API}/requests/{report.reference}.xml")
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == report.reference
    assert request.findtext("status") == "open"
    assert request.findtext("extended_attributes/notes/note/type") == "submitted"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_personal_data_in_any_get(client, app_ctx, fmt):
    unsafe = make_report("unsicherer-ort", BORSIGPLATZ, description="Ich bin Anna Muster")
    plain = make_report(description="Papierkorb")
    change_status(plain, ReportStatus.IN_REVIEW, "Wird geprüft.")
    bodies = [
        client.get(f"{API}/requests.{fmt}", query_string={"extensions": "true"}).data,
        client.get(f"{API}/requests/{unsafe.reference}.{fmt}").data,
        client.get(f"{API}/requests/{plain.reference}.{fmt}").data,
    ]
    for body in bodies:
        text = body.decode("utf-8")
        for personal in (*PERSONAL, "interne Notiz", "Ich bin"):
            assert personal not in text
        for key in ("email", "first_name", "last_name", "phone", "device_id", "account_id"):
            assert key not in text


def test_unsafe_places_show_a_coarse_point_and_no_address_or_description(client, app_ctx):
    report = make_report("unsicherer-ort", BORSIGPLATZ, description="Unterführung, abends")
    report.address = "Borsigplatz 9, 44145 Dortmund"
    db.session.commit()
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert (item["lat"], item["long"]) == coarse_point(*BORSIGPLATZ)
    assert (item["lat"], item["long"]) != BORSIGPLATZ
    assert item["address"] is None and item["description"] is None
    assert item["extended_attributes"]["coarse_location"] is True
    listed = get_json(client, "/requests.json")
    assert (listed[0]["lat"], listed[0]["long"]) == coarse_point(*BORSIGPLATZ)


def test_other_reports_show_the_street_without_house_number(client, app_ctx):
    report = make_report()
    report.address, report.zipcode = "Friedensplatz 1, 44135 Dortmund", "44135"
    db.session.commit()
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert item["address"] == "Friedensplatz, 44135 Dortmund"
    assert item["zipcode"] == "44135"


# --- the list and its filters -----------------------------------------------------------------


def test_the_list_is_newest_first_and_last_90_days_by_default(client, app_ctx):
    old = make_report(days_ago=120)
    older = make_report(days_ago=30)
    newest = make_report()
    ids = [r["service_request_id"] for r in get_json(client, "/requests.json")]
    assert ids == [newest.reference, older.reference]
    assert old.reference not in ids


def test_extended_attributes_in_lists_only_when_asked(client, app_ctx):
    make_report()
    assert "extended_attributes" not in get_json(client, "/requests.json")[0]
    item = get_json(client, "/requests.json", extensions="true")[0]
    assert item["extended_attributes"]["notes"][0]["type"] == "submitted"


def test_service_request_id_overrides_the_other_filters(client, app_ctx):
    a = make_report(days_ago=200)
    b = make_report("littering")
    got = get_json(
        client,
        "/requests.json",
        service_request_id=f"{b.reference},{a.reference},DO-1999-00009",
        service_code="wilder-muell",
        status="closed",
    )
    assert [r["service_request_id"] for r in got] == [b.reference, a.reference]


def test_filter_by_service_code_list_and_status(client, app_ctx):
    litter = make_report("littering")
    bin_ = make_report("papierkorb-voll")
    done = make_report("littering", status=ReportStatus.RESOLVED)
    make_report("laterne-aus")
    got = get_json(client, "/requests.json", service_code="littering,papierkorb-voll")
    assert {r["service_request_id"] for r in got} == {
        litter.reference,
        bin_.reference,
        done.reference,
    }
    got = get_json(client, "/requests.json", service_code="littering", status="open")
    assert [r["service_request_id"] for r in got] == [litter.reference]
    got = get_json(client, "/requests.json", status="closed")
    assert [r["service_request_id"] for r in got] == [done.reference]
    assert len(get_json(client, "/requests.json", status="open,closed")) == 4


def test_start_and_end_date(client, app_ctx):
    make_report(days_ago=100)
    middle = make_report(days_ago=50)
    make_report(days_ago=2)
    now = utcnow()
    start = (now - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=40)).isoformat()
    got = get_json(client, "/requests.json", start_date=start, end_date=end)
    assert [r["service_request_id"] for r in got] == [middle.reference]
    only_start = get_json(
        client, "/requests.json", start_date=(now - timedelta(days=110)).isoformat()
    )
    assert len(only_start) == 2  # 90 days from the start: not the one of 2 days ago


def test_a_date_range_over_90_days_is_400(client):
    response = client.get(
        f"{API}/requests.json",
        headers={"Accept-Language": "en"},
        query_string={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
    )
    assert "90 days" in the_error(response)


def test_a_reversed_date_range_is_400(client):
    response = client.get(
        f"{API}/requests.xml",
        query_string={
            "start_date": "2026-05-01T00:00:00+02:00",
            "end_date": "2026-04-01T00:00:00+02:00",
        },
    )
    assert response.status_code == 400
    assert ET.fromstring(response.data).findtext("error/code") == "400"


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45"},
        {"start_date": "0001-01-01T00:00:00+05:00"},
        {"status": "pending"},
        {"page": "0"},
        {"page_size": "100000"},
        {"page": "two"},
        {"bbox": "7.4,51.5,7.5"},
        {"bbox": "7.5,51.5,7.4,51.6"},
        {"bbox": "a,b,c,d"},
        {"updated_after": "2026-05-02T00:00:00Z", "updated_before": "2026-05-01T00:00:00Z"},
    ],
)
def test_bad_filters_are_400(client, params):
    the_error(client.get(f"{API}/requests.json", query_string=params))


def test_paging(client, app_ctx):
    made = [make_report(days_ago=5 - i) for i in range(5)]
    newest_first = [r.reference for r in reversed(made)]
    pages = [
        [r["service_request_id"] for r in get_json(client, "/requests.json", page=p, page_size=2)]
        for p in (1, 2, 3, 4)
    ]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:], []]


def test_bbox_and_updated_after(client, app_ctx):
    north = make_report(point=BORSIGPLATZ, days_ago=3)
    make_report(point=PHOENIX_SEE, days_ago=3)
    got = get_json(client, "/requests.json", bbox="7.47,51.51,7.50,51.53")
    assert [r["service_request_id"] for r in got] == [north.reference]
    fresh = make_report(point=PHOENIX_SEE)
    got = get_json(
        client, "/requests.json", updated_after=(utcnow() - timedelta(days=1)).isoformat()
    )
    assert [r["service_request_id"] for r in got] == [fresh.reference]


def test_bbox_matches_unsafe_places_on_their_coarse_point(client, app_ctx):
    report = make_report("unsicherer-ort", BORSIGPLATZ)
    c_lat, c_lon = coarse_point(*BORSIGPLATZ)
    around_true = {
        "bbox": f"{BORSIGPLATZ[1] - 0.0002},{BORSIGPLATZ[0] - 0.0002},"
        f"{BORSIGPLATZ[1] + 0.0002},{BORSIGPLATZ[0] + 0.0002}"
    }
    around_coarse = {"bbox": f"{c_lon - 0.0002},{c_lat - 0.0002},{c_lon + 0.0002},{c_lat + 0.0002}"}
    assert get_json(client, "/requests.json", **around_true) == []
    got = get_json(client, "/requests.json", **around_coarse)
    assert [r["service_request_id"] for r in got] == [report.reference]


def test_the_list_in_xml(client, app_ctx):
    make_report()
    make_report("littering")
    root = ET.fromstring(client.get(f"{API}/requests.xml").data)
    assert root.tag == "service_requests" and len(root.findall("request")) == 2


def test_an_empty_list_is_valid_json_and_xml(client):
    assert client.get(f"{API}/requests.json").get_json() == []
    assert ET.fromstring(client.get(f"{API}/requests.xml").data).tag == "service_requests"


def test_control_characters_do_not_break_the_xml(client, app_ctx):
    report = make_report(description="Müll\x0b am\x1f Platz")
    root = ET.fromstring(client.get(f"{API}/requests/{report.reference}.xml").data)
    assert root.findtext("request/description") == "Müll am Platz"
    [item] = json.loads(client.get(f"{API}/requests/{report.reference}.json").data)
    assert item["description"] == "Müll am Platz"  # the intake strips control characters


@pytest.mark.parametrize(
    "path",
    [
        "/services/%00.json",
        "/requests/DO-2026%0000001.json",
        "/requests.json?service_code=a%00b",
        "/requests.json?service_request_id=%00",
    ],
)
def test_nul_characters_in_parameters_are_no_server_error(client, path):
    response = client.get(API + path)
    assert response.status_code in {200, 404}


# --- nearby (extension for reporting clients) ------------------------------------------------


def test_nearby_lists_open_reports_of_the_same_category_nearest_first(client, app_ctx, api_key):
    near = make_report(point=(51.51365, 7.46535))
    nearer = make_report(point=(51.51361, 7.46531))
    make_report("littering", point=(51.51361, 7.46531))  # other category
    make_report(point=(51.5136, 7.4653), status=ReportStatus.RESOLVED)  # closed
    make_report(point=BORSIGPLATZ)  # far away
    got = get_json(
        client,
        "/requests/nearby.json",
        api_key=api_key,
        service_code="papierkorb-voll",
        lat=FRIEDENSPLATZ[0],
        long=FRIEDENSPLATZ[1],
    )
    assert [r["service_request_id"] for r in got] == [nearer.reference, near.reference]
    assert (
        got[0]["extended_attributes"]["distance_m"] <= got[1]["extended_attributes"]["distance_m"]
    )


def test_nearby_unsafe_places_measure_from_the_coarse_point(client, app_ctx, api_key):
    report = make_report("unsicherer-ort", BORSIGPLATZ)
    [item] = get_json(
        client,
        "/requests/nearby.xml".replace(".xml", ".json"),
        api_key=api_key,
        service_code="unsicherer-ort",
        lat=BORSIGPLATZ[0],
        long=BORSIGPLATZ[1],
    )
    assert item["service_request_id"] == report.reference
    assert (item["lat"], item["long"]) == coarse_point(*BORSIGPLATZ)
    # Compared by cells, without a distance: nothing finer than the cell is given away.
    assert item["extended_attributes"]["distance_m"] is None


def test_nearby_needs_a_key_a_known_category_and_a_point(client, api_key):
    point = {"lat": FRIEDENSPLATZ[0], "long": FRIEDENSPLATZ[1]}
    the_error(
        client.get(
            f"{API}/requests/nearby.json", query_string={"service_code": "littering", **point}
        ),
        403,
    )
    the_error(
        client.get(
            f"{API}/requests/nearby.json",
            query_string={"api_key": api_key, "service_code": "nope", **point},
        ),
        404,
    )
    the_error(
        client.get(
            f"{API}/requests/nearby.json",
            query_string={"api_key": api_key, "service_code": "littering", "lat": "51.5"},
        )
    )
    the_error(
        client.get(
            f"{API}/requests/nearby.json",
            query_string={"api_key": api_key, "service_code": "littering", "lat": "x", "long": "y"},
        )
    )


def test_expected_datetime_is_the_due_date_where_the_category_has_a_target(client, app_ctx):
    with_target = make_report("papierkorb-voll")
    without = make_report("sonstiges")
    without.due_at = None  # a category without a target (the admin can clear it)
    db.session.commit()
    [item] = get_json(client, f"/requests/{with_target.reference}.json")
    assert with_target.due_at is not None
    assert item["expected_datetime"] == w3c(with_target.due_at)
    assert item["expected_datetime"] > item["requested_datetime"]
    [item] = get_json(client, f"/requests/{without.reference}.json")
    assert "expected_datetime" not in item


def test_a_closed_request_is_updated_when_it_was_closed(client, app_ctx):
    report = make_report()
    change_status(report, ReportStatus.RESOLVED, "Erledigt.")
    report.updated_at = utcnow() + timedelta(hours=1)  # a later edit that is not a closing
    db.session.commit()
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert item["status"] == "closed" and item["status_notes"] == "Erledigt."
    assert item["updated_datetime"] == w3c(report.closed_at)


def test_the_description_is_shown_as_moderated(client, app_ctx):
    report = make_report(description="Herr Meier wirft hier immer Müll hin")
    report.description_moderated = "Hier wird oft Müll abgeladen."
    db.session.commit()
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert item["description"] == "Hier wird oft Müll abgeladen."
    report.is_description_hidden = True
    db.session.commit()
    [item] = get_json(client, f"/requests/{report.reference}.json")
    assert item["description"] is None
    unsafe = make_report("unsicherer-ort", BORSIGPLATZ, description="dunkle Ecke")
    unsafe.description_moderated = "Dunkle Unterführung"
    db.session.commit()
    [item] = get_json(client, f"/requests/{unsafe.reference}.json")
    assert item["description"] == "Dunkle Unterführung"


def test_a_duplicate_points_to_its_original(client, app_ctx):
    original = make_report()
    copy = make_report()
    copy.duplicate_of_id = original.id
    change_status(copy, ReportStatus.DUPLICATE, None)
    [item] = get_json(client, f"/requests/{copy.reference}.json")
    assert item["status"] == "closed"
    assert item["extended_attributes"]["duplicate_of"] == original.reference
    assert item["extended_attributes"]["notes"][-1]["status"] == "duplicate"
