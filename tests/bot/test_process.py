"""``python -m bot`` as its own process: it completes a report against the fake Bot API and
the running backend (surviving a SIGKILL mid-conversation), explains a missing token, and
never imports the backend's code."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot.conftest import FRIEDENSPLATZ, PHOENIX_SEE, snapshot_reports
from tests.bot.support import Chat

ROOT = Path(__file__).resolve().parents[2]


class ProcessRunner:
    """Feeds updates to a bot process through the fake's getUpdates. An action is done when
    the text in ``expect`` has come (then cleared) — or, without it, when the bot has answered
    in the chat and then stayed quiet for a moment."""

    def __init__(self, fake, env: dict[str, str]) -> None:
        self.fake = fake
        self.env = env
        self.process: subprocess.Popen | None = None
        self.expect: str | None = None

    def start(self) -> ProcessRunner:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.stdout.read() if self.process.stdout else ""

    def feed(self, update, timeout: float = 20.0, quiet: float = 1.0):
        source = update.get("message") or update.get("callback_query")
        chat_id = (source.get("chat") or source["from"])["id"]
        before = len(self.fake.outputs_to(chat_id))
        pushed = self.fake.push_update(update)
        deadline = time.monotonic() + timeout
        seen, since = before, time.monotonic()
        expect, self.expect = self.expect, None
        while True:
            outputs = self.fake.outputs_to(chat_id)
            if len(outputs) != seen:
                seen, since = len(outputs), time.monotonic()
            if expect is not None:
                if any(expect in c.params.get("text", "") for c in outputs[before:]):
                    return pushed
            elif seen > before and time.monotonic() - since >= quiet:
                return pushed
            if self.process.poll() is not None:
                raise AssertionError(f"bot exited: {self.process.stdout.read()}")
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not answer")
            time.sleep(0.02)


@pytest.fixture
def bot_env(backend, tg, tmp_path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().endswith("_PROXY") and k.upper() != "PYTHONPATH"
    }
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_URL": tg.api_url,
            "BACKEND_URL": backend.url,
            "BACKEND_API_KEY": backend.api_key,
            "BOT_STATE_FILE": str(tmp_path / "state" / "bot.sqlite3"),
            "BOT_POLL_TIMEOUT": "1",
            "BOT_PERSIST_INTERVAL": "0.5",
            "PUBLIC_URL": "https://melder.example.org",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def wait_for_polling(fake, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not fake.calls_of("getUpdates"):
        assert time.monotonic() < deadline, "the bot never polled"
        time.sleep(0.05)


def test_python_m_bot_completes_a_report_and_survives_a_kill(bot_env, tg, photo):
    runner = ProcessRunner(tg, bot_env).start()
    try:
        wait_for_polling(tg)
        commands = tg.calls_of("setMyCommands")
        assert {c.params.get("language_code") for c in commands} == {None, "en", "tr", "ar"}
        chat = Chat(runner, chat_id=9191)

        def step(expect, action, *args):
            chat.runner.expect = expect
            return action(*args)

        step("Worum geht es?", chat.send, "/start")
        step("Was genau?", chat.tap, "Beleuchtung")
        step("Wo ist es?", chat.tap, "Straßenlaterne aus")
        step("Mastnummer", chat.location, *PHOENIX_SEE)

        runner.kill()  # a hard kill: no shutdown, no final flush
        calls_before = len(tg.calls_of("getUpdates"))
        runner = chat.runner = ProcessRunner(tg, bot_env).start()
        deadline = time.monotonic() + 20
        while len(tg.calls_of("getUpdates")) == calls_before:
            assert time.monotonic() < deadline
            time.sleep(0.05)

        step("Haben Sie ein Foto?", chat.send, "77-12")
        step("1 Foto da", chat.photo, photo)
        step("beschreiben", chat.tap, "Weiter")
        step("📋 Ihre Meldung", chat.send, "Ganze Straße dunkel")
        step("Vorgangsnummer: DO-", chat.tap, "Senden")
    finally:
        output = runner.stop()
    (report,) = snapshot_reports()
    assert report.category == "laterne-aus"
    assert report.attributes == {"mast_number": "77-12"}
    assert report.photos == 1 and report.chat_id == "9191"
    assert "Traceback" not in output


def test_a_kill_right_after_posting_does_not_file_the_report_twice(bot_env, tg, hold_first_post):
    """The backend saved the report, the bot died before the answer came: after the restart
    the resident sends again and gets that report's reference — one report, not two."""
    runner = ProcessRunner(tg, bot_env).start()
    try:
        wait_for_polling(tg)
        chat = Chat(runner, chat_id=9292)

        def step(expect, action, *args):
            chat.runner.expect = expect
            return action(*args)

        step("Worum geht es?", chat.send, "/start")
        step("Was genau?", chat.tap, "Sauberkeit")
        step("Wo ist es?", chat.tap, "Papierkorb voll")
        step("Haben Sie ein Foto?", chat.location, *FRIEDENSPLATZ)
        step("beschreiben", chat.tap, "Ohne Foto weiter")
        step("📋 Ihre Meldung", chat.send, "Quillt über")
        message, data = chat.find_button("Senden")
        tg.push_update(
            {
                "callback_query": {
                    "id": "send-1",
                    "from": chat.user(),
                    "chat_instance": "ci-1",
                    "data": data,
                    "message": {k: message[k] for k in ("message_id", "date", "chat", "text")},
                }
            }
        )
        assert hold_first_post.saved.wait(60)  # posted and saved; the answer is held back
        runner.kill()
        hold_first_post.release.set()
        (report,) = snapshot_reports()

        runner = chat.runner = ProcessRunner(tg, bot_env).start()
        step("angefangene Meldung", chat.send, "/start")
        step("📋 Ihre Meldung", chat.tap, "Weitermachen")
        step("Vorgangsnummer:", chat.tap, "Senden")
    finally:
        output = runner.stop()
    assert f"Vorgangsnummer: {report.reference}" in tg.messages_to(9292)[-1]["text"]
    assert [r.reference for r in snapshot_reports()] == [report.reference]
    assert "Traceback" not in output


def test_without_a_token_it_says_how_to_get_one(bot_env):
    env = {k: v for k, v in bot_env.items() if k != "TELEGRAM_BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in done.stderr
    assert "@BotFather" in done.stderr and "/newbot" in done.stderr
    env = {k: v for k, v in bot_env.items() if k != "BACKEND_API_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "flask api-keys create telegram-bot" in done.stderr


def test_webhook_mode_needs_url_and_secret(bot_env):
    env = {**bot_env, "BOT_MODE": "webhook"}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "WEBHOOK_URL" in done.stderr
    env.update(WEBHOOK_URL="https://melder.example.org/telegram")
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "WEBHOOK_SECRET" in done.stderr


def test_the_bot_never_imports_the_backend():
    for path in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("app", "config", "sqlalchemy", "flask"), (
                    f"{path.name} imports {name}"
                )
    probe = (
        "import sys, bot.__main__, bot.app, bot.router, bot.backend; "
        "print([m for m in sys.modules if m.split('.')[0] in ('app', 'flask', 'sqlalchemy')])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout.strip() == "[]", done.stderr
