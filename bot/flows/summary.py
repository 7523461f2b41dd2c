"""The summary before sending, and changing one part of the draft: only that part is asked
again (the step a resident is at follows from what the draft lacks)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot.context import BotContext, lang_of
from bot.draft import Draft
from bot.flows import Then
from bot.replies import keyboard, save, say, settle
from bot.texts import t


def summary_text(draft: Draft, lang: str, updates: bool) -> str:
    lat, long = draft.point()
    lines = [t(lang, "summary_title"), t(lang, "summary_category", name=draft.service_name)]
    where = draft.address or f"{lat:.5f}, {long:.5f}"
    lines.append(t(lang, "summary_place", place=where))
    for question in draft.attrs_def:
        value = draft.attributes.get(question.code)
        if value is None or value in ("", []):
            continue
        names = {v.key: v.name for v in question.values}
        values: list[str | int | float] = [*value] if isinstance(value, list) else [value]
        shown = ", ".join(names.get(str(v), str(v)) for v in values)
        lines.append(f"{question.text}: {shown}")
    lines.append(t(lang, "summary_photos", n=len(draft.photos)))
    if draft.description:
        lines.append(t(lang, "summary_description", text=draft.description))
    lines.append(t(lang, "summary_updates_yes" if updates else "summary_updates_no"))
    lines.append("")
    lines.append(t(lang, "summary_question"))
    return "\n".join(lines)


def summary_markup(lang: str, updates: bool) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [(t(lang, "btn_send"), "sum|send")],
            [(t(lang, "btn_change"), "sum|change"), (t(lang, "btn_cancel_inline"), "sum|cancel")],
            [(t(lang, "btn_updates_off" if updates else "btn_updates_on"), "sum|updates")],
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
    rows = [[(t(lang, "chg_category"), "chg|category"), (t(lang, "chg_place"), "chg|place")]]
    second = []
    if draft.attrs_def:
        second.append((t(lang, "chg_answers"), "chg|answers"))
    second.append((t(lang, "chg_photos"), "chg|photos"))
    rows.append(second)
    rows.append(
        [(t(lang, "chg_description"), "chg|description"), (t(lang, "btn_back"), "chg|back")]
    )
    if query is not None:
        await settle(query)
    await say(update, context, t(lang, "ask_change"), keyboard(rows))


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
