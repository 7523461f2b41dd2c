"""Building the python-telegram-bot ``Application``: the handlers (``bot.router``) with their
context (``bot.context``), persistence that survives a hard kill (``bot.persistence``), updates
of one chat in order (different chats concurrently), a per-user flood limit (``bot.flood``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, ContextTypes, Defaults

from bot.backend import Backend
from bot.config import DEFAULT_STATE_FILE, LEGACY_STATE_FILE, BotConfig
from bot.context import BotApplication, BotContext
from bot.flood import FloodLimiter
from bot.i18n import LANGUAGES, N_, gettext
from bot.persistence import SQLitePersistence
from bot.router import install_handlers

log = logging.getLogger(__name__)

# The command menu: (names, description). The first name is shown in German menus, the last in
# the others; every alias works in every language (``bot.router``).
MENU = [
    (("start",), N_("New report")),
    (("status",), N_("Status of a report (/status DO-…)")),
    (("meine", "mine"), N_("My reports")),
    (("abbrechen", "cancel"), N_("Cancel")),
    (("hilfe", "help"), N_("Help")),
    (("sprache", "language"), N_("Choose language")),
    (("datenschutz", "privacy"), N_("Privacy")),
    (("loeschen", "delete"), N_("Delete my contact data")),
]


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat one after the other, in
    the order they came. Remembers the ids of recently finished updates (tests, benchmarks)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Any, asyncio.Lock] = {}
        self._users: dict[Any, int] = {}
        self.finished: deque[int] = deque(maxlen=2000)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
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


DRAFT_MAX_AGE = timedelta(days=30)


def prune_state(app: BotApplication, now: datetime | None = None) -> int:
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


async def _post_init(app: BotApplication) -> None:
    """Command menus per language (German by default); old state pruned."""
    dropped = prune_state(app)
    if dropped:
        log.info("Forgot %d idle or abandoned chats", dropped)
    for lang in LANGUAGES:
        commands = [
            BotCommand(names[0] if lang == "de" else names[-1], gettext(lang, description))
            for names, description in MENU
        ]
        try:
            await app.bot.set_my_commands(
                commands,
                scope=BotCommandScopeDefault(),
                language_code=None if lang == "de" else lang,
            )
        except TelegramError as error:  # a menu is nice to have, not a reason not to start
            log.warning("setMyCommands (%s) failed: %s", lang, error)


async def _post_shutdown(app: BotApplication) -> None:
    backend = app.bot_data.get("backend")
    if backend is not None:
        await backend.aclose()


def build_application(config: BotConfig, backend: Backend | None = None) -> BotApplication:
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
        .context_types(ContextTypes(context=BotContext))
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
