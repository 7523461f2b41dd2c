"""The description: a few words of the resident's own, or none."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot.context import BotContext, lang_of
from bot.draft import Draft
from bot.flows import Then
from bot.flows.questions import too_long
from bot.i18n import gettext
from bot.replies import keyboard, say, settle

DESCRIPTION_MAX = 2000


async def ask_description(update: Update, context: BotContext) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    draft.step = "description"
    await say(
        update,
        context,
        gettext(lang, "✍️ Would you like to describe briefly what is wrong? (optional)"),
        keyboard([[(gettext(lang, "⏭ Skip"), "desc|skip")]]),
    )


async def on_description_text(update: Update, context: BotContext, draft: Draft, text: str) -> Then:
    text = text.strip()
    if len(text) > DESCRIPTION_MAX:
        await say(update, context, too_long(lang_of(update, context), DESCRIPTION_MAX))
        return Then.DONE
    draft.description = text
    draft.desc_done = True
    return Then.ASK_NEXT


async def on_description_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``desc|skip``: no description."""
    await query.answer()
    draft.description = None
    draft.desc_done = True
    await settle(query)
    return Then.ASK_NEXT
