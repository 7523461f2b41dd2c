"""Answering the resident: the state is written before every message (``say``), buttons are
built from ``(text, callback data)`` pairs, a tapped message is settled into a plain record,
and the backend's outages and refusals are explained the same way everywhere."""

from __future__ import annotations

import logging

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.backend import BackendRefused
from bot.context import BotContext, chat_id_of, lang_of
from bot.i18n import gettext

log = logging.getLogger(__name__)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
# Rows of buttons, each a (text, callback data) pair.
ButtonRows = list[list[tuple[str, str]]]


async def save(update: Update | None, context: BotContext) -> None:
    """Write this chat's and user's state now, not only at the next interval (one row each;
    unchanged rows are not written)."""
    context.store_draft()
    app = context.application
    if app.persistence is None:
        return
    chat = update.effective_chat if update else None
    user = update.effective_user if update else None
    app.mark_data_for_update_persistence(
        chat_ids=chat.id if chat else None, user_ids=user.id if user else None
    )
    await app.update_persistence()


async def say(
    update: Update, context: BotContext, text: str, markup: ReplyMarkup | None = None
) -> Message:
    """Send a message — after writing the state: whatever the resident sees is what the bot
    will expect after a crash, however soon the process dies after sending."""
    await save(update, context)
    return await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)


def keyboard(rows: ButtonRows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def pairs(buttons: list[tuple[str, str]], per_row: int = 2) -> ButtonRows:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


async def settle(query: CallbackQuery, text: str | None = None) -> None:
    """Turn the tapped message into a plain record of the choice (buttons removed)."""
    message = query.message
    if not isinstance(message, Message):
        return
    try:
        if text is not None:
            await message.edit_text(text)
        else:
            await message.edit_reply_markup(None)
    except BadRequest:  # unchanged or too old: not worth bothering the resident
        pass


async def try_again_later(update: Update, context: BotContext, retry: str | None = None) -> None:
    lang = lang_of(update, context)
    markup = keyboard([[(gettext(lang, "🔄 Try again"), retry)]]) if retry else None
    await say(
        update,
        context,
        gettext(
            lang,
            "⏳ The city's server cannot be reached right now. Your report is saved – "
            "please try again in a moment.",
        ),
        markup,
    )


async def refused(update: Update, context: BotContext, error: BackendRefused) -> None:
    lang = lang_of(update, context)
    if error.status in (401, 403):
        log.error("The backend refused the bot's API key: %s", error)
        await say(
            update,
            context,
            gettext(
                lang,
                "Something is wrong on the technical side. Your report is saved; please "
                "try again later.",
            ),
        )
        return
    lines = "\n".join(f"• {m}" for m in error.messages) or gettext(
        lang, "Something in the report does not fit."
    )
    await say(
        update,
        context,
        gettext(lang, "The city could not accept it like this:\n%(messages)s", messages=lines),
    )
