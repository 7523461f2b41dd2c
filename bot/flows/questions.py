"""The category's extra questions, one after the other: a value list as buttons (several
values ticked one by one), a number, a date or a text typed; optional ones can be skipped."""

from __future__ import annotations

import contextlib
from datetime import datetime

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext, lang_of
from bot.draft import AnswerValue, Draft, Question
from bot.flows import Then
from bot.i18n import gettext, ngettext
from bot.replies import ButtonRows, keyboard, pairs, save, say, settle

STRING_MAX = 200
TEXT_MAX = 2000
DATETIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def question_markup(draft: Draft, lang: str) -> InlineKeyboardMarkup | None:
    question = draft.current_question()
    assert question is not None, "a question is being asked"
    pos = draft.attr_pos
    rows: ButtonRows
    if question.datatype == "singlevaluelist":
        rows = pairs([(v.name, f"attr|{pos}|v|{i}") for i, v in enumerate(question.values)])
    elif question.datatype == "multivaluelist":
        chosen = set(draft.multi or [])
        rows = pairs(
            [
                (("☑️ " if v.key in chosen else "▫️ ") + v.name, f"attr|{pos}|t|{i}")
                for i, v in enumerate(question.values)
            ]
        )
        rows.append([(gettext(lang, "✅ Done"), f"attr|{pos}|done")])
        return keyboard(rows)
    else:
        rows = []
    if not question.required:
        rows.append([(gettext(lang, "⏭ Skip"), f"attr|{pos}|skip")])
    return keyboard(rows) if rows else None


async def ask_question(update: Update, context: BotContext) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    question = draft.current_question()
    assert question is not None, "a question is left"
    draft.step = "attribute"
    if question.datatype == "multivaluelist":
        if draft.multi is None:
            answered = draft.attributes.get(question.code)
            draft.multi = list(answered) if isinstance(answered, list) else []
        text = gettext(
            lang, "%(question)s\nTap everything that applies, then “Done”.", question=question.text
        )
    elif question.datatype == "singlevaluelist":
        text = question.text
    else:
        hint = f"\n{question.help}" if question.help else ""
        if question.required:
            text = gettext(
                lang, "%(question)s%(hint)s\nPlease type it.", question=question.text, hint=hint
            )
        else:
            text = gettext(
                lang,
                "%(question)s%(hint)s\nType it – or tap “Skip”.",
                question=question.text,
                hint=hint,
            )
    await say(update, context, text, question_markup(draft, lang))


def too_long(lang: str, limit: int) -> str:
    return ngettext(
        lang,
        "That is too long (at most %(num)d character). Please shorten it.",
        "That is too long (at most %(num)d characters). Please shorten it.",
        limit,
    )


def parse_typed(question: Question, text: str, lang: str) -> tuple[AnswerValue | None, str | None]:
    """A typed answer as the backend wants it, or an error message."""
    text = text.strip()
    if question.datatype == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return None, gettext(lang, "Please type a number, e.g. 3.")
        return (int(number) if number.is_integer() else number), None
    if question.datatype == "datetime":
        for fmt in DATETIME_FORMATS:
            try:
                return datetime.strptime(text, fmt).isoformat(timespec="minutes"), None  # noqa: DTZ007 - local time, as the backend expects
            except ValueError:
                continue
        return None, gettext(lang, "Please give date and time like 01.05.2026 20:30.")
    limit = TEXT_MAX if question.datatype == "text" else STRING_MAX
    if len(text) > limit:
        return None, too_long(lang, limit)
    return text, None


async def on_answer_text(update: Update, context: BotContext, draft: Draft, text: str) -> Then:
    """A typed answer; a question with a value list wants its buttons."""
    lang = lang_of(update, context)
    question = draft.current_question()
    if question is None or question.is_list:
        await say(update, context, gettext(lang, "Please tap one of the buttons."))
        return Then.ASK_AGAIN
    value, problem = parse_typed(question, text, lang)
    if problem:
        await say(update, context, problem)
        return Then.DONE
    draft.answer(value)
    return Then.ASK_NEXT


async def on_question_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``attr|<pos>|v|<i>`` a value, ``attr|<pos>|t|<i>`` a value ticked or unticked,
    ``attr|<pos>|done`` the ticked ones, ``attr|<pos>|skip`` no answer."""
    parts = action.split("|")
    lang = lang_of(update, context)
    question = draft.current_question()
    if question is None or parts[0] != str(draft.attr_pos):
        await query.answer(
            gettext(lang, "This button is no longer active – please use the latest message.")
        )
        return Then.DONE
    kind = parts[1] if len(parts) > 1 else ""
    if kind == "v" and question.datatype == "singlevaluelist":
        value = question.values[int(parts[2])]
        await query.answer()
        draft.answer(value.key)
        await settle(query, f"{question.text}\n✓ {value.name}")
        return Then.ASK_NEXT
    if kind == "t" and question.datatype == "multivaluelist":
        key = question.values[int(parts[2])].key
        if draft.multi is None:
            draft.multi = []
        if key in draft.multi:
            draft.multi.remove(key)
        else:
            draft.multi.append(key)
        await save(update, context)
        await query.answer()
        if isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):
                await query.message.edit_reply_markup(question_markup(draft, lang))
        return Then.DONE
    if kind == "done" and question.datatype == "multivaluelist":
        chosen = list(draft.multi or [])
        if question.required and not chosen:
            await query.answer(gettext(lang, "Please choose at least one."), show_alert=True)
            return Then.DONE
        await query.answer()
        names = [v.name for v in question.values if v.key in chosen]
        draft.answer([v.key for v in question.values if v.key in chosen])
        await settle(query, f"{question.text}\n✓ {', '.join(names) or '—'}")
        return Then.ASK_NEXT
    if kind == "skip" and not question.required:
        await query.answer()
        draft.answer(None)
        skipped = gettext(lang, "skipped")
        await settle(query, f"{question.text}\n— {skipped}")
        return Then.ASK_NEXT
    await query.answer(
        gettext(lang, "This button is no longer active – please use the latest message.")
    )
    return Then.DONE
