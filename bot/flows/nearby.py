"""Nearby reports of the same category: "me too" instead of a duplicate (never on one's own
report: the backend leaves those out)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, ReplyKeyboardRemove, Update

from bot.backend import BackendRefused, BackendUnavailable, status_of
from bot.context import BotContext, chat_id_of, lang_of
from bot.draft import Draft, NearbyReport
from bot.flows import Then
from bot.i18n import gettext, ngettext
from bot.replies import keyboard, refused, save, say, settle, try_again_later

log = logging.getLogger(__name__)

SHOWN = 3
DESCRIPTION_SHOWN = 80


async def check_nearby(update: Update, context: BotContext) -> Then:
    draft = context.active_draft
    lang = lang_of(update, context)
    assert draft.code is not None, "the category is known"
    lat, long = draft.point()
    found: list[dict[str, Any]]
    try:
        found = await context.backend.nearby(
            draft.code, lat, long, lang, chat_id=chat_id_of(update)
        )
    except BackendUnavailable:
        await try_again_later(update, context, "go|again")
        return Then.DONE
    except BackendRefused as error:
        log.warning("nearby refused: %s", error)
        found = []
    if not found:
        draft.nearby_checked()
        return Then.ASK_NEXT
    draft.nearby = [nearby_report(item, draft) for item in found[:SHOWN]]
    await show_nearby(update, context)
    return Then.DONE


def nearby_report(item: dict[str, Any], draft: Draft) -> NearbyReport:
    ext = item.get("extended_attributes") or {}
    distance = item.get("distance_m", ext.get("distance_m"))
    if ext.get("coarse_location"):
        distance = None  # an unsafe place is shown coarsely: a distance would mislead
    return NearbyReport(
        id=item["service_request_id"],
        name=item.get("service_name") or draft.service_name,
        status=status_of(item),
        distance=distance,
        description=(item.get("description") or "")[:DESCRIPTION_SHOWN],
    )


async def show_nearby(update: Update, context: BotContext) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    draft.step = "nearby"
    reports = draft.nearby or []
    lines = []
    for item in reports:
        parts = [item.id, item.name or ""]
        if item.distance is not None:
            parts.append(gettext(lang, "%(m)s m", m=round(float(item.distance))))
        parts.append(item.status or "")
        line = "• " + " · ".join(p for p in parts if p)
        if item.description:
            line += f"\n  „{item.description}“"
        lines.append(line)
    rows = [
        [(gettext(lang, "👍 Me too (%(id)s)", id=item.id), f"near|me:{item.id}")]
        for item in reports
    ]
    rows.append([(gettext(lang, "➕ No, report something else"), "near|new")])
    await say(
        update,
        context,
        gettext(
            lang,
            "Something was already reported close by:\n%(items)s\n\nIs it your problem? "
            "Tap “Me too” – you will get its updates, and the city sees that it "
            "bothers several people.",
            items="\n".join(lines),
        ),
        keyboard(rows),
    )


async def me_too(
    update: Update, context: BotContext, draft: Draft, reference: str, query: CallbackQuery
) -> Then:
    """Support a report nearby instead of filing one: the draft is done with."""
    lang = lang_of(update, context)
    try:
        answer = await context.backend.support(
            reference, chat_id_of(update), updates=True, locale=lang, lang=lang
        )
    except BackendUnavailable:
        await try_again_later(update, context, f"near|me:{reference}")
        return Then.DONE
    except BackendRefused as error:
        if error.status in (404, 409):
            # Closed meanwhile, or the resident's own report: say why and go on with theirs.
            draft.nearby_checked()
            draft.nearby = None
            message = " ".join(error.messages) or gettext(
                lang, "Something in the report does not fit."
            )
            await settle(query)
            await say(
                update,
                context,
                gettext(
                    lang,
                    "That did not work: %(message)s\nYou can go on with a new report here – "
                    "or stop with /cancel.",
                    message=message,
                ),
            )
            return Then.ASK_NEXT
        await refused(update, context, error)
        return Then.DONE
    context.drop_draft()
    await settle(query)
    link = f"{context.config.status_base_url}/r/{reference}"
    await say(
        update,
        context,
        ngettext(
            lang,
            "👍 Thank you! You now support %(id)s (%(num)d person). You will get a message here "
            "when something happens.\nStatus: %(link)s",
            "👍 Thank you! You now support %(id)s (%(num)d people). You will get a message here "
            "when something happens.\nStatus: %(link)s",
            int(answer.get("supporters") or 2),
            id=reference,
            link=link,
        ),
        ReplyKeyboardRemove(),
    )
    await save(update, context)
    return Then.DONE


async def on_nearby_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``near|me:<id>`` supports a report nearby, ``near|new`` goes on with a new one."""
    await query.answer()
    if action.startswith("me:"):
        return await me_too(update, context, draft, action[3:], query)
    draft.nearby_checked()
    draft.nearby = None
    await settle(query)
    return Then.ASK_NEXT
