"""Configuration, texts, the flood limiter, and webhook mode (when its extra is installed)."""

from __future__ import annotations

import json
import re
import socket
import string
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.backend import accept_language
from bot.config import DEFAULT_STATE_FILE, BotConfig, ConfigError
from bot.flood import FloodLimiter
from bot.texts import LANGUAGES, STATUS, TEXTS, t
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


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_in_every_language_with_the_same_placeholders():
    for lang in LANGUAGES:
        assert set(TEXTS[lang]) == set(TEXTS["de"]), lang
        assert set(STATUS[lang]) == set(STATUS["de"]), lang
        for key, text in TEXTS[lang].items():
            assert placeholders(text) == placeholders(TEXTS["de"][key]), (lang, key)
            assert text.strip(), (lang, key)
            if key.startswith("btn_"):
                assert len(text.encode()) < 64, (lang, key)  # fits a button
            if key.startswith("cmd_"):
                assert 3 <= len(text) <= 256, (lang, key)  # BotCommand description
    assert t("xx", "btn_send") == "✅ Send"  # unknown language: English


def test_accept_language():
    assert accept_language("de") == "de" and accept_language("en") == "en"
    assert accept_language("tr").startswith("tr, en;q=0.8")


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
