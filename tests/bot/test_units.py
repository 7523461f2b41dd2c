"""Configuration, texts, the flood limiter, and webhook mode (when its extra is installed)."""

from __future__ import annotations

import ast
import asyncio
import json
import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from bot import __main__ as bot_main
from bot import i18n
from bot.app import MENU
from bot.backend import Backend, accept_language
from bot.config import DEFAULT_STATE_FILE, BotConfig, ConfigError
from bot.flood import FloodLimiter
from bot.i18n import LANGUAGES, gettext, missing_catalogues, ngettext
from tests.bot.support import BotRunner, Chat


def test_config_from_the_environment():
    config = BotConfig.from_env({"TELEGRAM_BOT_TOKEN": "1:x", "BACKEND_API_KEY": "qm_k"})
    assert config.backend_url == "http://127.0.0.1:5000"
    assert config.telegram_api_url == "https://api.telegram.org"
    assert config.bot_api_base_url == "https://api.telegram.org/bot"
    assert config.bot_api_file_url == "https://api.telegram.org/file/bot"
    assert config.mode == "polling" and config.state_file == DEFAULT_STATE_FILE
    assert DEFAULT_STATE_FILE.parts[-2:] == ("instance", "bot-state.sqlite3")
    assert config.status_base_url == "http://127.0.0.1:5000"
    config = BotConfig.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "BACKEND_API_KEY": "qm_k",
            "BOT_MODE": "webhook",
            "WEBHOOK_URL": "https://m.example.org/tg",
            "WEBHOOK_SECRET": "abc",
            "WEBHOOK_PORT": "9000",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "BOT_STATE_FILE": "var/x.sqlite3",
            "PUBLIC_URL": "https://m.example.org/",
            "BACKEND_URL": "http://backend:5000/",
        }
    )
    assert (config.mode, config.webhook_port, config.webhook_listen) == (
        "webhook",
        9000,
        "127.0.0.1",
    )
    assert config.bot_api_base_url == "http://127.0.0.1:8081/bot"
    assert config.state_file == Path("var/x.sqlite3")
    assert config.status_base_url == "https://m.example.org"
    assert config.backend_url == "http://backend:5000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "@BotFather"),
        ({"TELEGRAM_BOT_TOKEN": "1:x"}, "flask api-keys create"),
        ({"TELEGRAM_BOT_TOKEN": "1:x", "BACKEND_API_KEY": "k", "BOT_MODE": "push"}, "polling or"),
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:x",
                "BACKEND_API_KEY": "k",
                "BOT_MODE": "webhook",
                "WEBHOOK_URL": "http://insecure.example.org",
            },
            "https://",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "1:x", "BACKEND_API_KEY": "k", "BACKEND_TIMEOUT": "soon"},
            "number",
        ),
    ],
)
def test_config_errors_say_what_to_do(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        BotConfig.from_env(env)


BOT = Path(__file__).resolve().parents[2] / "bot"


def button_messages() -> set[str]:
    """The messages the bot puts on buttons: ``(gettext(lang, "…"), data)`` pairs and
    ``KeyboardButton(gettext(lang, "…"))``."""
    found = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and node.elts:
                call = node.elts[0]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "KeyboardButton":
                call = node.args[0]
            else:
                continue
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "gettext":
                message = call.args[1]
                assert isinstance(message, ast.Constant), ast.unparse(call)
                found.add(message.value)
    return found


def test_the_bot_speaks_from_the_compiled_catalogues():
    """Placeholders and whether every message is translated are checked for the whole
    catalogue (tests/test_translations.py); here: what the bot itself needs of them."""
    assert missing_catalogues() == []
    assert gettext("de", "Which language?") == "Welche Sprache?"
    assert gettext("xx", "✅ Send") == "✅ Send"  # unknown language: English
    photos = "📷 %(num)d photo received. Send another (at most %(max)s) – or continue."
    plural = "📷 %(num)d photos received. Send another (at most %(max)s) – or continue."
    assert ngettext("de", photos, plural, 1, max=5).startswith("📷 1 Foto da.")
    assert ngettext("de", photos, plural, 2, max=5).startswith("📷 2 Fotos da.")
    assert ngettext("en", photos, plural, 1, max=5).startswith("📷 1 photo received.")
    buttons = button_messages()
    assert {"✅ Send", "❌ Cancel", "📍 Send location", "🔁 Not fixed? (%(id)s)"} <= buttons
    for lang in LANGUAGES:
        for message in buttons:
            text = gettext(lang, message) % {"id": "DO-2026-000001"}
            assert text.strip() and len(text.encode()) < 64, (lang, message)  # fits a button
        for _names, description in MENU:
            assert 3 <= len(gettext(lang, description)) <= 256, (lang, description)


def test_without_compiled_catalogues_the_bot_says_what_to_run(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("BACKEND_API_KEY", "qm_k")
    assert bot_main.main() == 2
    assert "make translations" in capsys.readouterr().err


def test_accept_language():
    assert accept_language("de") == "de" and accept_language("en") == "en"
    assert accept_language("tr").startswith("tr, en;q=0.8")


def test_every_backend_request_carries_the_residents_language():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"service_request_id": "DO-1", "status": "open"}])

    async def talk() -> None:
        api = Backend("http://backend.test", "qm_k", transport=httpx.MockTransport(answer))
        try:
            await api.services("tr")
            await api.request("DO-1", "tr")
            await api.nearby("papierkorb-voll", 51.5, 7.4, "tr", chat_id=1)
            await api.create_request({"service_code": "x", "locale": "de"}, [], "tr")
        finally:
            await api.aclose()

    asyncio.run(talk())
    assert len(seen) == 4
    for request in seen:
        assert request.url.params["locale"] == "tr", request.url
        assert request.headers["Accept-Language"].startswith("tr")
    # The language of the report's status messages is a field of its own: unchanged.
    assert b"locale=de" in seen[-1].content


def test_flood_limiter():
    now = [0.0]
    limiter = FloodLimiter(3, 10.0, clock=lambda: now[0])
    assert [limiter.hit(1) for _ in range(5)] == ["ok", "ok", "ok", "warn", "drop"]
    assert limiter.hit(2) == "ok"
    now[0] = 10.5
    assert limiter.hit(1) == "ok"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_checks_the_secret_token(bot_config, tg):
    pytest.importorskip("tornado", reason="needs python-telegram-bot[webhooks]")
    runner = BotRunner(bot_config, tg).start()
    port = free_port()
    try:
        runner.run(
            runner.app.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path="telegram",
                webhook_url="https://melder.example.org/telegram",
                secret_token="s3cret-Token",
            )
        )
        update = {
            "update_id": 900001,
            "message": Chat(runner).message(
                text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
            ),
        }

        def post(headers):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/telegram",
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", **headers},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert post({}) == 403
        assert post({"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
        assert tg.messages_to(4242) == []
        assert post({"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token"}) == 200
        deadline = time.monotonic() + 10
        while not tg.messages_to(4242):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert tg.calls_of("setWebhook")[0].params["secret_token"] == "s3cret-Token"
    finally:
        runner.stop()
