"""The bot under test talks to two real servers on 127.0.0.1: the backend app (created in the
test process — the bot package itself never imports ``app``) and the fake Telegram Bot API."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.serving import WSGIRequestHandler, make_server

from app.core.enums import ReportStatus
from app.extensions import db
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.open311.keys import create_api_key
from app.reports import workflow
from app.reports.models import Report
from bot.config import BotConfig
from tests.bot.support import BotRunner, Chat
from tests.fakes.telegram import fake_telegram  # noqa: F401 (fixture)

FRIEDENSPLATZ = (51.5136, 7.4653)  # Innenstadt-West
BORSIGPLATZ = (51.5235, 7.4837)  # Innenstadt-Nord
PHOENIX_SEE = (51.4886, 7.5126)  # Hörde
BOCHUM_HBF = (51.4785, 7.2232)  # outside Dortmund


class _OneRequestPerConnection(WSGIRequestHandler):
    # No keep-alive: a stopped server must really be gone for the bot (a kept-alive
    # connection's handler thread would go on answering after shutdown).
    protocol_version = "HTTP/1.0"


class LiveBackend:
    """The backend on a fixed local port that can be stopped and started again (an outage)."""

    def __init__(self, app, api_key: str) -> None:
        self.app = app
        self.api_key = api_key
        self.port = 0
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveBackend:
        self._server = make_server(
            "127.0.0.1",
            self.port,
            self.app,
            threaded=True,
            request_handler=_OneRequestPerConnection,
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None


@pytest.fixture
def backend(app_ctx, geocoding, monkeypatch) -> Iterator[LiveBackend]:
    """The real backend app served on 127.0.0.1, with an API key for the bot, geocoding
    through the fake Nominatim."""
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    _key, token = create_api_key("telegram bot")
    db.session.commit()
    server = LiveBackend(app_ctx, token).start()
    try:
        yield server
    finally:
        server.stop()


class HoldFirstPost:
    """WSGI middleware: the first report posted is saved as usual, but its answer is held
    back until ``release`` is set — a backend slower than the bot's patience, or a bot that
    dies before the answer comes. ``saved`` is set once that report is committed."""

    def __init__(self, app) -> None:
        self.app = app
        self.saved = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._taken = False

    def __call__(self, environ, start_response):
        is_post = environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
            "/v2/requests.json"
        )
        with self._lock:
            first = is_post and not self._taken
            self._taken = self._taken or first
        if not first:
            return self.app(environ, start_response)
        answer: dict = {}

        def keep(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return lambda data: None

        result = self.app(environ, keep)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        self.saved.set()
        self.release.wait(120)  # a cap for a test that failed, not a pause
        start_response(answer["status"], answer["headers"])
        return [body]


@pytest.fixture
def hold_first_post(backend) -> Iterator[HoldFirstPost]:
    """The backend, on the same address, holding back the answer to the first report posted."""
    holder = HoldFirstPost(backend.app)
    backend.stop()
    backend.app = holder
    backend.start()
    try:
        yield holder
    finally:
        holder.release.set()


@pytest.fixture
def inbox(app_ctx, tg, make_user, monkeypatch):
    """Staff changing a report's status; the backend's worker delivering to the fake Bot API."""
    load_all()
    monkeypatch.setitem(app_ctx.config, "TELEGRAM_API_URL", tg.api_url)
    monkeypatch.setitem(app_ctx.config, "TELEGRAM_BOT_TOKEN", tg.token)
    dispatcher = make_user("dispatcher")

    def change(reference: str, status: ReportStatus, note: str | None = None) -> int:
        db.session.rollback()
        report = db.session.execute(
            db.select(Report).where(Report.reference == reference)
        ).scalar_one()
        workflow.change_status(report, status, dispatcher, public_note=note)
        db.session.commit()
        delivered = deliver_due()
        db.session.rollback()
        return delivered

    return change


@pytest.fixture
def tg(fake_telegram):  # noqa: F811
    return fake_telegram


@pytest.fixture
def bot_config(backend, tg, tmp_path) -> BotConfig:
    return BotConfig(
        token=tg.token,
        backend_url=backend.url,
        api_key=backend.api_key,
        public_url="https://melder.example.org",
        telegram_api_url=tg.api_url,
        state_file=tmp_path / "bot-state.sqlite3",
        persist_interval=0.5,
        backend_timeout=5.0,
        flood_limit=1000,
        flood_window=60.0,
    )


@pytest.fixture
def make_bot(bot_config, tg):
    """``make_bot(mode="direct"|"polling", **config_changes)`` → a started BotRunner (all
    stopped after the test)."""
    runners: list[BotRunner] = []

    def factory(mode: str = "direct", **changes) -> BotRunner:
        config = BotConfig(**{**bot_config.__dict__, **changes})
        runner = BotRunner(config, tg, mode).start()
        runners.append(runner)
        return runner

    yield factory
    for runner in runners:
        runner.stop()


@pytest.fixture
def bot(make_bot) -> BotRunner:
    return make_bot()


@pytest.fixture
def chat(bot) -> Chat:
    return Chat(bot)


def jpeg(size=(640, 480), colour=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def photo(tg):
    """A real JPEG the fake Bot API serves (``getFile`` + ``/file/bot…``)."""
    return tg.add_file(jpeg())


def snapshot_reports() -> list[SimpleNamespace]:
    """The backend's reports as plain data, newest last (the session is released after, so
    the live server's writes are never blocked by a read transaction of the test)."""
    from app.reports.models import Report

    db.session.rollback()
    try:
        rows = db.session.execute(sa.select(Report).order_by(Report.id)).scalars().all()
        return [
            SimpleNamespace(
                reference=r.reference,
                category=r.category.code,
                lat=r.lat,
                lon=r.lon,
                address=r.address,
                attributes=dict(r.attributes or {}),
                description=r.description,
                photos=len(r.photos),
                channel=r.channel.value,
                status=r.status.value,
                locale=r.locale,
                chat_id=r.contact.telegram_chat_id if r.contact else None,
                wants_updates=r.contact.wants_updates if r.contact else None,
                supporters=[(s.telegram_chat_id, s.wants_updates, s.locale) for s in r.supporters],
            )
            for r in rows
        ]
    finally:
        db.session.rollback()


def read_state(path: Path) -> dict[str, dict[int, dict]]:
    """The bot's state file as it is on disk now (committed steps), read as any other program
    would: ``{"chat_data": {chat_id: …}, "user_data": {user_id: …}}``."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            "chat_data": {
                row_id: json.loads(data)
                for row_id, data in connection.execute("SELECT chat_id, data FROM chat_data")
            },
            "user_data": {
                row_id: json.loads(data)
                for row_id, data in connection.execute("SELECT user_id, data FROM user_data")
            },
        }
    finally:
        connection.close()


def copy_state_as_left_by_a_crash(source: Path, target: Path) -> Path:
    """The state file with its write-ahead log, as a killed process leaves them."""
    for suffix in ("", "-wal"):
        part = Path(str(source) + suffix)
        if part.exists():
            Path(str(target) + suffix).write_bytes(part.read_bytes())
    return target
