"""The API extensions the Telegram bot needs (it talks to the backend only over HTTP, with its
own key): geocode, telegram_chat_id/updates/locale on POST requests, "me too", "not fixed",
a chat's reports and deleting a chat's data — success and every refusal, never a 500."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import Channel, ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.reports.models import Report, ReporterContact, ReportSupporter
from app.reports.queries import report_by_reference
from app.reports.workflow import apply_status
from tests.fakes.nominatim import GazetteerEntry
from tests.open311.conftest import API, BORSIGPLATZ, FRIEDENSPLATZ

EN = {"Accept-Language": "en"}
CHAT = "987654321"
OTHER_CHAT = "-1001234567890"  # a group: negative
STAFF = Actor("user", "1", "Sachbearbeiterin")
PERSONAL = {
    "email": "anwohnerin@example.org",
    "first_name": "Annegret",
    "last_name": "Musterfrau",
    "phone": "0231 5550199",
}


def the_error(response, status: int) -> str:
    assert response.status_code == status, response.data
    [error] = response.get_json()
    assert error["code"] == status
    return error["description"]


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def report(reference: str) -> Report:
    db.session.expire_all()
    found = report_by_reference(reference)
    assert found is not None
    return found


def resolve(reference: str, days_ago: float = 0) -> None:
    item = report(reference)
    apply_status(item, ReportStatus.RESOLVED, STAFF, "Erledigt.")
    if days_ago:
        item.closed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


@pytest.fixture
def from_chat(post_report):
    """``from_chat(chat, **form)`` → the reference of a report posted from a Telegram chat
    with consent to updates."""

    def post(chat: str = CHAT, **form) -> str:
        form = {"telegram_chat_id": chat, "updates": "true", **form}
        response = post_report(**form)
        assert response.status_code == 200, response.data
        return response.get_json()[0]["service_request_id"]

    return post


@pytest.fixture
def bot(client, api_key):
    """GET/POST with the bot's key: ``bot.get(path, **query)``, ``bot.post(path, **form)``."""

    class Bot:
        def get(self, path: str, headers=None, **query):
            return client.get(
                API + path, query_string={"api_key": api_key, **query}, headers=headers or {}
            )

        def post(self, path: str, headers=None, **form):
            return client.post(API + path, data={"api_key": api_key, **form}, headers=headers or {})

    return Bot()


# --- geocode ----------------------------------------------------------------------------------


def test_geocode_answers_point_address_and_district(bot, geocoding):
    response = bot.get("/geocode.json", address="Friedensplatz 1")
    assert response.status_code == 200, response.data
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == {
        "lat": 51.5136,
        "long": 7.4653,
        "address": "Friedensplatz 1, 44135 Dortmund",
        "district": "Innenstadt-West",
    }


def test_geocode_in_xml(bot, geocoding):
    response = bot.get("/geocode.xml", address="Borsigplatz")
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "place"
    assert root.findtext("district") == "Innenstadt-Nord"
    assert float(root.findtext("lat")) == pytest.approx(51.5233)


def test_geocode_unknown_address_is_404(bot, geocoding):
    description = the_error(bot.get("/geocode.json", address="Nirgendwostraße 99"), 404)
    assert "Nirgendwostraße 99" in description and "Dortmund" in description
    assert "could not find" in the_error(
        bot.get("/geocode.json", address="Nirgendwostraße 99", headers=EN), 404
    )


def test_geocode_a_place_outside_the_city_is_400(bot, geocoding):
    # Inside the geocoder's search box, but beyond the city boundary.
    geocoding.add_place(
        GazetteerEntry(
            "Markt Schwerte",
            51.4436,
            7.5658,
            {"road": "Markt", "city": "Schwerte", "postcode": "58239", "country_code": "de"},
        )
    )
    description = the_error(bot.get("/geocode.json", address="Markt Schwerte", headers=EN), 400)
    assert "outside Dortmund" in description and "km" in description
    assert "außerhalb" in the_error(bot.get("/geocode.json", address="Markt Schwerte"), 400)


@pytest.mark.parametrize("mode", ["down", "garbage", "refuse"])
def test_geocode_unreachable_is_503_with_retry_after(bot, geocoding, mode):
    geocoding.mode = mode
    response = bot.get("/geocode.json", address="Friedensplatz 1", headers=EN)
    assert "not reachable" in the_error(response, 503)
    assert response.headers["Retry-After"] == "60"


