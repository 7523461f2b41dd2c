"""The report flow: whatever the draft still lacks is asked for next (``advance``), so
changing one part re-asks only that part, a restart continues where the resident was, and a
failed backend call leaves the draft as it was. /start, /abbrechen and the buttons that
start or resume a draft."""

from __future__ import annotations

from telegram import CallbackQuery, ReplyKeyboardRemove, Update

from bot.context import BotContext, lang_of
from bot.flows import Then, category, description, nearby, photos, place, questions, summary
from bot.i18n import gettext
from bot.replies import keyboard, save, say, settle


async def advance(update: Update, context: BotContext) -> None:
    """Ask for whatever the draft still lacks; the summary when nothing is missing."""
    draft = context.draft
    if draft is None:
        return
    if draft.lat is not None and draft.place_ok is False:
        if await place.check_place(update, context) is Then.ASK_NEXT:
            await advance(update, context)
    elif not draft.code:
        await category.ask_category(update, context)
    elif draft.lat is None:
        await place.ask_location(update, context)
    elif draft.nearby_key != draft.current_nearby_key():
        if await nearby.check_nearby(update, context) is Then.ASK_NEXT:
            await advance(update, context)
    elif not draft.attrs_done and draft.attr_pos < len(draft.attrs_def):
        await questions.ask_question(update, context)
    elif not draft.photos_done and len(draft.photos) < context.config.photo_max_count:
        draft.attrs_done = True
        await photos.ask_photos(update, context)
    elif not draft.desc_done:
        draft.attrs_done = draft.photos_done = True
        await description.ask_description(update, context)
    else:
        await summary.show_summary(update, context)
    await save(update, context)


async def reprompt(update: Update, context: BotContext) -> None:
    """Show the current step's question again (after something unexpected)."""
    draft = context.draft
    if draft is None:
        return
    if draft.step == "nearby" and draft.nearby:
        await nearby.show_nearby(update, context)
    elif draft.step == "address_confirm" and draft.pending_place:
        await place.ask_address_confirm(update, context)
    elif draft.step == "change":
        await summary.show_change_menu(update, context)
    else:
        await advance(update, context)


async def follow(update: Update, context: BotContext, then: Then) -> None:
    """Do what a step said comes next."""
    if then is Then.ASK_NEXT:
        await advance(update, context)
    elif then is Then.ASK_AGAIN:
        await reprompt(update, context)
    elif then is Then.CANCEL:
        await cancel(update, context)


async def cmd_start(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    draft = context.draft
    if draft is not None and draft.has_content():
        await say(
            update,
            context,
            gettext(lang, "You have a report in progress. Continue or start again?"),
            keyboard(
                [
                    [(gettext(lang, "▶️ Continue"), "go|resume")],
                    [(gettext(lang, "🆕 Start again"), "go|new")],
                ]
            ),
        )
        return
    await say(
        update,
        context,
        gettext(
            lang,
            "👋 Hello! Report problems in your neighbourhood here – litter, broken "
            "street lights, unsafe places. It takes less than a minute.",
        ),
    )
    context.start_draft()
    await advance(update, context)


async def cancel(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    had = context.drop_draft()
    had = context.drop_pending() or had
    if had:
        text = gettext(lang, "Cancelled – nothing was sent. /start begins a new report any time.")
    else:
        text = gettext(lang, "Nothing is in progress. /start reports a problem.")
    await say(update, context, text, ReplyKeyboardRemove())
    await save(update, context)


async def cmd_cancel(update: Update, context: BotContext) -> None:
    await cancel(update, context)


async def on_go_button(
    update: Update, context: BotContext, query: CallbackQuery, action: str
) -> None:
    """``go|new`` a new draft, ``go|resume`` or ``go|again`` the current step again,
    ``go|start`` /start."""
    await query.answer()
    await settle(query)
    if action == "new":
        context.start_draft()
        await advance(update, context)
    elif context.draft is None:
        await cmd_start(update, context)
    else:
        await reprompt(update, context)
