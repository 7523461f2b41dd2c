"""Building the python-telegram-bot ``Application``: handlers, persistence that survives a hard
kill (``bot.persistence``), updates of one chat in order (different chats concurrently), a
per-user flood limit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import handlers as h
from bot.backend import Backend
from bot.config import DEFAULT_STATE_FILE, LEGACY_STATE_FILE, BotConfig
from bot.persistence import SQLitePersistence
from bot.texts import COMMANDS, LANGUAGES, t

log = logging.getLogger(__name__)


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat one after the other, in
    the order they came. Remembers the ids of recently finished updates (tests, benchmarks)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Any, asyncio.Lock] = {}
        self._users: dict[Any, int] = {}
        self.finished: deque[int] = deque(maxlen=2000)

    async def do_process_update(self, update: object, coroutine) -> None:
        key = None
        if isinstance(update, Update) and update.effective_chat is not None:
            key = update.effective_chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                self._locks.pop(key, None)
            if isinstance(update, Update):
                self.finished.append(update.update_id)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class FloodLimiter:
    """At most ``limit`` updates per user in ``window`` seconds: the first one over gets a
    "slow down" answer, the rest are dropped until the window has room again."""

    def __init__(self, limit: int, window: float, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def hit(self, user_id: int) -> str:
        now = self.clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] > self.window:
            hits.popleft()
        if len(self._hits) > 10_000:  # forget users that have been quiet
            for uid in [u for u, q in self._hits.items() if not q or now - q[-1] > self.window]:
                self._hits.pop(uid, None)
                self._warned.pop(uid, None)
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.pop(user_id, None)
            return "ok"
        if user_id in self._warned and now - self._warned[user_id] <= self.window:
            return "drop"
        self._warned[user_id] = now
        return "warn"


DRAFT_MAX_AGE = timedelta(days=30)


def prune_state(app: Application, now: datetime | None = None) -> int:
    """Forget chats with nothing going on and drafts abandoned for a month (at start-up, so the
    state file does not grow with every resident who ever wrote). Returns how many."""
    now = now or datetime.now().astimezone()
    dropped = 0
    for chat_id, data in list(app.chat_data.items()):
        draft = data.get("draft")
        started = None
        if draft and draft.get("started"):
            with contextlib.suppress(ValueError):
                started = datetime.fromisoformat(draft["started"])
        stale = draft is not None and started is not None and now - started > DRAFT_MAX_AGE
        if (draft is None and not data.get("pending")) or stale:
            app.drop_chat_data(chat_id)
            dropped += 1
    return dropped


async def _post_init(app: Application) -> None:
    """Command menus per language (German by default); old state pruned."""
    dropped = prune_state(app)
    if dropped:
        log.info("Forgot %d idle or abandoned chats", dropped)
    for lang in LANGUAGES:
        commands = [
            BotCommand(names[0] if lang == "de" else names[-1], t(lang, key))
            for names, key in COMMANDS
        ]
        try:
            await app.bot.set_my_commands(
                commands,
                scope=BotCommandScopeDefault(),
                language_code=None if lang == "de" else lang,
            )
        except TelegramError as error:  # a menu is nice to have, not a reason not to start
            log.warning("setMyCommands (%s) failed: %s", lang, error)


async def _post_shutdown(app: Application) -> None:
    backend = app.bot_data.get("backend")
    if backend is not None:
        await backend.aclose()


def build_application(config: BotConfig, backend: Backend | None = None) -> Application:
    persistence = SQLitePersistence(
        config.state_file,
        update_interval=config.persist_interval,
        legacy_file=LEGACY_STATE_FILE if config.state_file == DEFAULT_STATE_FILE else None,
    )
    app = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.bot_api_base_url)
        .base_file_url(config.bot_api_file_url)
        .persistence(persistence)
        .concurrent_updates(ChatOrderedUpdateProcessor(config.concurrent_updates))
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["config"] = config
    app.bot_data["backend"] = backend or Backend(
        config.backend_url, config.api_key, timeout=config.backend_timeout
    )
    app.bot_data["flood"] = FloodLimiter(config.flood_limit, config.flood_window)
    install_handlers(app)
    return app


def install_handlers(app: Application) -> None:
    message = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, h.guard), group=-1)
    commands = {
        "start": h.cmd_start,
        "status": h.cmd_status,
        "meine": h.cmd_mine,
        "abbrechen": h.cmd_cancel,
        "hilfe": h.cmd_help,
        "sprache": h.cmd_language,
        "datenschutz": h.cmd_privacy,
        "loeschen": h.cmd_delete,
    }
    aliases = {
        "mine": "meine",
        "cancel": "abbrechen",
        "help": "hilfe",
        "language": "sprache",
        "privacy": "datenschutz",
        "delete": "loeschen",
        "stop": "abbrechen",
    }
    for name, callback in commands.items():
        names = [name] + [alias for alias, target in aliases.items() if target == name]
        app.add_handler(CommandHandler(names, callback, filters=message))
    app.add_handler(MessageHandler(filters.COMMAND & message, h.cmd_unknown))
    app.add_handler(CallbackQueryHandler(h.on_callback))
    app.add_handler(MessageHandler((filters.LOCATION | filters.VENUE) & message, h.on_location))
    app.add_handler(MessageHandler((filters.PHOTO | filters.Document.ALL) & message, h.on_photo))
    app.add_handler(MessageHandler(filters.TEXT & message, h.on_text))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, h.on_edited))
    app.add_handler(MessageHandler(message, h.on_other))
    app.add_handler(TypeHandler(Update, h.sync_pending_locale), group=1)
    app.add_error_handler(h.on_error)
