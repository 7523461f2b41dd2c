"""What runs around the handlers: private chats only, replayed updates skipped, a flood limit
per user (before every handler), and the resident told when handling failed."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext, lang_of
from bot.i18n import gettext

log = logging.getLogger(__name__)


async def guard(update: object, context: BotContext) -> None:
    """Runs before every handler (group -1)."""
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        raise ApplicationHandlerStop
    if chat.type != "private":
        message = update.effective_message
        if message is not None and (message.text or "").startswith("/"):
            await context.bot.send_message(
                chat.id,
                gettext(
                    lang_of(update, context),
                    "Please write to me directly (privately) – I don't take reports in groups.",
                ),
            )
        raise ApplicationHandlerStop
    # Polling re-delivers updates that were not yet confirmed when the process died.
    last = context.chat_state.get("last_update_id")
    if last is not None and update.update_id <= last:
        log.info("Update %s for chat %s was handled before; skipped", update.update_id, chat.id)
        raise ApplicationHandlerStop
    context.chat_state["last_update_id"] = update.update_id
    verdict = context.flood.hit(user.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        lang = lang_of(update, context)
        if update.callback_query:
            await update.callback_query.answer(
                gettext(lang, "That was a lot of messages at once. Please wait a moment."),
                show_alert=True,
            )
        else:
            await context.bot.send_message(
                chat.id, gettext(lang, "That was a lot of messages at once. Please wait a moment.")
            )
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def on_error(update: object, context: BotContext) -> None:
    log.error("Handling an update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                update.effective_chat.id,
                gettext(
                    lang_of(update, context),
                    "Something went wrong. Your report is saved – please try again.",
                ),
            )