def test_geocode_switched_off_is_503_with_retry_after(bot, app_ctx):
    assert not app_ctx.config["GEOCODER_URL"]  # the test configuration has no geocoder
    response = bot.get("/geocode.json", address="Friedensplatz 1", headers=EN)
    assert "switched off" in the_error(response, 503)
    assert response.headers["Retry-After"] == "60"
    response = bot.get("/geocode.xml", address="Friedensplatz 1")
    assert response.status_code == 503
    assert ET.fromstring(response.data).findtext("error/code") == "503"


def test_geocode_needs_a_key_and_an_address(client, bot, geocoding):
    the_error(client.get(f"{API}/geocode.json", query_string={"address": "Friedensplatz"}), 403)
    assert "address" in the_error(bot.get("/geocode.json", headers=EN), 400)
    assert "too long" in the_error(bot.get("/geocode.json", address="x" * 300, headers=EN), 400)
    assert geocoding.requests_to("/search") == []


# --- POST requests with a chat ----------------------------------------------------------------


def test_a_report_from_a_chat_with_consent_keeps_the_chat_for_updates(post_report):
    response = post_report(telegram_chat_id=CHAT, updates="true", locale="tr")
    assert response.status_code == 200, response.data
    [answer] = response.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    created = report(answer["service_request_id"])
    assert created.channel == Channel.TELEGRAM
    assert created.locale == "tr"
    assert created.contact.telegram_chat_id == CHAT
    assert created.contact.wants_updates and created.contact.locale == "tr"
    assert created.contact.email is None


def test_a_report_from_a_chat_without_consent_stores_no_chat_id(post_report):
    for updates in (None, "false"):
        response = post_report(telegram_chat_id=CHAT, updates=updates)
        assert response.status_code == 200, response.data
        created = report(response.get_json()[0]["service_request_id"])
        assert created.channel == Channel.TELEGRAM
        assert created.contact is None
    assert count(ReporterContact) == 0
    stored = db.session.execute(sa.select(ReporterContact.telegram_chat_id)).scalars().all()
    assert CHAT not in stored


def test_a_chat_and_an_email_are_kept_together(post_report):
    response = post_report(telegram_chat_id=OTHER_CHAT, updates="1", email=PERSONAL["email"])
    created = report(response.get_json()[0]["service_request_id"])
    assert (created.contact.telegram_chat_id, created.contact.email) == (
        OTHER_CHAT,
        PERSONAL["email"],
    )


def test_without_a_chat_the_report_stays_an_open311_report(post_report):
    created = report(post_report(updates="true").get_json()[0]["service_request_id"])
    assert created.channel == Channel.OPEN311 and created.contact is None


@pytest.mark.parametrize(
    ("locale", "headers", "expected"),
    [
        (None, None, "de"),
        (None, EN, "en"),
        (None, {"Accept-Language": "ar, en;q=0.5"}, "ar"),
        ("en-GB", None, "en"),
        ("fr", EN, "en"),  # not a language of the notifications: the default
        ("fr", None, "de"),
    ],
)
def test_the_notification_language(post_report, locale, headers, expected):
    response = post_report(telegram_chat_id=CHAT, updates="true", locale=locale, headers=headers)
    created = report(response.get_json()[0]["service_request_id"])
    assert created.contact.locale == expected


@pytest.mark.parametrize("chat", ["abc", "12 34", "+49", "1" * 21, "--1"])
def test_a_malformed_chat_id_is_400(post_report, chat):
    description = the_error(post_report(telegram_chat_id=chat, updates="true", headers=EN), 400)
    assert "telegram_chat_id" in description
    assert count(Report) == 0


def test_updates_must_be_true_or_false(post_report):
    response = post_report(telegram_chat_id=CHAT, updates="vielleicht", headers=EN)
    assert "updates must be true or false" in the_error(response, 400)
    assert count(Report) == 0


# --- "me too" ---------------------------------------------------------------------------------


