"""/hilfe, /datenschutz, /sprache (the language is passed on to the backend) and commands the
bot does not know."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot.context import BotContext, lang_of
from bot.flows.category import emergency_number
from bot.flows.report import reprompt
from bot.language_sync import sync_locale
from bot.replies import keyboard, save, say, settle
from bot.texts import LANGUAGE_NAMES, LANGUAGES, t


async def cmd_help(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    await say(update, context, t(lang, "help", emergency=await emergency_number(context, lang)))


async def cmd_privacy(update: Update, context: BotContext) -> None:
    await say(update, context, t(lang_of(update, context), "privacy"))


async def cmd_language(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    rows = [[(LANGUAGE_NAMES[code], f"lang|{code}")] for code in LANGUAGES]
    await say(update, context, t(lang, "ask_language"), keyboard(rows))


async def on_language_button(
    update: Update, context: BotContext, query: CallbackQuery, code: str
) -> None:
    """``lang|<code>``: the resident's language, here and at the backend."""
    if code not in LANGUAGES:
        await query.answer(t(lang_of(update, context), "stale_button"))
        return
    context.choose_language(code)
    await query.answer()
    await save(update, context)
    await settle(query, t(code, "language_set", name=LANGUAGE_NAMES[code]))
    await sync_locale(update, context)
    if context.draft is not None:
        await reprompt(update, context)


async def cmd_unknown(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    await say(update, context, t(lang, "unknown_command"))
    if context.draft is not None:
        await reprompt(update, context)
