"""/hilfe, /datenschutz, /sprache (the language is passed on to the backend) and commands the
bot does not know."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot.context import BotContext, lang_of
from bot.flows.category import emergency_number
from bot.flows.report import reprompt
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, gettext
from bot.language_sync import sync_locale
from bot.replies import keyboard, save, say, settle


async def cmd_help(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    await say(
        update,
        context,
        gettext(
            lang,
            "How it works: /start – then category, place, maybe a few questions, "
            "photo, description; finally “Send”.\n\n/start – new report\n/status "
            "reference – status of a report\n/mine – your reports (also “Not "
            "fixed?”)\n/cancel – drop the current report\n/language – choose "
            "language\n/privacy – what is stored\n/delete – delete your contact "
            "data\n\nIn an emergency call %(emergency)s.",
            emergency=await emergency_number(context, lang),
        ),
    )


async def cmd_privacy(update: Update, context: BotContext) -> None:
    await say(
        update,
        context,
        gettext(
            lang_of(update, context),
            "🔒 Privacy\n\nYour report (category, place, answers, photos, description) "
            "goes to the city administration, which handles it. Only the category, "
            "status and an approximate place are public – never your name or chat "
            "id.\n\nOnly if you want status messages (default “yes”, can be switched "
            "off in the summary) does the city store your Telegram chat id and "
            "language: so the messages reach you here, and /mine and “Not fixed?” "
            "work. Without that the report has no link to you.\n\nThe bot remembers a "
            "report in progress until you send or cancel it; photos only as a "
            "Telegram reference, not as a file.\n\n/delete removes your chat id from "
            "all reports; the reports stay, anonymously. Telegram keeps chats under "
            "its own rules.",
        ),
    )


async def cmd_language(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    rows = [[(LANGUAGE_NAMES[code], f"lang|{code}")] for code in LANGUAGES]
    await say(update, context, gettext(lang, "Which language?"), keyboard(rows))


async def on_language_button(
    update: Update, context: BotContext, query: CallbackQuery, code: str
) -> None:
    """``lang|<code>``: the resident's language, here and at the backend."""
    if code not in LANGUAGES:
        await query.answer(
            gettext(
                lang_of(update, context),
                "This button is no longer active – please use the latest message.",
            )
        )
        return
    context.choose_language(code)
    await query.answer()
    await save(update, context)
    await settle(query, gettext(code, "Language: %(name)s ✓", name=LANGUAGE_NAMES[code]))
    await sync_locale(update, context)
    if context.draft is not None:
        await reprompt(update, context)


async def cmd_unknown(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    await say(
        update, context, gettext(lang, "I don't know this command. /help lists all commands.")
    )
    if context.draft is not None:
        await reprompt(update, context)