def test_me_too_counts_supporters_and_keeps_the_chat_with_consent(bot, from_chat):
    reference = from_chat()
    path = f"/requests/{reference}/supporters.json"
    response = bot.post(path, telegram_chat_id="111", updates="true", locale="ar")
    assert response.status_code == 201, response.data
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == {"service_request_id": reference, "supporters": 1}
    # The same chat again counts once; another chat makes two.
    assert bot.post(path, telegram_chat_id="111", updates="true").get_json()["supporters"] == 1
    assert bot.post(path, telegram_chat_id="222", updates="true").get_json()["supporters"] == 2
    supporters = report(reference).supporters
    assert [(s.telegram_chat_id, s.locale, s.wants_updates) for s in supporters] == [
        ("111", "ar", True),
        ("222", "de", True),
    ]
    assert {s.channel for s in supporters} == {Channel.TELEGRAM}


def test_me_too_without_consent_stores_no_chat_id(bot, from_chat):
    reference = from_chat()
    response = bot.post(f"/requests/{reference}/supporters.json", telegram_chat_id="111")
    assert response.status_code == 201
    assert response.get_json()["supporters"] == 1
    [supporter] = report(reference).supporters
    assert supporter.telegram_chat_id is None and not supporter.wants_updates


def test_me_too_without_a_chat_and_in_xml(bot, from_chat):
    reference = from_chat()
    response = bot.post(f"/requests/{reference.lower()}/supporters.xml", updates="true")
    assert response.status_code == 201
    root = ET.fromstring(response.data)
    assert root.tag == "support"
    assert root.findtext("service_request_id") == reference
    assert root.findtext("supporters") == "1"
    [supporter] = report(reference).supporters
    assert supporter.channel == Channel.OPEN311 and not supporter.wants_updates


def test_me_too_on_an_unknown_request_is_404(bot):
    assert "DO-2026-99999" in the_error(
        bot.post("/requests/DO-2026-99999/supporters.json", telegram_chat_id=CHAT), 404
    )


def test_me_too_on_a_closed_request_is_409(bot, from_chat):
    reference = from_chat()
    resolve(reference)
    path = f"/requests/{reference}/supporters.json"
    assert "bereits abgeschlossen" in the_error(bot.post(path, telegram_chat_id="111"), 409)
    assert "already closed" in the_error(bot.post(path, telegram_chat_id="111", headers=EN), 409)
    assert count(ReportSupporter) == 0


def test_me_too_needs_a_key_and_a_well_formed_chat(client, bot, from_chat, api_key):
    reference = from_chat()
    path = f"/requests/{reference}/supporters.json"
    the_error(client.post(API + path, data={"telegram_chat_id": "111"}), 403)
    the_error(client.post(API + path, data={"api_key": "qm_nope", "telegram_chat_id": "111"}), 403)
    the_error(bot.post(path, telegram_chat_id="x1"), 400)
    the_error(bot.post(path, telegram_chat_id="111", updates="maybe"), 400)
    assert count(ReportSupporter) == 0


# --- "not fixed" ------------------------------------------------------------------------------


def test_the_reporter_reopens_a_resolved_request(bot, from_chat):
    reference = from_chat()
    resolve(reference)
    response = bot.post(
        f"/requests/{reference}/reopen.json",
        telegram_chat_id=CHAT,
        comment="Der Papierkorb ist immer noch voll.",
    )
    assert response.status_code == 200, response.data
    [item] = response.get_json()
    assert item["service_request_id"] == reference
    assert item["status"] == "open"
    assert item["status_notes"] == "Der Papierkorb ist immer noch voll."
    assert item["extended_attributes"]["detailed_status"] == "reopened"
    assert item["extended_attributes"]["notes"][-1]["status"] == "reopened"
    assert report(reference).status == ReportStatus.REOPENED


def test_a_supporter_reopens_too_and_xml_works(bot, from_chat):
    reference = from_chat()
    bot.post(f"/requests/{reference}/supporters.json", telegram_chat_id="111", updates="true")
    resolve(reference, days_ago=13)
    response = bot.post(f"/requests/{reference}/reopen.xml", telegram_chat_id="111", comment="Nö")
    assert response.status_code == 200, response.data
    root = ET.fromstring(response.data)
    assert root.findtext("request/extended_attributes/detailed_status") == "reopened"


def test_reopen_an_unknown_request_is_404(bot):
    the_error(
        bot.post("/requests/DO-2026-99999/reopen.json", telegram_chat_id=CHAT, comment="x"), 404
    )


