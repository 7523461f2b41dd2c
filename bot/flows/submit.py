"""Sending the draft, and the summary's buttons. A report is filed once, however its sending
goes: every attempt carries the draft's submission key."""

from __future__ import annotations

import contextlib
import uuid

from telegram import CallbackQuery, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest

from bot.backend import BackendRefused, BackendUnavailable
from bot.context import BotContext, chat_id_of, lang_of
from bot.draft import Draft
from bot.flows import Then
from bot.flows.photos import download_photos
from bot.flows.summary import show_change_menu, summary_markup, summary_text
from bot.i18n import gettext
from bot.language_sync import sync_locale
from bot.replies import keyboard, refused, save, say, settle, try_again_later


async def send_report(
    update: Update, context: BotContext, draft: Draft, query: CallbackQuery
) -> Then:
    """Post the draft. Every attempt carries the draft's submission key and the language of
    the first attempt, so a retry after an answer that never came (a slow backend, a crash
    right after posting) gets the report that was saved, never a second one."""
    lang = lang_of(update, context)
    await settle(query)
    blobs = await download_photos(update, context, draft)
    if isinstance(blobs, Then):
        await save(update, context)
        return blobs
    updates = context.wants_updates
    key = draft.submission_key or str(uuid.uuid4())  # drafts from before keys
    locale = draft.sent_locale or lang
    draft.submission_key, draft.sent_locale = key, locale
    fields = draft.request_fields(chat_id_of(update), locale, updates)
    await save(update, context)  # the key is on disk before the report can exist
    try:
        answer = await context.backend.create_request(fields, blobs, lang, idempotency_key=key)
    except BackendUnavailable as error:
        if not error.reached:
            await try_again_later(update, context, "sum|send")
            return Then.DONE
        # The request may have got there: say so, the retry will not file it twice.
        text = gettext(
            lang,
            "⏳ The city has not confirmed yet that your report arrived. Please try "
            "again in a moment – it will not be filed twice.",
        )
        await say(update, context, text, keyboard([[(gettext(lang, "🔄 Try again"), "sum|send")]]))
        return Then.DONE
    except BackendRefused as error:
        if error.status == 422:
            # An earlier attempt was saved, and the draft has changed since: that one counts.
            context.drop_draft()
            await say(
                update,
                context,
                gettext(
                    lang,
                    "✅ Your report had arrived already, before you changed it – as you first "
                    "sent it. /mine shows it. If something is missing, just send a new "
                    "report with /start.",
                ),
                ReplyKeyboardRemove(),
            )
            return Then.DONE
        draft.sent_locale = None  # refused: nothing was saved
        if error.status == 413:
            draft.photos = []
            draft.photos_done = False
            await say(
                update,
                context,
                gettext(
                    lang,
                    "The photos are too large for the city's system. %(message)s\nPlease send "
                    "a smaller photo – or continue without.",
                    message=" ".join(error.messages),
                ),
            )
            return Then.ASK_NEXT
        await refused(update, context, error)
        if error.status == 400:
            await show_change_menu(update, context)
            await save(update, context)
        return Then.DONE
    reference = answer.get("service_request_id") or "?"
    context.drop_draft()
    notice = answer.get("service_notice")
    link = f"{context.config.status_base_url}/r/{reference}"
    text = gettext(
        lang,
        "✅ Thank you! Your report has arrived.\nReference: %(id)s\nStatus: %(link)s",
        id=reference,
        link=link,
    )
    if notice:
        text += f"\n\nℹ️ {notice}"
    if updates:
        text += "\n\n" + gettext(
            lang,
            "🔔 You will get a message here when something happens. /mine lists all your reports.",
        )
    else:
        text += "\n\n" + gettext(
            lang, "You can check the status any time with /status %(id)s.", id=reference
        )
    if locale != lang:  # the language was switched between attempts
        context.locale_pending = lang
    await say(update, context, text, ReplyKeyboardRemove())
    await sync_locale(update, context)
    return Then.DONE


async def on_summary_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``sum|send``, ``sum|change``, ``sum|cancel``, ``sum|updates`` (status messages on/off)."""
    lang = lang_of(update, context)
    if action == "send":
        await query.answer(gettext(lang, "Sending …"))
        return await send_report(update, context, draft, query)
    if action == "change":
        await query.answer()
        await show_change_menu(update, context, query)
        await save(update, context)
    elif action == "cancel":
        await query.answer()
        await settle(query)
        return Then.CANCEL
    elif action == "updates":
        context.wants_updates = not context.wants_updates
        updates = context.wants_updates
        await save(update, context)
        if updates:
            await query.answer(gettext(lang, "You will get status messages."))
        else:
            await query.answer(gettext(lang, "No status messages."))
        if isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):
                await query.message.edit_text(
                    summary_text(draft, lang, updates),
                    reply_markup=summary_markup(lang, updates),
                )
    return Then.DONE
