"""Driving the real python-telegram-bot ``Application`` from synchronous tests.

``BotRunner`` runs the bot's application (built by ``bot.app.build_application``) on an event
loop in a thread, talking to the fake Bot API. Updates reach it either directly
(``Application.process_update`` — returns when the update is handled) or by polling: they are
pushed into the fake's ``getUpdates`` and the runner waits until the application has finished
that update id. ``Chat`` plays one resident: it sends messages, taps inline buttons found in
what the bot sent, and returns what the bot did in answer.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import BotConfig
from tests.fakes.telegram import Call, FakeTelegram

_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


class BotRunner:
    def __init__(self, config: BotConfig, fake: FakeTelegram, mode: str = "direct") -> None:
        self.config = config
        self.fake = fake
        self.mode = mode
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, daemon=True, name="bot-under-test"
        )
        self.app = None
        self.started = False

    def run(self, coroutine, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> BotRunner:
        self.thread.start()

        async def boot():
            self.app = build_application(self.config)
            await self.app.initialize()
            if self.app.post_init:  # as run_polling/run_webhook do
                await self.app.post_init(self.app)
            if self.mode == "polling":
                await self.app.updater.start_polling(
                    poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
                )
            await self.app.start()

        self.run(boot())
        self.started = True
        return self

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False

        async def down():
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()

        try:
            self.run(down())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()

    @property
    def finished(self):
        return self.app.update_processor.finished

    def feed(self, update: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
        """Hand one update to the bot and return once it has been handled."""
        if self.mode == "polling":
            pushed = self.fake.push_update(update)
            deadline = time.monotonic() + timeout
            while pushed["update_id"] not in self.finished:
                if time.monotonic() > deadline:
                    raise AssertionError(f"bot did not handle update {pushed['update_id']}")
                time.sleep(0.005)
            return pushed
        with self.fake.state.lock:
            update = {"update_id": next(self.fake.state.update_ids), **update}
        self.run(self.app.process_update(Update.de_json(update, self.app.bot)), timeout)
        return update


@dataclass
class Reply:
    """What the bot did in the chat in answer to one action."""

    calls: list[Call]
    toasts: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [
            c.params.get("text", "")
            for c in self.calls
            if c.method in ("sendMessage", "editMessageText")
        ]

    @property
    def text(self) -> str:
        return "\n---\n".join(self.texts)

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == "sendMessage"]

    def buttons(self) -> list[str]:
        """Inline button labels of the last message in this reply that has some."""
        for params in reversed([c.params for c in self.calls]):
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                return [b["text"] for row in markup["inline_keyboard"] for b in row]
        return []

    def reply_keyboard(self) -> list[dict[str, Any]]:
        for params in reversed(self.sent):
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "keyboard" in markup:
                return [b for row in markup["keyboard"] for b in row]
        return []

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text


class Chat:
    """One resident in a private chat with the bot."""

    def __init__(
        self,
        runner: BotRunner,
        chat_id: int = 4242,
        lang: str | None = "de",
        first_name: str = "Rita",
        chat_type: str = "private",
    ) -> None:
        self.runner = runner
        self.chat_id = chat_id
        self.lang = lang
        self.first_name = first_name
        self.chat_type = chat_type
        self.last_update: dict[str, Any] | None = None

    @property
    def fake(self) -> FakeTelegram:
        return self.runner.fake

    # -- building updates -------------------------------------------------------------------
    def user(self) -> dict[str, Any]:
        user = {"id": self.chat_id, "is_bot": False, "first_name": self.first_name}
        if self.lang:
            user["language_code"] = self.lang
        return user

    def _chat(self) -> dict[str, Any]:
        if self.chat_type == "private":
            return {"id": self.chat_id, "type": "private", "first_name": self.first_name}
        return {"id": -self.chat_id, "type": self.chat_type, "title": "Nachbarschaft"}

    def message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self.user(),
            **content,
        }

    # -- acting -----------------------------------------------------------------------------
    def act(self, update: dict[str, Any]) -> Reply:
        chat = self.chat_id if self.chat_type == "private" else -self.chat_id
        before = len(self.fake.outputs_to(chat))
        answers_before = len(self.fake.calls_of("answerCallbackQuery"))
        self.last_update = self.runner.feed(update)
        calls = self.fake.outputs_to(chat)[before:]
        toasts = [
            c.params.get("text", "")
            for c in self.fake.calls_of("answerCallbackQuery")[answers_before:]
        ]
        return Reply(calls, toasts)

    def send(self, text: str) -> Reply:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.act({"message": self.message(**content)})

    def location(self, lat: float, lon: float) -> Reply:
        return self.act({"message": self.message(location={"latitude": lat, "longitude": lon})})

    def venue(self, lat: float, lon: float, title: str, address: str) -> Reply:
        location = {"latitude": lat, "longitude": lon}
        return self.act(
            {
                "message": self.message(
                    location=location,
                    venue={"location": location, "title": title, "address": address},
                )
            }
        )

    def photo(self, file, caption: str | None = None) -> Reply:
        sizes = [
            {
                "file_id": file.file_id + "-thumb",
                "file_unique_id": file.file_unique_id + "t",
                "width": 90,
                "height": 60,
                "file_size": 1000,
            },
            {
                "file_id": file.file_id,
                "file_unique_id": file.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": file.file_size,
            },
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self.act({"message": self.message(**content)})

    def document(self, file, mime_type: str = "image/jpeg", name: str = "foto.jpg") -> Reply:
        return self.act(
            {
                "message": self.message(
                    document={
                        "file_id": file.file_id,
                        "file_unique_id": file.file_unique_id,
                        "file_name": name,
                        "mime_type": mime_type,
                        "file_size": file.file_size,
                    }
                )
            }
        )

    def sticker(self) -> Reply:
        return self.act(
            {
                "message": self.message(
                    sticker={
                        "file_id": "STICKER",
                        "file_unique_id": "S1",
                        "width": 512,
                        "height": 512,
                        "is_animated": False,
                        "is_video": False,
                        "type": "regular",
                    }
                )
            }
        )

    def find_button(self, label: str) -> tuple[dict[str, Any], str]:
        """The newest bot message with an inline button whose text contains ``label``."""
        chat = self.chat_id if self.chat_type == "private" else -self.chat_id
        for message in reversed(self.fake.current_messages(chat)):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in the chat")

    def tap(self, label: str) -> Reply:
        message, data = self.find_button(label)
        return self.tap_data(message, data)

    def tap_data(self, message: dict[str, Any], data: str) -> Reply:
        shown = {
            k: v
            for k, v in message.items()
            if k in ("message_id", "date", "chat", "text", "reply_markup")
        }
        shown["from"] = {"id": 123456, "is_bot": True, "first_name": "Quartiersmelder"}
        return self.act(
            {
                "callback_query": {
                    "id": str(next(_callback_ids)),
                    "from": self.user(),
                    "chat_instance": "ci-1",
                    "data": data,
                    "message": shown,
                }
            }
        )