def test_reopen_by_someone_else_is_409(bot, from_chat):
    reference = from_chat()
    # A supporter without consent is not known by the chat either.
    bot.post(f"/requests/{reference}/supporters.json", telegram_chat_id="111")
    resolve(reference)
    for chat in ("111", OTHER_CHAT):
        description = the_error(
            bot.post(f"/requests/{reference}/reopen.json", telegram_chat_id=chat, comment="x"),
            409,
        )
        assert "Nur wer diese Meldung" in description
    assert report(reference).status == ReportStatus.RESOLVED


def test_reopen_an_open_request_is_409(bot, from_chat):
    reference = from_chat()
    response = bot.post(
        f"/requests/{reference}/reopen.json", telegram_chat_id=CHAT, comment="x", headers=EN
    )
    assert "Only a resolved report" in the_error(response, 409)


def test_reopen_after_14_days_is_409(bot, from_chat):
    reference = from_chat()
    resolve(reference, days_ago=15)
    response = bot.post(
        f"/requests/{reference}/reopen.json", telegram_chat_id=CHAT, comment="x", headers=EN
    )
    assert "more than 14 days" in the_error(response, 409)
    assert report(reference).status == ReportStatus.RESOLVED


def test_reopen_needs_a_comment_a_chat_and_a_key(client, bot, from_chat):
    reference = from_chat()
    resolve(reference)
    path = f"/requests/{reference}/reopen.json"
    assert "was noch nicht" in the_error(bot.post(path, telegram_chat_id=CHAT, comment="  "), 400)
    assert "still wrong" in the_error(bot.post(path, telegram_chat_id=CHAT, headers=EN), 400)
    assert "telegram_chat_id" in the_error(bot.post(path, comment="x", headers=EN), 400)
    the_error(client.post(API + path, data={"telegram_chat_id": CHAT, "comment": "x"}), 403)
    assert report(reference).status == ReportStatus.RESOLVED


# --- a chat's reports -------------------------------------------------------------------------


def test_a_chat_lists_its_reports_and_supported_ones_newest_first(bot, from_chat, post_report):
    mine_old = from_chat(description="Mein alter")
    theirs = from_chat(OTHER_CHAT, lat=str(BORSIGPLATZ[0]), long=str(BORSIGPLATZ[1]))
    bot.post(f"/requests/{theirs}/supporters.json", telegram_chat_id=CHAT, updates="true")
    mine_new = from_chat(
        service_code="unsicherer-ort",
        **{"attribute[time_of_day]": "night", "attribute[reasons][]": ["dark"]},
    )
    no_consent = post_report(telegram_chat_id=CHAT).get_json()[0]["service_request_id"]
    older = report(mine_old)
    older.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    resolve(mine_old)

    response = bot.get(f"/residents/telegram/{CHAT}/requests.json")
    assert response.status_code == 200, response.data
    items = response.get_json()
    assert [i["service_request_id"] for i in items] == [mine_new, theirs, mine_old]
    assert no_consent not in [i["service_request_id"] for i in items]
    by_id = {i["service_request_id"]: i for i in items}
    assert by_id[mine_old]["can_reopen"] is True
    assert by_id[mine_old]["extended_attributes"]["can_reopen"] is True
    assert by_id[mine_old]["extended_attributes"]["detailed_status"] == "resolved"
    assert by_id[mine_old]["status"] == "closed"
    assert by_id[theirs]["can_reopen"] is False
    assert by_id[theirs]["extended_attributes"]["detailed_status"] == "new"
    assert by_id[mine_new]["extended_attributes"]["coarse_location"] is True
    for item in items:
        assert {
            "service_name",
            "service_code",
            "status",
            "requested_datetime",
            "lat",
            "long",
        } <= set(item)

    # The other chat sees only its own report.
    other = bot.get(f"/residents/telegram/{OTHER_CHAT}/requests.json").get_json()
    assert [i["service_request_id"] for i in other] == [theirs]
    # limit
    assert len(bot.get(f"/residents/telegram/{CHAT}/requests.json", limit="2").get_json()) == 2


