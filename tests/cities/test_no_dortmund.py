"""Another city shows nothing of Dortmund: on a database of its own loaded with the invented
Musterstadt (``tests/fixtures/musterstadt``), the rendered pages (form, confirmation, status,
about, API documents), the e-mails a report sends and the bot's messages contain neither
"Dortmund" nor "EDG" nor a "DO-" reference nor the emergency number 110."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from bot.config import BotConfig
from config import TestConfig
from tests.bot.conftest import LiveBackend
from tests.bot.support import BotRunner, Chat
from tests.fakes.telegram import fake_telegram  # noqa: F401  (fixture)
from tests.forwarding.email_support import html_part, text_part
from tests.web.support import jpeg

MUSTERSTADT = Path(__file__).resolve().parent.parent / "fixtures" / "musterstadt"
NORDVIERTEL = (48.095, 11.025)
ALTSTADT = (48.095, 10.995)
DORTMUND = ("Dortmund", "EDG", "DO-", "110", "Friedensplatz", "Borsigplatz")
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="module")
def musterstadt(tmp_path_factory):
    """An app of its own on its own SQLite file, loaded with Musterstadt only."""
    from flask_migrate import upgrade

    from app.cities.seed import load_city

    directory = tmp_path_factory.mktemp("musterstadt")
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'musterstadt.sqlite'}"
    config.PHOTO_STORAGE_DIR = str(directory / "photos")
    config.CITY_DIR = str(MUSTERSTADT)
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_city(app.config["CITY_DIR"])
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def visible(html: str) -> str:
    """The page as a reader gets it: text and attribute values, without scripts and styles
    (where numbers such as 110 can be part of code)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = " ".join(
        re.findall(r'(?:title|alt|placeholder|aria-label|content|value)="([^"]*)"', html)
    )
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


def assert_no_dortmund(where: str, text: str) -> None:
    for word in DORTMUND:
        assert word not in text, f"{word!r} in {where}: …{_around(text, word)}…"


def _around(text: str, word: str) -> str:
    at = text.find(word)
    return text[max(0, at - 80) : at + 80]


def test_pages_and_e_mails_show_nothing_of_dortmund(musterstadt):
    from app.core.enums import ReportStatus
    from app.core.events import Actor
    from app.forwarding.emails import compose
    from app.forwarding.models import Delivery
    from app.forwarding.outbox import DEPARTMENT_NOTICE, FORWARD, RESIDENT_UPDATE
    from app.reports.models import Report
    from app.reports.workflow import apply_status

    client = musterstadt.test_client()
    with musterstadt.app_context():
        for url in ("/", "/report", "/report?lang=en", "/about", "/about?lang=en"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_dortmund(url, visible(response.get_data(as_text=True)))
        for url in ("/open311/v2/openapi.json", "/api/partner/openapi.json"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_dortmund(url, response.get_data(as_text=True))
        form = client.get("/report").get_data(as_text=True)
        assert "48.0950" in visible(form) and "11.0250" in visible(form)  # the city's example
        response = client.post(
            "/report",
            data={
                "csrf_token": _CSRF.search(form).group(1),
                "category": "angstort",
                "lat": str(NORDVIERTEL[0]),
                "lon": str(NORDVIERTEL[1]),
                "attribute.warum": "finster",
                "description": "Die Unterführung ist abends ganz dunkel.",
                "photos": [(io.BytesIO(jpeg()), "ort.jpg")],
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 303, visible(response.get_data(as_text=True))[:2000]
        confirmation_url = response.headers["Location"]
        assert "/report/MS-" in confirmation_url
        reference = confirmation_url.split("/report/")[1].split("/")[0]
        for url in (confirmation_url, f"/r/{reference}", f"/r/{reference}?lang=en"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_dortmund(url, visible(response.get_data(as_text=True)))

        # A second report, to the Bauhof (a ticket by e-mail), with a resident's address.
        form = client.get("/report").get_data(as_text=True)
        response = client.post(
            "/report",
            data={
                "csrf_token": _CSRF.search(form).group(1),
                "category": "muellhaufen",
                "lat": str(ALTSTADT[0]),
                "lon": str(ALTSTADT[1]),
                "description": "Säcke neben der Bank.",
                "email": "anwohnerin@example.invalid",
                "consent": "1",
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 303, visible(response.get_data(as_text=True))[:2000]
        assert_no_dortmund(
            "confirmation", visible(client.get(response.headers["Location"]).get_data(as_text=True))
        )

        # News for the resident who left an address.
        rubbish = db.session.execute(
            sa.select(Report).where(Report.category.has(code="muellhaufen"))
        ).scalar_one()
        apply_status(rubbish, ReportStatus.IN_PROGRESS, Actor("user", "1", "Test"), None)
        db.session.commit()

        deliveries = db.session.execute(sa.select(Delivery)).scalars().all()
        purposes = {d.purpose for d in deliveries}
        assert {DEPARTMENT_NOTICE, FORWARD, RESIDENT_UPDATE} <= purposes
        messages = [m for m in (compose(d) for d in deliveries) if m is not None]
        # The Ordnungsamt's notice of the unsafe place, the Bauhof's ticket, the resident's news.
        assert len(messages) >= 3
        for message in messages:
            where = f"e-mail {message['Subject']!r}"
            assert message["Subject"].count("MS-") == 1
            for part in (message["Subject"], text_part(message), html_part(message)):
                assert_no_dortmund(where, part)


def test_the_bots_messages_show_nothing_of_dortmund(musterstadt, fake_telegram, tmp_path):  # noqa: F811
    from app.open311.keys import create_api_key

    with musterstadt.app_context():
        _key, token = create_api_key("telegram bot")
        db.session.commit()
    server = LiveBackend(musterstadt, token).start()
    config = BotConfig(
        token=fake_telegram.token,
        backend_url=server.url,
        api_key=token,
        public_url="https://melder.example.org",
        telegram_api_url=fake_telegram.api_url,
        state_file=tmp_path / "bot-state.sqlite3",
        persist_interval=0.5,
        backend_timeout=5.0,
        flood_limit=1000,
        flood_window=60.0,
    )
    runner = BotRunner(config, fake_telegram).start()
    try:
        chat = Chat(runner)
        replies = [chat.send("/start"), chat.tap("Sicherheit")]
        assert "Notruf 112" in replies[-1]  # the sensitive category's notice, Musterstadt's number
        replies.append(chat.location(*NORDVIERTEL))
        replies += [chat.send(command) for command in ("/hilfe", "/status", "/status ???")]
        assert "Notruf 112" in replies[-3]
        english = Chat(runner, chat_id=4343, lang="en")
        replies += [english.send("/help"), english.send("/start"), english.tap("Safety")]
        for reply in replies:
            for text in reply.texts:
                assert_no_dortmund("the bot", text)
    finally:
        runner.stop()
        server.stop()
