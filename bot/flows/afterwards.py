"""After a report: /status of one, /meine (the resident's reports), "not fixed?" (reopening
with a comment), /loeschen (the resident's contact data at the backend, and the bot's)."""

from __future__ import annotations

import re
from typing import Any

from telegram import CallbackQuery, ReplyKeyboardRemove, Update

from bot.backend import BackendRefused, BackendUnavailable
from bot.context import BotContext, chat_id_of, lang_of
from bot.replies import keyboard, refused, save, say, settle, try_again_later
from bot.texts import status_name, t

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
MINE_SHOWN = 10
COMMENT_MAX = 1000


def status_of(item: dict[str, Any], lang: str) -> str:
    ext = item.get("extended_attributes") or {}
    return ext.get("status_descriptive_name") or status_name(
        lang, ext.get("detailed_status") or item.get("status")
    )


def status_lines(item: dict[str, Any], lang: str, link_base: str) -> str:
    lines = [
        f"{item['service_request_id']} · {item.get('service_name') or ''}".strip(" ·"),
        t(lang, "status_line", status=status_of(item, lang)),
    ]
    if item.get("status_notes"):
        lines.append(t(lang, "status_note", note=item["status_notes"]))
    lines.append(f"{link_base}/r/{item['service_request_id']}")
    return "\n".join(lines)


def not_fixed_button(lang: str, reference: str) -> list[tuple[str, str]]:
    return [(t(lang, "btn_not_fixed", id=reference), f"reopen|{reference}")]


async def cmd_status(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    args = context.args or []
    if not args:
        await say(update, context, t(lang, "status_usage"))
        return
    reference = args[0].strip().upper()
    if not REFERENCE.match(reference):
        await say(update, context, t(lang, "status_bad_reference", id=reference[:40]))
        return
    api = context.backend
    try:
        item = await api.request(reference, lang)
    except BackendUnavailable:
        await try_again_later(update, context)
        return
    except BackendRefused as error:
        if error.status == 404:
            await say(update, context, t(lang, "status_not_found", id=reference))
        else:
            await refused(update, context, error)
        return
    if item is None:
        await say(update, context, t(lang, "status_not_found", id=reference))
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
        await say(update, context, t(lang, "mine_empty"))
        return
    lines = [t(lang, "mine_title")]
    rows = []
    for item in items[:MINE_SHOWN]:
        name = item.get("service_name") or ""
        lines.append(f"• {item['service_request_id']} · {name} — {status_of(item, lang)}")
        if item.get("can_reopen"):
            rows.append(not_fixed_button(lang, item["service_request_id"]))
    lines.append("")
    lines.append(t(lang, "mine_hint"))
    await say(update, context, "\n".join(lines), keyboard(rows) if rows else None)


async def on_reopen_button(
    update: Update, context: BotContext, query: CallbackQuery, reference: str
) -> None:
    """``reopen|<id>``: "not fixed?" — the resident's comment is asked for."""
    await query.answer()
    context.ask_reopen_comment(reference)
    await say(update, context, t(lang_of(update, context), "reopen_ask", id=reference))
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
    await say(
        update,
        context,
        t(lang, "reopened", id=reference, link=f"{context.config.status_base_url}/r/{reference}"),
    )
    await save(update, context)


async def cmd_delete(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    await say(
        update,
        context,
        t(lang, "delete_question"),
        keyboard(
            [[(t(lang, "btn_delete_yes"), "del|yes")], [(t(lang, "btn_delete_no"), "del|no")]]
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
        await settle(query, t(lang_of(update, context), "delete_kept"))


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
    await say(update, context, t(lang, "deleted", n=deleted), ReplyKeyboardRemove())
    await save(update, context)
