"""Two extensions for the Telegram bot: ``GET locations/check`` (is a shared point inside the
city — refused at the location step, not after the summary) and ``POST residents/telegram/
{chat_id}/locale`` (a language switched in the bot reaches the chat's later status messages),
scoped to the calling key like every resident route."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from app.core.enums import ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.forwarding.models import Delivery
from app.open311.keys import create_api_key
from app.reports.models import ReporterContact, ReportSupporter
from app.reports.queries import report_by_reference
from app.reports.workflow import apply_status
from tests.open311.conftest import API, BOCHUM_HBF, BORSIGPLATZ, FRIEDENSPLATZ

CHAT = "987654321"
OTHER_CHAT = "555"
STAFF = Actor("user", "1", "Sachbearbeiterin")


@pytest.fixture
def keys(app_ctx):
    """Two clients: A (the Telegram bot) and B (another app with a key)."""
    made = {}
    for name in ("A", "B"):
        _key, token = create_api_key(f"client {name}")
        made[name] = token
    db.session.commit()
    return made


@pytest.fixture
def call(client, keys):
    def call(key: str | None, method: str, path: str, language: str = "en", **params):
        headers = {"Accept-Language": language}
        if key is not None:
            headers["X-API-Key"] = keys[key]
        if method == "GET":
            return client.get(API + path, headers=headers, query_string=params)
        return client.post(API + path, headers=headers, data=params)

    return call


def the_error(response, status: int) -> str:
    assert response.status_code == status, response.data
    [error] = response.get_json()
    return error["description"]


# --- locations/check ----------------------------------------------------------------------------


def test_a_point_in_the_city_is_inside_with_its_district(call):
    response = call("A", "GET", "/locations/check.json", lat="51.5136", long="7.4653")
    assert response.status_code == 200, response.data
    assert response.get_json() == {"inside": True, "district": "Innenstadt-West", "message": None}


def test_a_point_outside_says_why_in_the_residents_language(call):
    lat, lon = (str(v) for v in BOCHUM_HBF)
    answer = call("A", "GET", "/locations/check.json", lat=lat, long=lon).get_json()
    assert answer["inside"] is False and answer["district"] is None
    assert "outside Dortmund" in answer["message"] and "km beyond" in answer["message"]
    german = call("A", "GET", "/locations/check.json", language="de", lat=lat, long=lon)
    assert "außerhalb von Dortmund" in german.get_json()["message"]


def test_the_check_in_xml(call):
    lat, lon = (str(v) for v in BOCHUM_HBF)
    response = call("A", "GET", "/locations/check.xml", lat=lat, long=lon)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "location" and root.findtext("inside") == "false"
    assert "outside Dortmund" in root.findtext("message")


def test_the_check_needs_a_key_and_real_coordinates(call):
    assert call(None, "GET", "/locations/check.json", lat="51.5", long="7.4").status_code == 403
    assert "latitude and longitude" in the_error(
        call("A", "GET", "/locations/check.json", lat="51.5"), 400
    )
    assert "do not exist" in the_error(
        call("A", "GET", "/locations/check.json", lat="91", long="7.4"), 400
    )


# --- residents/telegram/{chat_id}/locale --------------------------------------------------------


def report_from(call, key: str, chat: str, point=FRIEDENSPLATZ, locale: str = "de") -> str:
    response = call(
        key,
        "POST",
        "/requests.json",
        service_code="papierkorb-voll",
        lat=str(point[0]),
        long=str(point[1]),
        telegram_chat_id=chat,
        updates="true",
        locale=locale,
    )
    assert response.status_code == 200, response.data
    return response.get_json()[0]["service_request_id"]


def locales() -> dict[tuple[str, str, str], str]:
    """(kind, report, chat) → locale of every contact and supporter entry."""
    db.session.expire_all()
    found = {}
    for model, kind in ((ReporterContact, "contact"), (ReportSupporter, "supporter")):
        for row in db.session.execute(sa.select(model)).scalars():
            found[(kind, row.report.reference, row.telegram_chat_id)] = row.locale
    return found


def test_a_chats_language_changes_on_its_entries_made_with_the_same_key(call):
    own = report_from(call, "A", CHAT)
    others = report_from(call, "A", OTHER_CHAT, point=BORSIGPLATZ)
    supported = call(
        "A",
        "POST",
        f"/requests/{others}/supporters.json",
        telegram_chat_id=CHAT,
        updates="true",
        locale="de",
    )
    assert supported.status_code == 201, supported.data
    through_b = report_from(call, "B", CHAT, point=BORSIGPLATZ)

    response = call("A", "POST", f"/residents/telegram/{CHAT}/locale.json", locale="tr")
    assert response.status_code == 200, response.data
    assert response.get_json() == {"locale": "tr", "updated": 2}
    assert locales() == {
        ("contact", own, CHAT): "tr",
        ("contact", others, OTHER_CHAT): "de",  # another resident
        ("supporter", others, CHAT): "tr",
        ("contact", through_b, CHAT): "de",  # made through another client: out of reach
    }
    again = call("A", "POST", f"/residents/telegram/{CHAT}/locale.xml", locale="tr")
    assert ET.fromstring(again.data).findtext("updated") == "0"


def test_later_status_messages_come_in_the_new_language(call):
    reference = report_from(call, "A", CHAT, locale="de")
    call("A", "POST", f"/residents/telegram/{CHAT}/locale.json", locale="ar")
    report = report_by_reference(reference)
    apply_status(report, ReportStatus.IN_PROGRESS, STAFF, "Wir kümmern uns.")
    db.session.commit()
    messages = (
        db.session.execute(
            sa.select(Delivery).where(
                Delivery.report_id == report.id, Delivery.method == "telegram"
            )
        )
        .scalars()
        .all()
    )
    assert [m.payload.get("locale") for m in messages] == ["ar"]


def test_the_locale_must_be_one_the_messages_exist_in(call):
    report_from(call, "A", CHAT)
    path = f"/residents/telegram/{CHAT}/locale.json"
    assert "de, en, tr, ar" in the_error(call("A", "POST", path, locale="fr"), 400)
    assert "de, en, tr, ar" in the_error(call("A", "POST", path), 400)
    assert "telegram_chat_id" in the_error(
        call("A", "POST", "/residents/telegram/abc/locale.json", locale="en"), 400
    )
    assert call(None, "POST", path, locale="en").status_code == 403
    assert set(locales().values()) == {"de"}
