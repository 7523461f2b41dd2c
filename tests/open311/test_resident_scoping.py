"""Resident data belongs to the API client that created it: with another client's key a chat's
reports cannot be listed, its entries neither changed, reopened nor deleted — each key sees
only the contact and supporter entries made with it."""

# ruff: noqa: S608 - fixed SQL of the test itself, for a database at an older revision

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.core.enums import ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.open311.keys import create_api_key
from app.reports.models import Report, ReporterContact
from app.reports.queries import report_by_reference
from app.reports.workflow import apply_status, mark_duplicate
from config import TestConfig
from tests.open311.conftest import API, BORSIGPLATZ, FRIEDENSPLATZ

CHAT = "987654321"
STAFF = Actor("user", "1", "Sachbearbeiterin")


@pytest.fixture
def keys(app_ctx):
    """Two clients: A (the Telegram bot) and B (any other app with a key)."""
    made = {}
    for name in ("A", "B"):
        key, token = create_api_key(f"client {name}")
        made[name] = (key.id, token)
    db.session.commit()
    return made


@pytest.fixture
def as_client(client, keys):
    def call(name: str, method: str, path: str, **form):
        headers = {"X-API-Key": keys[name][1], "Accept-Language": "en"}
        if method == "GET":
            return client.get(API + path, headers=headers, query_string=form)
        return client.post(API + path, headers=headers, data=form)

    return call


def report_from_chat(as_client, name: str = "A", point=FRIEDENSPLATZ) -> str:
    response = as_client(
        name,
        "POST",
        "/requests.json",
        service_code="papierkorb-voll",
        lat=str(point[0]),
        long=str(point[1]),
        telegram_chat_id=CHAT,
        updates="true",
    )
    assert response.status_code == 200, response.data
    return response.get_json()[0]["service_request_id"]


def fresh(reference: str) -> Report:
    db.session.expire_all()
    return report_by_reference(reference)


def listed(as_client, name: str) -> list[str]:
    response = as_client(name, "GET", f"/residents/telegram/{CHAT}/requests.json")
    assert response.status_code == 200, response.data
    return [item["service_request_id"] for item in response.get_json()]


def test_another_client_cannot_list_a_chats_reports(as_client, keys):
    reference = report_from_chat(as_client, "A")
    assert fresh(reference).contact.api_key_id == keys["A"][0]
    assert listed(as_client, "A") == [reference]
    assert listed(as_client, "B") == []


def test_another_client_cannot_delete_a_chats_data(as_client):
    reference = report_from_chat(as_client, "A")
    response = as_client("B", "POST", f"/residents/telegram/{CHAT}/delete.json")
    assert response.status_code == 200
    assert response.get_json() == {"deleted": 0}
    assert fresh(reference).contact.telegram_chat_id == CHAT
    assert listed(as_client, "A") == [reference]
    # The client that made it can.
    response = as_client("A", "POST", f"/residents/telegram/{CHAT}/delete.json")
    assert response.get_json() == {"deleted": 1}
    assert fresh(reference).contact is None


def test_another_client_cannot_reopen_for_the_chat(as_client):
    reference = report_from_chat(as_client, "A")
    apply_status(fresh(reference), ReportStatus.RESOLVED, STAFF, "Geleert.")
    db.session.commit()
    path = f"/requests/{reference}/reopen.json"
    refused = as_client("B", "POST", path, telegram_chat_id=CHAT, comment="Immer noch voll.")
    assert refused.status_code == 409
    assert refused.get_json()[0]["description"] == (
        "Only the people who reported this can reopen it."
    )
    assert fresh(reference).status == ReportStatus.RESOLVED
    allowed = as_client("A", "POST", path, telegram_chat_id=CHAT, comment="Immer noch voll.")
    assert allowed.status_code == 200, allowed.data
    assert fresh(reference).status == ReportStatus.REOPENED