def test_a_chats_list_shows_nothing_personal(bot, from_chat):
    reference = from_chat(**PERSONAL, description="Papierkorb voll")
    bot.post(f"/requests/{reference}/supporters.json", telegram_chat_id="24680", updates="true")
    for fmt in ("json", "xml"):
        response = bot.get(f"/residents/telegram/{CHAT}/requests.{fmt}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert reference in text
        for secret in (*PERSONAL.values(), CHAT, "24680", "Annegret", "Musterfrau"):
            assert secret not in text, secret
    [item] = bot.get(f"/residents/telegram/{CHAT}/requests.json").get_json()
    forbidden = {
        "email",
        "first_name",
        "last_name",
        "phone",
        "telegram_chat_id",
        "device_id",
        "contact",
        "supporters",
        "locale",
    }
    assert not forbidden & set(item)
    assert not forbidden & set(item["extended_attributes"])
    assert json.dumps(item).count("@") == 0


def test_can_reopen_ends_after_14_days(bot, from_chat):
    reference = from_chat()
    resolve(reference, days_ago=15)
    [item] = bot.get(f"/residents/telegram/{CHAT}/requests.json").get_json()
    assert item["can_reopen"] is False


def test_a_chats_list_in_xml_and_empty(bot, from_chat):
    reference = from_chat()
    root = ET.fromstring(bot.get(f"/residents/telegram/{CHAT}/requests.xml").data)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == reference
    assert root.findtext("request/can_reopen") == "false"
    assert bot.get("/residents/telegram/13579/requests.json").get_json() == []


def test_a_chats_list_needs_a_key_and_a_chat_id(client, bot):
    the_error(client.get(f"{API}/residents/telegram/{CHAT}/requests.json"), 403)
    assert "telegram_chat_id" in the_error(
        bot.get("/residents/telegram/abc/requests.json", headers=EN), 400
    )
    the_error(bot.get(f"/residents/telegram/{CHAT}/requests.json", limit="0"), 400)
    the_error(bot.get(f"/residents/telegram/{CHAT}/requests.json", limit="101"), 400)
    the_error(bot.get(f"/residents/telegram/{CHAT}/requests.txt"), 404)


# --- deleting a chat's data -------------------------------------------------------------------


def test_deleting_removes_contacts_and_supporters_and_empties_the_list(bot, from_chat):
    mine = from_chat(**PERSONAL)
    theirs = from_chat(OTHER_CHAT)
    bot.post(f"/requests/{theirs}/supporters.json", telegram_chat_id=CHAT, updates="true")
    assert len(bot.get(f"/residents/telegram/{CHAT}/requests.json").get_json()) == 2

    response = bot.post(f"/residents/telegram/{CHAT}/delete.json")
    assert response.status_code == 200, response.data
    assert response.get_json() == {"deleted": 2}
    assert bot.get(f"/residents/telegram/{CHAT}/requests.json").get_json() == []
    # The reports stay, anonymous; the other chat keeps its data.
    assert report(mine).contact is None and report(mine).status == ReportStatus.NEW
    # The "me too" stays, anonymous: nobody can be reached through it any more.
    [supporter] = report(theirs).supporters
    assert (supporter.telegram_chat_id, supporter.email, supporter.wants_updates) == (
        None,
        None,
        False,
    )
    assert report(theirs).contact.telegram_chat_id == OTHER_CHAT
    assert (
        PERSONAL["email"]
        not in db.session.execute(sa.select(ReporterContact.email)).scalars().all()
    )
    # Again: nothing left.
    root = ET.fromstring(bot.post(f"/residents/telegram/{CHAT}/delete.xml").data)
    assert root.tag == "deletion" and root.findtext("deleted") == "0"


def test_deleting_needs_a_key_and_a_chat_id(client, bot, from_chat):
    from_chat()
    the_error(client.post(f"{API}/residents/telegram/{CHAT}/delete.json"), 403)
    the_error(bot.post("/residents/telegram/12a/delete.json"), 400)
    the_error(bot.get(f"/residents/telegram/{CHAT}/delete.json"), 405)
    assert count(ReporterContact) == 1


# --- nearby, as the bot reads it --------------------------------------------------------------


def test_nearby_has_what_the_bot_shows(bot, from_chat):
    reference = from_chat(description="Quillt über")
    [item] = bot.get(
        "/requests/nearby.json",
        service_code="papierkorb-voll",
        lat=FRIEDENSPLATZ[0],
        long=FRIEDENSPLATZ[1],
    ).get_json()
    assert item["service_request_id"] == reference
    assert item["status"] == "open"
    assert item["description"] == "Quillt über"
    assert item["service_name"]
    assert item["extended_attributes"]["distance_m"] == 0
    assert CHAT not in json.dumps(item)
