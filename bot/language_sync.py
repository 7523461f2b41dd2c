"""The resident's language at the backend: a language chosen with /sprache is passed on, so
the status messages of the resident's reports (made or supported) come in it."""

from __future__ import annotations

import logging

from telegram import Update

from bot.backend import BackendRefused, BackendUnavailable
from bot.context import BotContext
from bot.replies import save

log = logging.getLogger(__name__)


async def sync_locale(update: Update, context: BotContext) -> None:
    """Tell the backend a language chosen with /sprache. When the backend cannot be reached,
    it is tried again after the resident's next message (``sync_pending_locale``)."""
    locale = context.locale_pending
    if not locale or update.effective_chat is None:
        return
    context.locale_tried = True  # once per update (one context serves all its handlers)
    try:
        await context.backend.set_locale(update.effective_chat.id, locale, locale)
    except BackendUnavailable:
        log.info("Language %s not yet at the backend; trying again later", locale)
        return
    except BackendRefused as error:
        log.warning("The backend refused the language %s: %s", locale, error)
    if context.locale_pending == locale:
        context.locale_pending = None
    await save(update, context)


async def sync_pending_locale(update: Update, context: BotContext) -> None:
    """After every handled update: a language change the backend has not got yet is sent
    again."""
    if context.locale_tried:
        return
    if context.locale_pending:
        await sync_locale(update, context)