def test_me_too_through_another_client_leaves_the_first_clients_entry_alone(as_client, keys):
    reference = report_from_chat(as_client, "A", BORSIGPLATZ)
    path = f"/requests/{reference}/supporters.json"
    # A's own supporter entry for another chat, without consent to updates.
    assert as_client("A", "POST", path, telegram_chat_id="24680").status_code == 201
    # B says "me too" for the same chat, with updates: its own entry, A's stays as it was.
    response = as_client("B", "POST", path, telegram_chat_id=CHAT, updates="true")
    assert response.status_code == 201
    supporters = {
        (s.api_key_id, s.telegram_chat_id, s.wants_updates) for s in fresh(reference).supporters
    }
    assert supporters == {(keys["A"][0], None, False), (keys["B"][0], CHAT, True)}
    # A's list and A's deletion know nothing of B's entry, and the reverse.
    assert listed(as_client, "B") == [reference]
    assert as_client("A", "POST", f"/residents/telegram/{CHAT}/delete.json").get_json() == {
        "deleted": 1  # A's contact entry only
    }
    assert [
        (s.api_key_id, s.telegram_chat_id)
        for s in fresh(reference).supporters
        if s.telegram_chat_id
    ] == [(keys["B"][0], CHAT)]
    # The same chat twice through the same client counts once.
    again = as_client("B", "POST", path, telegram_chat_id=CHAT, updates="true")
    assert again.get_json()["supporters"] == 2


def test_a_merged_duplicates_resident_stays_with_its_client(as_client, keys, make_user):
    original = report_from_chat(as_client, "B")  # another chat's report, through B
    db.session.execute(sa.delete(ReporterContact))  # it need not have a contact
    db.session.commit()
    duplicate = report_from_chat(as_client, "A")
    mark_duplicate(fresh(duplicate), fresh(original), make_user("dispatcher"))
    db.session.commit()
    [moved] = fresh(original).supporters
    assert (moved.telegram_chat_id, moved.api_key_id) == (CHAT, keys["A"][0])
    assert sorted(listed(as_client, "A")) == [original, duplicate]
    assert listed(as_client, "B") == []


def test_the_migration_gives_existing_entries_to_the_only_key(tmp_path):
    """Entries made through the API before keys were recorded belong to the one key there
    was; web entries stay without a key."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'before.sqlite'}"
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            run = conn.exec_driver_sql
            run(
                "INSERT INTO api_key (id, name, key_hash, prefix, created_at) VALUES "
                "(7, 'telegram bot', 'h', 'qm_', '2026-01-01 00:00:00')"
            )
            run("INSERT INTO category_group (id, code, names, position) VALUES (1, 'g', '{}', 0)")
            columns = {c["name"]: c for c in sa.inspect(conn).get_columns("category")}
            run(
                "INSERT INTO category (id, code, group_id, names, descriptions, position, "
                "is_sensitive, is_active"
                + (", target_days" if "target_days" in columns else "")
                + ") VALUES (1, 'c', 1, '{}', '{}', 0, 0, 1"
                + (", 2" if "target_days" in columns else "")
                + ")"
            )
            for report_id, channel in ((1, "telegram"), (2, "web")):
                run(
                    "INSERT INTO report (id, reference, category_id, status, description, "
                    "attributes, lat, lon, public_lat, public_lon, location_source, "
                    "routing_reason, channel, locale, is_description_hidden, version, "
                    "created_at, updated_at) VALUES "
                    f"({report_id}, 'DO-2026-0000{report_id}', 1, 'new', '', '{{}}', 51.5, 7.4, "
                    f"51.5, 7.4, 'map', '{{}}', '{channel}', 'de', 0, 1, "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
                run(
                    "INSERT INTO reporter_contact (report_id, telegram_chat_id, email, locale, "
                    f"wants_updates, consent_at) VALUES ({report_id}, "
                    + ("'123'" if channel == "telegram" else "NULL")
                    + (", NULL" if channel == "telegram" else ", 'a@example.invalid'")
                    + ", 'de', 1, '2026-01-01 00:00:00')"
                )
            run(
                "INSERT INTO report_supporter (report_id, channel, telegram_chat_id, locale, "
                "wants_updates, created_at) VALUES (2, 'telegram', '456', 'de', 1, "
                "'2026-01-01 00:00:00'), (1, 'web', NULL, 'de', 0, '2026-01-01 00:00:00')"
            )
        upgrade(revision="0010")
        with db.engine.connect() as conn:
            contacts = dict(
                conn.exec_driver_sql("SELECT report_id, api_key_id FROM reporter_contact").all()
            )
            supporters = dict(
                conn.exec_driver_sql("SELECT channel, api_key_id FROM report_supporter").all()
            )
        db.engine.dispose()
    assert contacts == {1: 7, 2: None}
    assert supporters == {"telegram": 7, "web": None}
