"""The category: a group first, then a category of it (a group of one is chosen at once); the
emergency notice for the backend's sensitive categories."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.backend import BackendError, BackendUnavailable
from bot.context import BotContext, lang_of
from bot.draft import Draft, Question
from bot.flows import Then
from bot.i18n import gettext
from bot.replies import ButtonRows, keyboard, save, say, settle, try_again_later

Service = dict[str, Any]  # one entry of the backend's services list

# Only when the backend cannot be asked: the emergency number valid throughout the EU.
FALLBACK_EMERGENCY_NUMBER = "112"


async def emergency_number(context: BotContext, lang: str) -> str:
    """The city's emergency number, as the backend's services list carries it."""
    try:
        services = await context.backend.services(lang)
    except BackendError:
        services = []
    for service in services:
        if service.get("emergency_number"):
            return str(service["emergency_number"])
    return FALLBACK_EMERGENCY_NUMBER


def needs_emergency_notice(context: BotContext, service: Service) -> bool:
    """The backend's sensitive categories (unsafe places) get the emergency notice, or the
    codes in BOT_EMERGENCY_CATEGORIES where the operator set them."""
    codes = context.config.emergency_codes
    if codes:
        return service.get("service_code") in codes
    return bool(service.get("sensitive"))


def grouped(services: list[Service]) -> list[tuple[str, list[Service]]]:
    groups: dict[str, list[Service]] = {}
    for service in services:
        name = service.get("group") or service.get("service_name") or service["service_code"]
        groups.setdefault(name, []).append(service)
    return list(groups.items())


async def ask_category(
    update: Update,
    context: BotContext,
    group_code: str | None = None,
    edit_query: CallbackQuery | None = None,
) -> Then:
    """The groups, or the categories of the group that ``group_code`` belongs to (in the
    tapped message when there is one)."""
    draft = context.active_draft
    lang = lang_of(update, context)
    try:
        services = await context.backend.services(lang)
    except BackendUnavailable:
        await try_again_later(update, context, "go|again")
        return Then.DONE
    groups = grouped(services)
    draft.step = "category"
    chosen = next(
        (g for g in groups if group_code and any(s["service_code"] == group_code for s in g[1])),
        None,
    )
    if chosen is not None and len(chosen[1]) == 1 and edit_query is not None:
        return await choose_category(update, context, chosen[1][0]["service_code"], edit_query)
    rows: ButtonRows
    if chosen is None:
        text = gettext(lang, "What is it about?")
        rows = [[(name, f"cat|g:{items[0]['service_code']}")] for name, items in groups]
    else:
        name, items = chosen
        text = gettext(lang, "%(group)s: what exactly?", group=name)
        rows = [[(s["service_name"], f"cat|c:{s['service_code']}")] for s in items]
        rows.append([(gettext(lang, "⬅️ Back"), "cat|back")])
    if edit_query is not None and isinstance(edit_query.message, Message):
        try:
            await save(update, context)
            await edit_query.message.edit_text(text, reply_markup=keyboard(rows))
            return Then.DONE
        except BadRequest:
            pass
    await say(update, context, text, keyboard(rows))
    return Then.DONE


async def choose_category(
    update: Update, context: BotContext, code: str, query: CallbackQuery
) -> Then:
    draft = context.active_draft
    lang = lang_of(update, context)
    api = context.backend
    try:
        services = await api.services(lang)
        service = next((s for s in services if s["service_code"] == code), None)
        if service is None:
            return await ask_category(update, context)
        definition = await api.service_definition(code, lang) if service.get("metadata") else {}
    except BackendUnavailable:
        await try_again_later(update, context, f"cat|c:{code}")
        return Then.DONE
    attributes = sorted(definition.get("attributes") or [], key=lambda a: a.get("order") or 0)
    changed = draft.code != code
    draft.code = code
    draft.service_name = service["service_name"]
    draft.group = service.get("group")
    draft.attrs_def = [Question.from_attribute(a) for a in attributes]
    if changed:
        draft.forget_answers()
        draft.nearby_key = None
    await settle(query, gettext(lang, "Category: %(name)s ✓", name=service["service_name"]))
    if needs_emergency_notice(context, service):
        await say(
            update,
            context,
            gettext(
                lang,
                "🚨 If you are in danger right now, call the emergency number %(emergency)s. "
                "This bot is not an emergency service and is not read around the clock."
                "\n\n%(description)s",
                description=service.get("description") or "",
                emergency=await emergency_number(context, lang),
            ),
        )
    return Then.ASK_NEXT


async def on_category_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``cat|g:<code>`` a group (by one of its categories), ``cat|c:<code>`` a category,
    ``cat|back`` the groups again."""
    await query.answer()
    if action.startswith("g:"):
        then = await ask_category(update, context, action[2:], edit_query=query)
        await save(update, context)
        return then
    if action.startswith("c:"):
        return await choose_category(update, context, action[2:], query)
    return await ask_category(update, context, edit_query=query)
