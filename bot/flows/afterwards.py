"""After a report: /status of one, /meine (the resident's reports), "not fixed?" (reopening
with a comment), /loeschen (the resident's contact data at the backend, and the bot's)."""

from __future__ import annotations

import re
from typing import Any

from telegram import CallbackQuery, ReplyKeyboardRemove, Update

from bot.backend import BackendRefused, BackendUnavailable, status_of
from bot.context import BotContext, chat_id_of, lang_of
from bot.i18n import gettext, ngettext
from bot.replies import keyboard, refused, save, say, settle, try_again_later

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
MINE_SHOWN = 10
COMMENT_MAX = 1000


def status_lines(item: dict[str, Any], lang: str, link_base: str) -> str:
    lines = [
        f"{item['service_request_id']} · {item.get('service_name') or ''}".strip(" ·"),
        gettext(lang, "Current status: %(status)s", status=status_of(item)),
    ]
    if item.get("agency_responsible"):  # the backend names it in the language asked for
        lines.append(
            gettext(lang, "Sent to: %(department)s", department=item["agency_responsible"])
        )
    if item.get("status_notes"):
        lines.append(gettext(lang, "Note from the city: “%(note)s”", note=item["status_notes"]))
    lines.append(f"{link_base}/r/{item['service_request_id']}")
    return "\n".join(lines)


def not_fixed_button(lang: str, reference: str) -> list[tuple[str, str]]:
    return [(gettext(lang, "🔁 Not fixed? (%(id)s)", id=reference), f"reopen|{reference}")]


async def cmd_status(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    args = context.args or []
    if not args:
        await say(
            update,
            context,
            gettext(
                lang,
                "Please add the reference from your confirmation: /status reference. "
                "Your reports: /mine",
            ),
        )
        return
    reference = args[0].strip().upper()
    if not REFERENCE.match(reference):
        await say(
            update,
            context,
            gettext(
                lang,
                "“%(id)s” is not a reference (you find it in the confirmation of your report).",
                id=reference[:40],
            ),
        )
        return
    api = context.backend
    try:
        item = await api.request(reference, lang)
    except BackendUnavailable:
        await try_again_later(update, context)
        return
    except BackendRefused as error:
        if error.status == 404:
            await say(update, context, gettext(lang, "There is no report %(id)s.", id=reference))
        else:
            await refused(update, context, error)
        return
    if item is None:
        await say(update, context, gettext(lang, "There is no report %(id)s.", id=reference))
        return
    markup = None
    try:
        mine = await api.my_requests(chat_id_of(update), lang)
        if any(m.get("service_request_id") == reference and m.get("can_reopen") for m in mine):
            markup = keyboard([not_fixed_button(lang, reference)])
    except (BackendUnavailable, BackendRefused):
        pass
    await say(update, context, status_lines(item, lang, context.config.status_base_url), markup)


async def cmd_mine(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    try:
        items = await context.backend.my_requests(chat_id_of(update), lang)
    except BackendUnavailable:
        await try_again_later(update, context)
        return
    except BackendRefused as error:
        await refused(update, context, error)
        return
    if not items:
        await say(
            update,
            context,
            gettext(
                lang,
                "You have not reported anything yet (or your data was deleted). /start begins.",
            ),
        )
        return
    lines = [gettext(lang, "📂 Your reports:")]
    rows = []
    for item in items[:MINE_SHOWN]:
        name = item.get("service_name") or ""
        lines.append(f"• {item['service_request_id']} · {name} — {status_of(item)}")
        if item.get("can_reopen"):
            rows.append(not_fixed_button(lang, item["service_request_id"]))
    lines.append("")
    lines.append(gettext(lang, "Details: /status <reference>"))
    await say(update, context, "\n".join(lines), keyboard(rows) if rows else None)


async def on_reopen_button(
    update: Update, context: BotContext, query: CallbackQuery, reference: str
) -> None:
    """``reopen|<id>``: "not fixed?" — the resident's comment is asked for."""
    await query.answer()
    context.ask_reopen_comment(reference)
    await say(
        update,
        context,
        gettext(
            lang_of(update, context),
            "What is still wrong with %(id)s? Please write briefly – or /cancel.",
            id=reference,
        ),
    )
    await save(update, context)


async def reopen(update: Update, context: BotContext, reference: str, comment: str) -> None:
    """The resident's comment on a report that is not fixed: the report is reopened."""
    lang = lang_of(update, context)
    comment = comment.strip()[:COMMENT_MAX]
    try:
        await context.backend.reopen(reference, chat_id_of(update), comment, lang)
    except BackendUnavailable:
        await try_again_later(update, context)
        return
    except BackendRefused as error:
        context.drop_pending()
        await refused(update, context, error)
        await save(update, context)
        return
    context.drop_pending()
    link = f"{context.config.status_base_url}/r/{reference}"
    await say(
        update,
        context,
        gettext(
            lang,
            "🔁 Thank you! %(id)s is open again and goes back to work.\nStatus: %(link)s",
            id=reference,
            link=link,
        ),
    )
    await save(update, context)


async def cmd_delete(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    await say(
        update,
        context,
        gettext(
            lang,
            "Shall I delete your contact data (Telegram chat id) from all your "
            "reports? The reports stay, anonymously; you will no longer get status "
            "messages.",
        ),
        keyboard(
            [[(gettext(lang, "🗑 Yes, delete"), "del|yes")], [(gettext(lang, "No, keep"), "del|no")]]
        ),
    )


async def on_delete_button(
    update: Update, context: BotContext, query: CallbackQuery, action: str
) -> None:
    """``del|yes`` deletes, ``del|no`` keeps."""
    await query.answer()
    if action == "yes":
        await delete_data(update, context, query)
    else:
        await settle(query, gettext(lang_of(update, context), "Fine, nothing was deleted."))


async def delete_data(update: Update, context: BotContext, query: CallbackQuery) -> None:
    lang = lang_of(update, context)
    try:
        deleted = await context.backend.delete_contact(chat_id_of(update), lang)
    except BackendUnavailable:
        await try_again_later(update, context, "del|yes")
        return
    except BackendRefused as error:
        await refused(update, context, error)
        return
    await settle(query)
    context.forget_chat()
    text = ngettext(
        lang,
        "🗑 Done: %(num)d entry with your chat id was deleted. The bot has forgotten everything "
        "about you too.",
        "🗑 Done: %(num)d entries with your chat id were deleted. The bot has forgotten "
        "everything about you too.",
        deleted,
    )
    await say(update, context, text, ReplyKeyboardRemove())
    await save(update, context)
