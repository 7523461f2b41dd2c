"""The summary before sending, and changing one part of the draft: only that part is asked
again (the step a resident is at follows from what the draft lacks)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot.context import BotContext, lang_of
from bot.draft import Draft
from bot.flows import Then
from bot.i18n import gettext
from bot.replies import keyboard, save, say, settle


def summary_text(draft: Draft, lang: str, updates: bool) -> str:
    lat, long = draft.point()
    lines = [
        gettext(lang, "📋 Your report"),
        gettext(lang, "Category: %(name)s", name=draft.service_name),
    ]
    where = draft.address or f"{lat:.5f}, {long:.5f}"
    lines.append(gettext(lang, "Place: %(place)s", place=where))
    for question in draft.attrs_def:
        value = draft.attributes.get(question.code)
        if value is None or value in ("", []):
            continue
        names = {v.key: v.name for v in question.values}
        values: list[str | int | float] = [*value] if isinstance(value, list) else [value]
        shown = ", ".join(names.get(str(v), str(v)) for v in values)
        lines.append(f"{question.text}: {shown}")
    lines.append(gettext(lang, "Photos: %(n)s", n=len(draft.photos)))
    if draft.description:
        lines.append(gettext(lang, "Description: %(text)s", text=draft.description))
    if updates:
        lines.append(gettext(lang, "🔔 Status messages in this chat: yes"))
    else:
        lines.append(gettext(lang, "🔕 Status messages in this chat: no"))
    lines.append("")
    lines.append(gettext(lang, "Is everything right?"))
    return "\n".join(lines)


def summary_markup(lang: str, updates: bool) -> InlineKeyboardMarkup:
    if updates:
        switch = gettext(lang, "🔕 No status messages")
    else:
        switch = gettext(lang, "🔔 Status messages after all")
    return keyboard(
        [
            [(gettext(lang, "✅ Send"), "sum|send")],
            [(gettext(lang, "✏️ Change"), "sum|change"), (gettext(lang, "❌ Cancel"), "sum|cancel")],
            [(switch, "sum|updates")],
        ]
    )


async def show_summary(update: Update, context: BotContext) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    draft.step = "summary"
    updates = context.wants_updates
    await say(update, context, summary_text(draft, lang, updates), summary_markup(lang, updates))


async def show_change_menu(
    update: Update, context: BotContext, query: CallbackQuery | None = None
) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    draft.step = "change"
    rows = [[(gettext(lang, "Category"), "chg|category"), (gettext(lang, "Place"), "chg|place")]]
    second = []
    if draft.attrs_def:
        second.append((gettext(lang, "Answers"), "chg|answers"))
    second.append((gettext(lang, "Photos"), "chg|photos"))
    rows.append(second)
    rows.append(
        [(gettext(lang, "Description"), "chg|description"), (gettext(lang, "⬅️ Back"), "chg|back")]
    )
    if query is not None:
        await settle(query)
    await say(update, context, gettext(lang, "What would you like to change?"), keyboard(rows))


async def on_change_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``chg|<part>`` asks for that part again, ``chg|back`` returns to the summary."""
    await query.answer()
    await settle(query)
    if action == "back":
        await show_summary(update, context)
        await save(update, context)
        return Then.DONE
    draft.forget(action)
    return Then.ASK_NEXT
