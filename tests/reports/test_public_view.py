"""The one public view: no route reachable without logging in gives away the exact point of an
unsafe-place report, staff free text or anyone's contact data — and the "nearby" attack that
once found the exact point of an unsafe place now ends at its cell."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from app.auth.models import Role
from app.auth.services import create_user
from app.core.enums import Channel, ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.forwarding.links import reopen_token
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD
from app.forwarding.partner import return_ticket
from app.geo.index import coarse_point, distance_m
from app.open311.keys import create_api_key
from app.reports import workflow
from app.reports.drafts import ContactDraft, PhotoUpload, ReportDraft
from app.reports.intake import submit_report
from app.reports.models import ReportSupporter
from app.routing.models import Department
from tests.images import jpeg

# Two points in the same 250 m cell of the Nordstadt, about 300 m apart (opposite corners).
UNSAFE_A = (51.524173, 7.481658)
UNSAFE_B = (51.522207, 7.478461)
LITTER = (51.5136, 7.4653)  # Friedensplatz: an ordinary report, shown exactly

STAFF_REASON = "INTERN: Hinweisgeberin wohnt im Haus, Tel. 0231 4711 0815"
STAFF_NOTE = "Interne Notiz: Anwohner Kowalczyk meldet sich täglich"
PARTNER_REASON = "Nicht unser Gebiet, Hausmeister Szymanski 0171 5550123"
UNSAFE_TEXT = "Vor Hausnummer 17 steht nachts Herr Nachbarmann"
CONTACT = {
    "email": "melderin.privat@example.invalid",
    "name": "Hildegard Quellenschutz",
    "phone": "0231 98765432",
}
CHAT = "770011223"
SUPPORTER_MAIL = "unterstuetzer.privat@example.invalid"
SUPPORTER_CHAT = "880099887"


def _exact_strings(point: tuple[float, float]) -> list[str]:
    """How an exact coordinate could appear in a page or a JSON/XML answer (5+ decimals)."""
    lat, lon = point
    return [f"{lat:.5f}", f"{lon:.5f}", f"{lat:.6f}"[:-1], f"{lon:.6f}"[:-1], repr(lat), repr(lon)]


@pytest.fixture
def dispatcher(app_ctx):
    user = create_user(
        "leitstelle@example.invalid", "Leitstelle", "a long password 123", Role.DISPATCHER
    )
    db.session.commit()
    return user


def _submit(category: str, point, *, description="", contact=None, photo=False, **attributes):
    result = submit_report(
        ReportDraft(
            channel=Channel.WEB,
            category_code=category,
            lat=point[0],
            lon=point[1],
            description=description,
            attributes=attributes,
            contact=contact,
            photos=[PhotoUpload(jpeg(size=(640, 480)), "foto.jpg")] if photo else [],
        ),
        Actor("resident", "test"),
    )
    db.session.commit()
    return result.report


@pytest.fixture
def private_world(app_ctx, dispatcher):
    """A sensitive report with contact data, a supporter, a staff re-route reason, an internal
    note and an unreleased photo; an ordinary report returned by EDG with a partner's reason,
    with one photo released."""
    unsafe = _submit(
        "unsicherer-ort",
        UNSAFE_A,
        description=UNSAFE_TEXT,
        contact=ContactDraft(consent=True, telegram_chat_id=CHAT, **CONTACT),
        photo=True,
        time_of_day="night",
        reasons=["dark", "deserted"],
    )
    db.session.add(
        ReportSupporter(
            report=unsafe,
            channel=Channel.TELEGRAM,
            email=SUPPORTER_MAIL,
            telegram_chat_id=SUPPORTER_CHAT,
            wants_updates=True,
        )
    )
    workflow.add_note(unsafe, STAFF_NOTE, dispatcher)
    elsewhere = db.session.execute(
        sa.select(Department).where(Department.code == "tiefbau-licht")
    ).scalar_one()
    workflow.reroute(unsafe, elsewhere, STAFF_REASON, dispatcher)
    db.session.commit()

    litter = _submit(
        "wilder-muell",
        LITTER,
        description="Sperrmüll am Straßenrand",
        contact=ContactDraft(
            consent=True, email="nachbar.privat@example.invalid", name="Ottokar Privat"
        ),
        photo=True,
    )
    workflow.set_photo_public(litter.photos[0], True, dispatcher)
    [ticket] = db.session.execute(
        sa.select(Delivery).where(Delivery.report_id == litter.id, Delivery.purpose == FORWARD)
    ).scalars()
    return_ticket(ticket, PARTNER_REASON)
    db.session.commit()
    secrets = [
        *_exact_strings(UNSAFE_A),
        UNSAFE_TEXT,
        "Nachbarmann",
        STAFF_REASON,
        "0231 4711",
        STAFF_NOTE,
        "Kowalczyk",
        PARTNER_REASON,
        "Szymanski",
        *CONTACT.values(),
        "Quellenschutz",
        CHAT,
        SUPPORTER_MAIL,
        SUPPORTER_CHAT,
        "nachbar.privat@example.invalid",
        "Ottokar",
        "@example.invalid",
    ]
    return unsafe, litter, secrets


# Values for the URL parts of every route; a route with a part not named here fails the test.
def _url_values(unsafe, litter, photo_id) -> dict[str, list[str]]:
    return {
        "reference": [unsafe.reference, litter.reference],
        "service_request_id": [unsafe.reference, litter.reference],
        "fmt": ["json", "xml"],
        "format": ["json", "xml"],
        "chat_id": [CHAT, SUPPORTER_CHAT],
        "service_code": ["unsicherer-ort"],
        "photo_id": [str(photo_id)],
        "size": ["full", "thumb"],
        "token": ["not-a-token"],
        "action": ["done", "acknowledge", "return"],
        "filename": ["css/site.css"],
        "rest": ["v2/unknown"],
        "number": ["04"],
        "district": ["04"],
        "group": ["unsicherer-ort"],
        "period": ["2026-11"],
        "cell": ["881f1d4d2dfffff"],
        "day": ["2026-11-30"],
        "date": ["2026-11-30"],
        "name": ["reports.csv"],
        # statistics tables: the unsafe-place ones count reasons and times of day
        "table": ["overview", "districts", "departments", "lighting", "answers-reasons"],
    }


def _query(key: str) -> dict[str, str]:
    """One set of parameters for every route: each reads what it knows. The caller's point is
    the coarse point the status page shows (what an outsider knows); pages echo the query in
    their language links, so nothing secret is sent."""
    lat, lon = coarse_point(*UNSAFE_A)
    return {
        "lat": str(lat),
        "lon": str(lon),
        "long": str(lon),
        "category": "unsicherer-ort",
        "service_code": "unsicherer-ort",
        "extensions": "true",
        "api_key": key,
        "bbox": "7.40,51.45,7.56,51.58",
        "zoom": "18",
        "group": "unsicherer-ort",
        "district": "04",
        "status": "open",
        "q": "Borsigplatz",
        "address_string": "Borsigplatz",
        "telegram_chat_id": "123456789",
    }


def _requires_login(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get(
        "Location", ""
    )


def _expand(rule, values) -> list[str]:
    urls = [{}]
    for arg in sorted(rule.arguments):
        if arg not in values and arg.endswith("_id"):
            choices = ["1"]  # staff routes' row ids: behind the log-in anyway
        else:
            assert arg in values, f"{rule.rule}: add a value for <{arg}> to _url_values"
            choices = values[arg]
        urls = [{**u, arg: v} for u in urls for v in choices]
    out = []
    for args in urls:
        try:
            out.append(rule.build(args, append_unknown=False)[1])
        except Exception:  # noqa: BLE001, S112 (a converter refused the value: nothing to reach)
            continue
    return out


def test_no_public_route_reveals_the_exact_point_staff_text_or_contact_data(
    app_ctx, client, private_world
):
    unsafe, litter, secrets = private_world
    photo_id = litter.photos[0].id
    _key, api_key = create_api_key("privacy test")
    # The same unsafe place reported again and resolved: its reporter's "not fixed?" link (from
    # the e-mail) opens a page.
    resolved = _submit(
        "unsicherer-ort",
        UNSAFE_A,
        description=UNSAFE_TEXT,
        contact=ContactDraft(consent=True, **CONTACT),
        time_of_day="night",
        reasons=["dark"],
    )
    workflow.apply_status(resolved, ReportStatus.RESOLVED, Actor("user", "1"), None)
    db.session.commit()
    values = _url_values(unsafe, litter, photo_id)
    values["token"] = [
        *values["token"],
        reopen_token(f"contact:{resolved.contact.id}", resolved.id),
    ]
    query = _query(api_key)
    reached: dict[str, int] = {}
    for rule in app_ctx.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for url in _expand(rule, values):
            for method in methods:
                for params in ({}, query, {**query, "lang": "en"}):
                    if method == "GET":
                        response = client.get(url, query_string=params)
                    else:
                        response = client.open(url, method=method, data=params)
                    if _requires_login(response):
                        continue
                    reached[rule.endpoint] = response.status_code
                    assert response.status_code < 500, (method, url, response.status_code)
                    body = response.get_data()
                    text = body.decode("utf-8", "replace")
                    for secret in secrets:
                        assert secret not in text, f"{method} {url} ?{params} reveals {secret!r}"
    # The test is only as good as what it reached: the public surfaces answered with data.
    for endpoint in (
        "web.status",
        "web.submitted",
        "web.nearby",
        "web.nearby_cards",
        "open311.get_request",
        "afterwards.not_fixed",
    ):
        assert reached.get(endpoint) == 200, endpoint
    status = client.get(f"/r/{unsafe.reference}").get_data(as_text=True)
    c_lat, c_lon = coarse_point(*UNSAFE_A)
    assert f'data-lat="{round(c_lat, 4)}"' in status
    listed = client.get("/open311/v2/requests.json", query_string={"extensions": "true"}).get_json()
    shown = {item["service_request_id"]: item for item in listed}
    assert (shown[unsafe.reference]["lat"], shown[unsafe.reference]["long"]) == (c_lat, c_lon)


def test_released_photos_are_public_and_unreleased_ones_are_not(app_ctx, client, private_world):
    unsafe, litter, _secrets = private_world
    released, hidden = litter.photos[0], unsafe.photos[0]
    ok = client.get(f"/r/{litter.reference}/photos/{released.id}/full")
    assert ok.status_code == 200 and ok.mimetype == "image/jpeg"
    assert client.get(f"/r/{litter.reference}/photos/{released.id}/thumb").status_code == 200
    assert client.get(f"/r/{unsafe.reference}/photos/{hidden.id}/full").status_code == 404
    # A released photo is not reachable under another report's reference.
    assert client.get(f"/r/{unsafe.reference}/photos/{released.id}/full").status_code == 404
    page = client.get(f"/r/{litter.reference}").get_data(as_text=True)
    assert f"/r/{litter.reference}/photos/{released.id}/thumb" in page
    assert f"/photos/{hidden.id}/" not in client.get(f"/r/{unsafe.reference}").get_data(
        as_text=True
    )
    [item] = client.get(f"/open311/v2/requests/{litter.reference}.json").get_json()
    assert item["media_url"].endswith(f"/r/{litter.reference}/photos/{released.id}/full")
    [item] = client.get(f"/open311/v2/requests/{unsafe.reference}.json").get_json()
    assert "media_url" not in item and item["extended_attributes"]["media_urls"] == []


def test_staff_reasons_stay_internal_but_the_public_sees_where_it_went(
    app_ctx, client, private_world
):
    unsafe, litter, _secrets = private_world
    page = client.get(f"/report/{unsafe.reference}/submitted").get_data(as_text=True)
    assert unsafe.department.name in page
    assert STAFF_REASON not in page
    [item] = client.get(f"/open311/v2/requests/{litter.reference}.json").get_json()
    assert PARTNER_REASON not in item["service_notice"]
    assert "Sichtung" in item["service_notice"]  # returned by EDG: back to triage


def test_the_public_point_follows_the_report_and_its_category(app_ctx, dispatcher):
    report = _submit("wilder-muell", UNSAFE_A)
    assert (report.public_lat, report.public_lon) == UNSAFE_A
    unsafe_category = db.session.execute(
        sa.select(type(report.category)).where(type(report.category).code == "unsicherer-ort")
    ).scalar_one()
    workflow.change_category(report, unsafe_category, dispatcher)
    db.session.commit()
    assert (report.public_lat, report.public_lon) == coarse_point(*UNSAFE_A)
    workflow.change_location(report, LITTER[0], LITTER[1], dispatcher)
    db.session.commit()
    assert (report.public_lat, report.public_lon) == coarse_point(*LITTER)
    # An admin makes littering sensitive: its reports are shown by their cell from then on.
    litter = _submit("littering", LITTER)
    litter.category.is_sensitive = True
    db.session.commit()
    db.session.refresh(litter)
    assert (litter.public_lat, litter.public_lon) == coarse_point(*LITTER)
    litter.category.is_sensitive = False
    db.session.commit()
    db.session.refresh(litter)
    assert (litter.public_lat, litter.public_lon) == LITTER


# --- the attack that once found the exact point ---------------------------------------------------

_M_PER_DEG = 111_195.0


def _offset(point, north_m: float, east_m: float) -> tuple[float, float]:
    import math

    lat, lon = point
    return (
        round(lat + north_m / _M_PER_DEG, 7),
        round(lon + east_m / (_M_PER_DEG * math.cos(math.radians(lat))), 7),
    )


def _attack(probe, start) -> tuple[tuple[float, float] | None, list]:
    """Grid search for a point where the report counts as "nearby", then binary search of the
    edge of that region in four directions; the estimate is the middle. Returns the estimate
    and the transcript of every answer."""
    transcript = []

    def ask(point):
        answer = probe(point)
        transcript.append((point, answer))
        return answer["hit"]

    hit = next(
        (
            p
            for p in (_offset(start, n * 50, e * 50) for n in range(-8, 9) for e in range(-8, 9))
            if ask(p)
        ),
        None,
    )
    if hit is None:
        return None, transcript

    def edge(north: int, east: int) -> float:
        inside, outside = 0.0, 1500.0
        while outside - inside > 0.5:
            middle = (inside + outside) / 2
            if ask(_offset(hit, north * middle, east * middle)):
                inside = middle
            else:
                outside = middle
        return inside

    n, s, e, w = edge(1, 0), edge(-1, 0), edge(0, 1), edge(0, -1)
    return _offset(hit, (n - s) / 2, (e - w) / 2), transcript


def _web_probe(client, reference):
    def probe(point):
        response = client.get(
            "/report/nearby",
            query_string={"category": "unsicherer-ort", "lat": point[0], "lon": point[1]},
        )
        assert response.status_code == 200
        found = [r for r in response.get_json()["reports"] if r["reference"] == reference]
        return {"hit": bool(found), "answer": found}

    return probe


def _open311_probe(client, reference, key):
    def probe(point):
        response = client.get(
            "/open311/v2/requests/nearby.json",
            query_string={
                "service_code": "unsicherer-ort",
                "lat": point[0],
                "long": point[1],
                "api_key": key,
            },
        )
        assert response.status_code == 200
        found = [
            (i["lat"], i["long"], i["extended_attributes"]["distance_m"])
            for i in response.get_json()
            if i["service_request_id"] == reference
        ]
        return {"hit": bool(found), "answer": found}

    return probe


@pytest.mark.parametrize("channel", ["web", "open311"])
def test_the_nearby_binary_search_attack_ends_no_closer_than_the_cell(
    app_ctx, client, dispatcher, channel
):
    """The attacker starts from the coarse point of the status page. The same attack is run
    with the report at two exact points of one cell, ~300 m apart: every answer is the same,
    so nothing the attacker learns is finer than the cell."""
    _key, key = create_api_key("attacker")
    db.session.commit()
    report = _submit("unsicherer-ort", UNSAFE_A, time_of_day="night", reasons=["deserted"])
    public = (report.public_lat, report.public_lon)
    probe = (
        _web_probe(client, report.reference)
        if channel == "web"
        else _open311_probe(client, report.reference, key)
    )
    estimate_a, transcript_a = _attack(probe, public)
    workflow.change_location(report, UNSAFE_B[0], UNSAFE_B[1], dispatcher)
    db.session.commit()
    assert (report.public_lat, report.public_lon) == public  # same cell
    estimate_b, transcript_b = _attack(probe, public)

    assert estimate_a is not None  # the report is offered as "nearby" around its cell
    assert transcript_a == transcript_b
    assert estimate_a == estimate_b
    gap = distance_m(*UNSAFE_A, *UNSAFE_B)
    assert gap > 250
    worst = max(distance_m(*estimate_a, *UNSAFE_A), distance_m(*estimate_b, *UNSAFE_B))
    assert worst >= gap / 2  # for one of the two true points the attack is off by ≥ 150 m


def test_nearby_suggestions_for_ordinary_reports_stay_exact(app_ctx, client):
    report = _submit("wilder-muell", LITTER)
    near = _offset(LITTER, 30, 0)
    answer = client.get(
        "/report/nearby",
        query_string={"category": "wilder-muell", "lat": near[0], "lon": near[1]},
    ).get_json()["reports"]
    assert [r["reference"] for r in answer] == [report.reference]
    assert answer[0]["distance_m"] == 30
    far = _offset(LITTER, 80, 0)
    assert (
        client.get(
            "/report/nearby",
            query_string={"category": "wilder-muell", "lat": far[0], "lon": far[1]},
        ).get_json()["reports"]
        == []
    )


def test_the_public_view_json_has_no_private_keys(app_ctx, client, private_world):
    unsafe, _litter, _secrets = private_world
    [item] = client.get(f"/open311/v2/requests/{unsafe.reference}.json").get_json()
    keys = set(item) | set(item["extended_attributes"])
    assert not keys & {"email", "phone", "name", "telegram_chat_id", "contact", "routing_reason"}
    assert item["description"] is None  # not moderated yet
    assert item["address"] is None
    assert json.dumps(item).count("@") == 0
    assert re.search(r"\b0231\b", json.dumps(item)) is None
