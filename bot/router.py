"""Which handler an update goes to: commands, messages by kind, and buttons by their callback
data.

Callback data is ``"<prefix>|<action>"``. A few buttons stand on their own (a language, the
deletion, "not fixed?", starting or resuming a draft); the others belong to a step of the
draft, and only those of the step the resident is at count — a button of another step is
stale and answered as such. A typed text goes to the step that asked for one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.context import BotApplication, BotContext, lang_of
from bot.draft import Draft
from bot.flows import (
    Then,
    afterwards,
    category,
    commands,
    description,
    nearby,
    photos,
    place,
    questions,
    report,
    submit,
    summary,
)
from bot.guards import guard, on_error
from bot.i18n import N_, all_variants, gettext
from bot.language_sync import sync_pending_locale
from bot.replies import keyboard, say

ButtonHandler = Callable[[Update, BotContext, CallbackQuery, str], Awaitable[None]]
StepButtonHandler = Callable[[Update, BotContext, CallbackQuery, Draft, str], Awaitable[Then]]
StepTextHandler = Callable[[Update, BotContext, Draft, str], Awaitable[Then]]

# Buttons that do not belong to a draft step.
BUTTONS: dict[str, ButtonHandler] = {
    "lang": commands.on_language_button,
    "del": afterwards.on_delete_button,
    "reopen": afterwards.on_reopen_button,
    "go": report.on_go_button,
}

# Buttons of a step: prefix → (the step, its handler).
STEP_BUTTONS: dict[str, tuple[str, StepButtonHandler]] = {
    "cat": ("category", category.on_category_button),
    "adr": ("address_confirm", place.on_address_button),
    "near": ("nearby", nearby.on_nearby_button),
    "attr": ("attribute", questions.on_question_button),
    "pho": ("photos", photos.on_photos_button),
    "desc": ("description", description.on_description_button),
    "sum": ("summary", submit.on_summary_button),
    "chg": ("change", summary.on_change_button),
}

# Steps that take a typed text.
STEP_TEXTS: dict[str, StepTextHandler] = {
    "location": place.on_address_text,
    "address_confirm": place.on_address_text,
    "attribute": questions.on_answer_text,
    "description": description.on_description_text,
}

# What a text at another step is told: that step wants something else.
TAP_A_BUTTON = N_("Please tap one of the buttons.")
TEXT_HINTS = {
    "category": N_("Please choose a category with the buttons above."),
    "nearby": TAP_A_BUTTON,
    "attribute": TAP_A_BUTTON,
    "photos": N_("Please send a photo – or tap “Continue without photo”."),
    "summary": N_("Please tap “Send”, “Change” or “Cancel”."),
    "change": TAP_A_BUTTON,
}

COMMANDS = {
    "start": report.cmd_start,
    "status": afterwards.cmd_status,
    "meine": afterwards.cmd_mine,
    "abbrechen": report.cmd_cancel,
    "hilfe": commands.cmd_help,
    "sprache": commands.cmd_language,
    "datenschutz": commands.cmd_privacy,
    "loeschen": afterwards.cmd_delete,
}
ALIASES = {
    "mine": "meine",
    "cancel": "abbrechen",
    "help": "hilfe",
    "language": "sprache",
    "privacy": "datenschutz",
    "delete": "loeschen",
    "stop": "abbrechen",
}


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None, "the handler's filter lets only callback queries through"
    head, _, rest = (query.data or "").partition("|")
    button = BUTTONS.get(head)
    if button is not None:
        await button(update, context, query, rest)
        return
    step, handler = STEP_BUTTONS.get(head, (None, None))
    draft = context.draft
    if draft is None or handler is None or draft.step != step:
        await query.answer(
            gettext(
                lang_of(update, context),
                "This button is no longer active – please use the latest message.",
            )
        )
        return
    await report.follow(update, context, await handler(update, context, query, draft, rest))


def is_cancel_text(text: str) -> bool:
    return text.strip().casefold() in all_variants(N_("❌ Cancel"))


async def on_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None, "the handler's filter lets only messages through"
    text = message.text or ""
    lang = lang_of(update, context)
    if is_cancel_text(text):
        await report.cancel(update, context)
        return
    reference = context.reopening
    if reference is not None:
        await afterwards.reopen(update, context, reference, text)
        return
    draft = context.draft
    if draft is None:
        await say(
            update,
            context,
            gettext(
                lang,
                "Would you like to report a problem? Tap the button or /start. /help "
                "shows everything I can do.",
            ),
            keyboard([[(gettext(lang, "📝 Report something"), "go|start")]]),
        )
        return
    handler = STEP_TEXTS.get(draft.step or "")
    if handler is not None:
        await report.follow(update, context, await handler(update, context, draft, text))
        return
    await say(update, context, gettext(lang, TEXT_HINTS.get(draft.step or "", TAP_A_BUTTON)))
    await report.reprompt(update, context)


async def on_location(update: Update, context: BotContext) -> None:
    await report.follow(update, context, await place.on_location(update, context))


async def on_photo(update: Update, context: BotContext) -> None:
    await report.follow(update, context, await photos.on_photo(update, context))


async def on_other(update: Update, context: BotContext) -> None:
    """Stickers, voice, contacts, polls…: say what would help instead."""
    lang = lang_of(update, context)
    if context.draft is None:
        await say(
            update,
            context,
            gettext(
                lang,
                "Sorry, I cannot use that. /start reports a problem, /help shows "
                "everything I can do.",
            ),
        )
        return
    await say(update, context, gettext(lang, "Sorry, I cannot use that here."))
    await report.reprompt(update, context)


async def on_edited(update: Update, context: BotContext) -> None:
    message = update.edited_message
    if message is None or message.location is not None:
        return  # live-location updates are edits too: nothing to say
    await say(
        update,
        context,
        gettext(
            lang_of(update, context), "I cannot take over edited messages – please send it again."
        ),
    )


async def after_update(update: object, context: BotContext) -> None:
    """Runs after every handled update (group 1), also one whose handler failed: the draft
    goes back into ``chat_data`` as the handlers left it, and a language change the backend
    has not got yet is sent again."""
    context.store_draft()
    if isinstance(update, Update):
        await sync_pending_locale(update, context)


def install_handlers(app: BotApplication) -> None:
    message = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, guard), group=-1)
    for name, callback in COMMANDS.items():
        names = [name] + [alias for alias, target in ALIASES.items() if target == name]
        app.add_handler(CommandHandler(names, callback, filters=message))
    app.add_handler(MessageHandler(filters.COMMAND & message, commands.cmd_unknown))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(MessageHandler((filters.LOCATION | filters.VENUE) & message, on_location))
    app.add_handler(MessageHandler((filters.PHOTO | filters.Document.ALL) & message, on_photo))
    app.add_handler(MessageHandler(filters.TEXT & message, on_text))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))
    app.add_handler(MessageHandler(message, on_other))
    app.add_handler(TypeHandler(Update, after_update), group=1)
    app.add_error_handler(on_error)
