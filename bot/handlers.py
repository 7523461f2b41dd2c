"""The conversation: /start → category → (emergency notice) → place (a shared location outside the
city refused at once) → nearby "me too" (never on one's own report) → extra questions → photos
→ description → summary → sent (once: one submission key per draft); and afterwards /status,
/meine, "not fixed?", /loeschen, /datenschutz, /sprache (passed on to the backend), /hilfe,
/abbrechen.

State lives in ``chat_data`` (persisted): the draft is plain data — codes, coordinates, answers,
Telegram *file ids* of photos (never their bytes). The step a resident is at is derived from
the draft (``advance``), so changing one part re-asks only that part, a restart continues where
the resident was, and a failed backend call leaves the draft as it was.

Every message to the resident is preceded by writing the state (``say``): after a crash the
bot expects what the resident was last asked, never an earlier step.

Callback data is ``"<step>|<action>"``; a button of another step than the current one is stale
and answered as such.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from datetime import datetime
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.backend import Backend, BackendError, BackendRefused, BackendUnavailable, GeocoderDown
from bot.config import BotConfig
from bot.texts import LANGUAGE_NAMES, LANGUAGES, all_variants, status_name, t

log = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files
DESCRIPTION_MAX = 2000
STRING_MAX = 200
TEXT_MAX = 2000
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")

# Short step names in callback data.
STEP_OF = {
    "cat": "category",
    "adr": "address_confirm",
    "near": "nearby",
    "attr": "attribute",
    "pho": "photos",
    "desc": "description",
    "sum": "summary",
    "chg": "change",
}

Ctx = ContextTypes.DEFAULT_TYPE


# --- small helpers --------------------------------------------------------------------------------


def cfg(context: Ctx) -> BotConfig:
    return context.application.bot_data["config"]


def backend(context: Ctx) -> Backend:
    return context.application.bot_data["backend"]


# Only when the backend cannot be asked: the emergency number valid throughout the EU.
FALLBACK_EMERGENCY_NUMBER = "112"


async def emergency_number(context: Ctx, lang: str) -> str:
    """The city's emergency number, as the backend's services list carries it."""
    try:
        services = await backend(context).services(lang)
    except BackendError:
        services = []
    for service in services:
        if service.get("emergency_number"):
            return str(service["emergency_number"])
    return FALLBACK_EMERGENCY_NUMBER


def needs_emergency_notice(context: Ctx, service: dict[str, Any]) -> bool:
    """The backend's sensitive categories (unsafe places) get the emergency notice, or the
    codes in BOT_EMERGENCY_CATEGORIES where the operator set them."""
    codes = cfg(context).emergency_codes
    if codes:
        return service.get("service_code") in codes
    return bool(service.get("sensitive"))


def lang_of(update: Update | None, context: Ctx) -> str:
    chosen = (context.user_data or {}).get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = update.effective_user if update else None
    code = ((user.language_code if user else None) or "").split("-")[0].lower()
    return code if code in LANGUAGES else "de"


def draft_of(context: Ctx) -> dict[str, Any] | None:
    return context.chat_data.get("draft")


def new_draft(context: Ctx) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "step": None,
        "attributes": {},
        "photos": [],
        "attr_pos": 0,
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        # Sent with every attempt to post this draft: the backend creates it once.
        "submission_key": str(uuid.uuid4()),
    }
    context.chat_data["draft"] = draft
    context.chat_data.pop("pending", None)
    return draft


def wants_updates(context: Ctx) -> bool:
    return bool(context.user_data.get("updates", True))


async def save(update: Update | None, context: Ctx) -> None:
    """Write this chat's and user's state now, not only at the next interval (one row each;
    unchanged rows are not written)."""
    app = context.application
    if app.persistence is None:
        return
    chat = update.effective_chat if update else None
    user = update.effective_user if update else None
    app.mark_data_for_update_persistence(
        chat_ids=chat.id if chat else None, user_ids=user.id if user else None
    )
    await app.update_persistence()


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def pairs(buttons: list[tuple[str, str]], per_row: int = 2) -> list[list[tuple[str, str]]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


async def say(update: Update, context: Ctx, text: str, markup=None) -> Message:
    """Send a message — after writing the state: whatever the resident sees is what the bot
    will expect after a crash, however soon the process dies after sending."""
    await save(update, context)
    return await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def settle(query, text: str | None = None) -> None:
    """Turn the tapped message into a plain record of the choice (buttons removed)."""
    message = query.message
    if not isinstance(message, Message):
        return
    try:
        if text is not None:
            await message.edit_text(text)
        else:
            await message.edit_reply_markup(None)
    except BadRequest:  # unchanged or too old: not worth bothering the resident
        pass


async def try_again_later(update: Update, context: Ctx, retry: str | None = None) -> None:
    lang = lang_of(update, context)
    markup = keyboard([[(t(lang, "btn_retry"), retry)]]) if retry else None
    await say(update, context, t(lang, "backend_down"), markup)


async def refused(update: Update, context: Ctx, error: BackendRefused) -> None:
    lang = lang_of(update, context)
    if error.status in (401, 403):
        log.error("The backend refused the bot's API key: %s", error)
        await say(update, context, t(lang, "technical_problem"))
        return
    lines = "\n".join(f"• {m}" for m in error.messages) or t(lang, "refused_generic")
    await say(update, context, t(lang, "refused", messages=lines))


# --- categories -----------------------------------------------------------------------------------


def grouped(services: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for service in services:
        name = service.get("group") or service.get("service_name") or service["service_code"]
        groups.setdefault(name, []).append(service)
    return list(groups.items())


async def ask_category(
    update: Update, context: Ctx, group_code: str | None = None, edit_query=None
) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    try:
        services = await backend(context).services(lang)
    except BackendUnavailable:
        await try_again_later(update, context, "go|again")
        return
    groups = grouped(services)
    draft["step"] = "category"
    chosen = next(
        (g for g in groups if group_code and any(s["service_code"] == group_code for s in g[1])),
        None,
    )
    if chosen is not None and len(chosen[1]) == 1 and edit_query is not None:
        await choose_category(update, context, chosen[1][0]["service_code"], edit_query)
        return
    if chosen is None:
        text = t(lang, "ask_group")
        rows = [[(name, f"cat|g:{items[0]['service_code']}")] for name, items in groups]
    else:
        name, items = chosen
        text = t(lang, "ask_category", group=name)
        rows = [[(s["service_name"], f"cat|c:{s['service_code']}")] for s in items]
        rows.append([(t(lang, "btn_back"), "cat|back")])
    if edit_query is not None and isinstance(edit_query.message, Message):
        try:
            await save(update, context)
            await edit_query.message.edit_text(text, reply_markup=keyboard(rows))
            return
        except BadRequest:
            pass
    await say(update, context, text, keyboard(rows))


async def choose_category(update: Update, context: Ctx, code: str, query) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    api = backend(context)
    try:
        services = await api.services(lang)
        service = next((s for s in services if s["service_code"] == code), None)
        if service is None:
            await ask_category(update, context)
            return
        definition = await api.service_definition(code, lang) if service.get("metadata") else {}
    except BackendUnavailable:
        await try_again_later(update, context, f"cat|c:{code}")
        return
    attrs = sorted(definition.get("attributes") or [], key=lambda a: a.get("order") or 0)
    changed = draft.get("code") != code
    draft.update(
        code=code,
        service_name=service["service_name"],
        group=service.get("group"),
        attrs_def=[
            {
                "code": a["code"],
                "datatype": a.get("datatype", "string"),
                "required": bool(a.get("required")),
                "description": a.get("description"),
                "help": a.get("datatype_description"),
                "values": [
                    {"key": v["key"], "name": v.get("name") or v["key"]}
                    for v in a.get("values") or []
                ],
            }
            for a in attrs
        ],
    )
    if changed:
        draft.update(attributes={}, attr_pos=0, attrs_done=False, nearby_key=None)
    await settle(query, t(lang, "chosen_category", name=service["service_name"]))
    if needs_emergency_notice(context, service):
        await say(
            update,
            context,
            t(
                lang,
                "emergency_notice",
                description=service.get("description") or "",
                emergency=await emergency_number(context, lang),
            ),
        )
    await advance(update, context)


# --- the flow -------------------------------------------------------------------------------------


def nearby_key(draft: dict[str, Any]) -> str:
    return f"{draft['code']}|{draft['lat']:.6f}|{draft['long']:.6f}"


async def advance(update: Update, context: Ctx) -> None:
    """Ask for whatever the draft still lacks; the summary when nothing is missing."""
    draft = draft_of(context)
    if draft is None:
        return
    if draft.get("lat") is not None and draft.get("place_ok") is False:
        await check_place(update, context)
    elif not draft.get("code"):
        await ask_category(update, context)
    elif draft.get("lat") is None:
        await ask_location(update, context)
    elif draft.get("nearby_key") != nearby_key(draft):
        await check_nearby(update, context)
    elif not draft.get("attrs_done") and draft.get("attr_pos", 0) < len(draft["attrs_def"]):
        await ask_attribute(update, context)
    elif not draft.get("photos_done") and len(draft["photos"]) < cfg(context).photo_max_count:
        draft["attrs_done"] = True
        await ask_photos(update, context)
    elif not draft.get("desc_done"):
        draft.update(attrs_done=True, photos_done=True)
        await ask_description(update, context)
    else:
        await show_summary(update, context)
    await save(update, context)


async def reprompt(update: Update, context: Ctx) -> None:
    """Show the current step's question again (after something unexpected)."""
    draft = draft_of(context)
    if draft is None:
        return
    step = draft.get("step")
    if step == "nearby" and draft.get("nearby"):
        await show_nearby(update, context)
    elif step == "address_confirm" and draft.get("pending_place"):
        await ask_address_confirm(update, context)
    elif step == "change":
        await show_change_menu(update, context)
    else:
        await advance(update, context)


# --- place ----------------------------------------------------------------------------------------


def location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t(lang, "btn_share_location"), request_location=True)],
            [KeyboardButton(t(lang, "btn_cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t(lang, "address_placeholder"),
    )


async def ask_location(update: Update, context: Ctx, text_key: str = "ask_location") -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft["step"] = "location"
    await say(update, context, t(lang, text_key), location_keyboard(lang))


async def ask_address_confirm(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    place = draft["pending_place"]
    draft["step"] = "address_confirm"
    where = place.get("address") or f"{place['lat']:.5f}, {place['long']:.5f}"
    if place.get("district"):
        where = f"{where} ({place['district']})"
    await say(
        update,
        context,
        t(lang, "confirm_address", place=where),
        keyboard([[(t(lang, "btn_yes_right"), "adr|yes")], [(t(lang, "btn_no_again"), "adr|no")]]),
    )


async def place_taken(
    update: Update, context: Ctx, lat: float, lon: float, address: str | None, typed: bool
) -> None:
    """The place for the draft. A typed address was found inside the city by the backend
    already; a shared location is checked next (``check_place``, through ``advance``)."""
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft.update(lat=lat, long=lon, address=address, address_typed=typed, place_ok=typed)
    draft.pop("pending_place", None)
    if typed:
        await say(update, context, t(lang, "place_taken"), ReplyKeyboardRemove())
    await advance(update, context)


async def check_place(update: Update, context: Ctx) -> None:
    """A shared location outside the city is refused at once (as the web form does), with the
    backend's reason, and the location asked for again."""
    draft = draft_of(context)
    lang = lang_of(update, context)
    try:
        verdict = await backend(context).check_location(draft["lat"], draft["long"], lang)
    except BackendUnavailable:
        await try_again_later(update, context, "go|again")
        return
    except BackendRefused as error:
        if error.status in (401, 403):
            await refused(update, context, error)
            return
        if error.status == 404:  # a backend without the check: posting checks it anyway
            log.warning("The backend cannot check places (404); the point is taken as it is")
            verdict = {"inside": True}
        else:
            verdict = {"inside": False, "message": " ".join(error.messages)}
    if verdict.get("inside"):
        draft["place_ok"] = True
        text = "place_taken" if draft.get("code") else "location_first"
        await say(update, context, t(lang, text), ReplyKeyboardRemove())
        await advance(update, context)
        return
    draft.update(lat=None, long=None, address=None, place_ok=None, step="location")
    message = verdict.get("message") or t(lang, "outside_city_generic")
    await say(
        update, context, t(lang, "location_refused", message=message), location_keyboard(lang)
    )


async def geocode(update: Update, context: Ctx, text: str) -> None:
    lang = lang_of(update, context)
    text = text.strip()[:200]
    if len(text) < 3:
        await ask_location(update, context, "address_too_short")
        return
    try:
        place = await backend(context).geocode(text, lang)
    except GeocoderDown:
        await say(update, context, t(lang, "geocoder_down"), location_keyboard(lang))
        return
    except BackendUnavailable:
        await try_again_later(update, context)
        return
    except BackendRefused as error:
        if error.status == 404:
            await say(
                update, context, t(lang, "address_not_found", address=text), location_keyboard(lang)
            )
        elif error.status == 400:
            message = " ".join(error.messages) or t(lang, "outside_city_generic")
            await say(
                update,
                context,
                t(lang, "address_refused", message=message),
                location_keyboard(lang),
            )
        else:
            await refused(update, context, error)
        return
    draft_of(context)["pending_place"] = {
        "lat": float(place["lat"]),
        "long": float(place["long"]),
        "address": place.get("address"),
        "district": place.get("district"),
    }
    await ask_address_confirm(update, context)
    await save(update, context)


# --- nearby: "me too" instead of a duplicate ------------------------------------------------------


async def check_nearby(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    try:
        found = await backend(context).nearby(
            draft["code"], draft["lat"], draft["long"], lang, chat_id=update.effective_chat.id
        )
    except BackendUnavailable:
        await try_again_later(update, context, "go|again")
        return
    except BackendRefused as error:
        log.warning("nearby refused: %s", error)
        found = []
    if not found:
        draft["nearby_key"] = nearby_key(draft)
        await advance(update, context)
        return
    items = []
    for item in found[:3]:
        ext = item.get("extended_attributes") or {}
        distance = item.get("distance_m", ext.get("distance_m"))
        if ext.get("coarse_location"):
            distance = None  # an unsafe place is shown coarsely: a distance would mislead
        items.append(
            {
                "id": item["service_request_id"],
                "name": item.get("service_name") or draft.get("service_name"),
                "status": ext.get("status_descriptive_name")
                or status_name(lang, ext.get("detailed_status") or item.get("status")),
                "distance": distance,
                "description": (item.get("description") or "")[:80],
            }
        )
    draft["nearby"] = items
    await show_nearby(update, context)


async def show_nearby(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft["step"] = "nearby"
    lines = []
    for item in draft["nearby"]:
        parts = [item["id"], item["name"] or ""]
        if item.get("distance") is not None:
            parts.append(t(lang, "metres", m=round(float(item["distance"]))))
        parts.append(item["status"] or "")
        line = "• " + " · ".join(p for p in parts if p)
        if item.get("description"):
            line += f"\n  „{item['description']}“"
        lines.append(line)
    rows = [
        [(t(lang, "btn_me_too", id=item["id"]), f"near|me:{item['id']}")]
        for item in draft["nearby"]
    ]
    rows.append([(t(lang, "btn_new_problem"), "near|new")])
    await say(update, context, t(lang, "nearby_found", items="\n".join(lines)), keyboard(rows))


async def me_too(update: Update, context: Ctx, reference: str, query) -> None:
    lang = lang_of(update, context)
    try:
        answer = await backend(context).support(
            reference, update.effective_chat.id, updates=True, locale=lang, lang=lang
        )
    except BackendUnavailable:
        await try_again_later(update, context, f"near|me:{reference}")
        return
    except BackendRefused as error:
        if error.status in (404, 409):
            # Closed meanwhile, or the resident's own report: say why and go on with theirs.
            draft = draft_of(context)
            draft["nearby_key"] = nearby_key(draft)
            draft.pop("nearby", None)
            message = " ".join(error.messages) or t(lang, "refused_generic")
            await settle(query)
            await say(update, context, t(lang, "me_too_refused", message=message))
            await advance(update, context)
        else:
            await refused(update, context, error)
        return
    context.chat_data.pop("draft", None)
    await settle(query)
    await say(
        update,
        context,
        t(
            lang,
            "me_too_done",
            id=reference,
            n=answer.get("supporters") or 2,
            link=f"{cfg(context).status_base_url}/r/{reference}",
        ),
        ReplyKeyboardRemove(),
    )
    await save(update, context)


# --- extra questions ------------------------------------------------------------------------------


def current_attr(draft: dict[str, Any]) -> dict[str, Any] | None:
    pos = draft.get("attr_pos", 0)
    attrs = draft.get("attrs_def") or []
    return attrs[pos] if pos < len(attrs) else None


def attribute_markup(draft: dict[str, Any], lang: str) -> InlineKeyboardMarkup | None:
    attr = current_attr(draft)
    pos = draft["attr_pos"]
    datatype = attr["datatype"]
    if datatype == "singlevaluelist":
        rows = pairs([(v["name"], f"attr|{pos}|v|{i}") for i, v in enumerate(attr["values"])])
    elif datatype == "multivaluelist":
        chosen = set(draft.get("multi") or [])
        rows = pairs(
            [
                (("☑️ " if v["key"] in chosen else "▫️ ") + v["name"], f"attr|{pos}|t|{i}")
                for i, v in enumerate(attr["values"])
            ]
        )
        rows.append([(t(lang, "btn_done"), f"attr|{pos}|done")])
        return keyboard(rows)
    else:
        rows = []
    if not attr["required"]:
        rows.append([(t(lang, "btn_skip"), f"attr|{pos}|skip")])
    return keyboard(rows) if rows else None


async def ask_attribute(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    attr = current_attr(draft)
    draft["step"] = "attribute"
    question = attr.get("description") or attr["code"]
    if attr["datatype"] == "multivaluelist":
        draft.setdefault("multi", list(draft["attributes"].get(attr["code"]) or []))
        text = t(lang, "ask_multi", question=question)
    elif attr["datatype"] == "singlevaluelist":
        text = t(lang, "ask_single", question=question)
    else:
        hint = f"\n{attr['help']}" if attr.get("help") else ""
        key = "ask_text_optional" if not attr["required"] else "ask_text"
        text = t(lang, key, question=question, hint=hint)
    await say(update, context, text, attribute_markup(draft, lang))


def answer_attribute(draft: dict[str, Any], value: Any) -> None:
    attr = current_attr(draft)
    if value in (None, "", []):
        draft["attributes"].pop(attr["code"], None)
    else:
        draft["attributes"][attr["code"]] = value
    draft.pop("multi", None)
    draft["attr_pos"] = draft.get("attr_pos", 0) + 1


def parse_typed(attr: dict[str, Any], text: str, lang: str) -> tuple[Any, str | None]:
    """A typed answer as the backend wants it, or an error message."""
    text = text.strip()
    datatype = attr["datatype"]
    if datatype == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return None, t(lang, "need_number")
        return (int(number) if number.is_integer() else number), None
    if datatype == "datetime":
        for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt).isoformat(timespec="minutes"), None  # noqa: DTZ007 - local time, as the backend expects
            except ValueError:
                continue
        return None, t(lang, "need_datetime")
    limit = TEXT_MAX if datatype == "text" else STRING_MAX
    if len(text) > limit:
        return None, t(lang, "too_long", max=limit)
    return text, None


async def on_attribute_button(update: Update, context: Ctx, parts: list[str], query) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    attr = current_attr(draft)
    if attr is None or parts[0] != str(draft.get("attr_pos")):
        await query.answer(t(lang, "stale_button"))
        return
    action = parts[1]
    question = attr.get("description") or attr["code"]
    if action == "v" and attr["datatype"] == "singlevaluelist":
        value = attr["values"][int(parts[2])]
        await query.answer()
        answer_attribute(draft, value["key"])
        await settle(query, f"{question}\n✓ {value['name']}")
        await advance(update, context)
    elif action == "t" and attr["datatype"] == "multivaluelist":
        key = attr["values"][int(parts[2])]["key"]
        chosen = draft.setdefault("multi", [])
        if key in chosen:
            chosen.remove(key)
        else:
            chosen.append(key)
        await save(update, context)
        await query.answer()
        if isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):
                await query.message.edit_reply_markup(attribute_markup(draft, lang))
    elif action == "done" and attr["datatype"] == "multivaluelist":
        chosen = list(draft.get("multi") or [])
        if attr["required"] and not chosen:
            await query.answer(t(lang, "choose_at_least_one"), show_alert=True)
            return
        await query.answer()
        names = [v["name"] for v in attr["values"] if v["key"] in chosen]
        answer_attribute(draft, [v["key"] for v in attr["values"] if v["key"] in chosen])
        await settle(query, f"{question}\n✓ {', '.join(names) or '—'}")
        await advance(update, context)
    elif action == "skip" and not attr["required"]:
        await query.answer()
        answer_attribute(draft, None)
        await settle(query, f"{question}\n— {t(lang, 'skipped')}")
        await advance(update, context)
    else:
        await query.answer(t(lang, "stale_button"))


# --- photos and description -----------------------------------------------------------------------


async def ask_photos(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft["step"] = "photos"
    count = len(draft["photos"])
    limit = cfg(context).photo_max_count
    if count:
        await say(
            update,
            context,
            t(lang, "photo_more", n=count, max=limit),
            keyboard([[(t(lang, "btn_photos_done"), "pho|done")]]),
        )
    else:
        await say(
            update,
            context,
            t(lang, "ask_photo", max=limit),
            keyboard([[(t(lang, "btn_no_photo"), "pho|skip")]]),
        )


async def on_photo(update: Update, context: Ctx) -> None:
    message = update.effective_message
    lang = lang_of(update, context)
    config = cfg(context)
    if message.photo:
        item = message.photo[-1]  # the largest size Telegram made
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        item = message.document
    else:
        await say(update, context, t(lang, "not_an_image"))
        return
    size = item.file_size or 0
    if size > TELEGRAM_DOWNLOAD_LIMIT:
        await say(update, context, t(lang, "photo_too_big_telegram"))
        await reprompt(update, context)
        return
    if size > config.photo_max_bytes:
        await say(update, context, t(lang, "photo_too_big", mb=config.photo_max_bytes // 2**20))
        await reprompt(update, context)
        return
    draft = draft_of(context)
    if draft is None:
        draft = new_draft(context)
        draft["photos"].append(
            {"file_id": item.file_id, "unique": item.file_unique_id, "size": size}
        )
        await say(update, context, t(lang, "photo_first"))
        await advance(update, context)
        return
    if any(p["unique"] == item.file_unique_id for p in draft["photos"]):
        await reprompt(update, context)
        return
    if len(draft["photos"]) >= config.photo_max_count:
        await say(update, context, t(lang, "photo_limit", max=config.photo_max_count))
        await reprompt(update, context)
        return
    draft["photos"].append({"file_id": item.file_id, "unique": item.file_unique_id, "size": size})
    if draft.get("step") == "photos":
        if len(draft["photos"]) >= config.photo_max_count:
            draft["photos_done"] = True
        await advance(update, context)
    else:
        await say(update, context, t(lang, "photo_added", n=len(draft["photos"])))
        await reprompt(update, context)


async def ask_description(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft["step"] = "description"
    await say(
        update,
        context,
        t(lang, "ask_description"),
        keyboard([[(t(lang, "btn_skip"), "desc|skip")]]),
    )


# --- summary, change, send ------------------------------------------------------------------------


def summary_text(draft: dict[str, Any], lang: str, updates: bool) -> str:
    lines = [t(lang, "summary_title"), t(lang, "summary_category", name=draft["service_name"])]
    where = draft.get("address") or f"{draft['lat']:.5f}, {draft['long']:.5f}"
    lines.append(t(lang, "summary_place", place=where))
    for attr in draft.get("attrs_def") or []:
        value = draft["attributes"].get(attr["code"])
        if value in (None, "", []):
            continue
        names = {v["key"]: v["name"] for v in attr["values"]}
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(names.get(str(v), str(v)) for v in values)
        lines.append(f"{attr.get('description') or attr['code']}: {shown}")
    lines.append(t(lang, "summary_photos", n=len(draft["photos"])))
    if draft.get("description"):
        lines.append(t(lang, "summary_description", text=draft["description"]))
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


async def show_summary(update: Update, context: Ctx) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft["step"] = "summary"
    updates = wants_updates(context)
    await say(update, context, summary_text(draft, lang, updates), summary_markup(lang, updates))


async def show_change_menu(update: Update, context: Ctx, query=None) -> None:
    draft = draft_of(context)
    lang = lang_of(update, context)
    draft["step"] = "change"
    rows = [[(t(lang, "chg_category"), "chg|category"), (t(lang, "chg_place"), "chg|place")]]
    second = []
    if draft.get("attrs_def"):
        second.append((t(lang, "chg_answers"), "chg|answers"))
    second.append((t(lang, "chg_photos"), "chg|photos"))
    rows.append(second)
    rows.append(
        [(t(lang, "chg_description"), "chg|description"), (t(lang, "btn_back"), "chg|back")]
    )
    if query is not None:
        await settle(query)
    await say(update, context, t(lang, "ask_change"), keyboard(rows))


async def on_change(update: Update, context: Ctx, what: str, query) -> None:
    draft = draft_of(context)
    await settle(query)
    draft.pop("multi", None)
    if what == "category":
        draft.update(
            code=None, attrs_def=[], attributes={}, attr_pos=0, attrs_done=False, nearby_key=None
        )
    elif what == "place":
        draft.update(lat=None, long=None, address=None, nearby_key=None)
    elif what == "answers":
        draft.update(attributes={}, attr_pos=0, attrs_done=False)
    elif what == "photos":
        draft.update(photos=[], photos_done=False)
    elif what == "description":
        draft.update(description=None, desc_done=False)
    await advance(update, context)


async def download_photos(update: Update, context: Ctx) -> list[bytes] | None:
    """The draft's photos from Telegram, by file id. None after telling the resident why not."""
    draft = draft_of(context)
    lang = lang_of(update, context)
    blobs = []
    for photo in list(draft["photos"]):
        try:
            file = await context.bot.get_file(photo["file_id"])
            blobs.append(bytes(await file.download_as_bytearray()))
        except BadRequest as error:
            log.info("Photo %s cannot be fetched: %s", photo["unique"], error)
            draft["photos"].remove(photo)
            draft["photos_done"] = False
            key = "photo_too_big_telegram" if "too big" in str(error).lower() else "photo_gone"
            await say(update, context, t(lang, key))
            await advance(update, context)
            return None
        except TelegramError as error:
            log.warning("Telegram file download failed: %s", error)
            await say(
                update,
                context,
                t(lang, "telegram_down"),
                keyboard([[(t(lang, "btn_retry"), "sum|send")]]),
            )
            return None
    return blobs


def request_fields(draft: dict[str, Any], chat_id: int, lang: str, updates: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "service_code": draft["code"],
        "lat": f"{draft['lat']:.7f}",
        "long": f"{draft['long']:.7f}",
        "description": draft.get("description") or "",
        "telegram_chat_id": str(chat_id),
        "updates": "true" if updates else "false",
        "locale": lang,
    }
    if draft.get("address"):
        fields["address_string"] = draft["address"]
    for code, value in draft["attributes"].items():
        if isinstance(value, list):
            fields[f"attribute[{code}][]"] = [str(v) for v in value]
        else:
            fields[f"attribute[{code}]"] = str(value)
    return fields


async def send_report(update: Update, context: Ctx, query) -> None:
    """Post the draft. Every attempt carries the draft's submission key and the language of
    the first attempt, so a retry after an answer that never came (a slow backend, a crash
    right after posting) gets the report that was saved, never a second one."""
    draft = draft_of(context)
    lang = lang_of(update, context)
    await settle(query)
    blobs = await download_photos(update, context)
    if blobs is None:
        await save(update, context)
        return
    updates = wants_updates(context)
    key = draft.get("submission_key") or str(uuid.uuid4())  # drafts from before keys
    locale = draft.get("sent_locale") or lang
    draft.update(submission_key=key, sent_locale=locale)
    fields = request_fields(draft, update.effective_chat.id, locale, updates)
    await save(update, context)  # the key is on disk before the report can exist
    try:
        answer = await backend(context).create_request(fields, blobs, lang, idempotency_key=key)
    except BackendUnavailable as error:
        # When the request may have got there, say so: the retry will not file it twice.
        text = t(lang, "send_unconfirmed" if error.reached else "backend_down")
        await say(update, context, text, keyboard([[(t(lang, "btn_retry"), "sum|send")]]))
        return
    except BackendRefused as error:
        if error.status == 422:
            # An earlier attempt was saved, and the draft has changed since: that one counts.
            context.chat_data.pop("draft", None)
            await say(update, context, t(lang, "sent_before_change"), ReplyKeyboardRemove())
            return
        draft.pop("sent_locale", None)  # refused: nothing was saved
        if error.status == 413:
            draft.update(photos=[], photos_done=False)
            await say(
                update, context, t(lang, "photos_refused_size", message=" ".join(error.messages))
            )
            await advance(update, context)
            return
        await refused(update, context, error)
        if error.status == 400:
            await show_change_menu(update, context)
            await save(update, context)
        return
    reference = answer.get("service_request_id") or "?"
    context.chat_data.pop("draft", None)
    notice = answer.get("service_notice")
    text = t(lang, "sent", id=reference, link=f"{cfg(context).status_base_url}/r/{reference}")
    if notice:
        text += "\n\n" + t(lang, "sent_notice", notice=notice)
    text += "\n\n" + t(lang, "sent_updates" if updates else "sent_no_updates", id=reference)
    if locale != lang:  # the language was switched between attempts
        context.user_data["locale_pending"] = lang
    await say(update, context, text, ReplyKeyboardRemove())
    await sync_locale(update, context)


async def on_summary(update: Update, context: Ctx, action: str, query) -> None:
    lang = lang_of(update, context)
    if action == "send":
        await query.answer(t(lang, "sending"))
        await send_report(update, context, query)
    elif action == "change":
        await query.answer()
        await show_change_menu(update, context, query)
        await save(update, context)
    elif action == "cancel":
        await query.answer()
        await settle(query)
        await cancel(update, context)
    elif action == "updates":
        context.user_data["updates"] = not wants_updates(context)
        updates = wants_updates(context)
        await save(update, context)
        await query.answer(t(lang, "updates_on" if updates else "updates_off"))
        if isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):
                await query.message.edit_text(
                    summary_text(draft_of(context), lang, updates),
                    reply_markup=summary_markup(lang, updates),
                )


# --- commands -------------------------------------------------------------------------------------


async def cmd_start(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    draft = draft_of(context)
    if draft is not None and (
        draft.get("code") or draft.get("lat") is not None or draft.get("photos")
    ):
        await say(
            update,
            context,
            t(lang, "resume_question"),
            keyboard(
                [[(t(lang, "btn_resume"), "go|resume")], [(t(lang, "btn_start_new"), "go|new")]]
            ),
        )
        return
    await say(update, context, t(lang, "welcome"))
    new_draft(context)
    await advance(update, context)


async def cancel(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    had = context.chat_data.pop("draft", None) is not None
    had = context.chat_data.pop("pending", None) is not None or had
    await say(
        update, context, t(lang, "cancelled" if had else "nothing_to_cancel"), ReplyKeyboardRemove()
    )
    await save(update, context)


async def cmd_cancel(update: Update, context: Ctx) -> None:
    await cancel(update, context)


async def cmd_help(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    await say(update, context, t(lang, "help", emergency=await emergency_number(context, lang)))


async def cmd_privacy(update: Update, context: Ctx) -> None:
    await say(update, context, t(lang_of(update, context), "privacy"))


async def cmd_language(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    rows = [[(LANGUAGE_NAMES[code], f"lang|{code}")] for code in LANGUAGES]
    await say(update, context, t(lang, "ask_language"), keyboard(rows))


async def cmd_delete(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    await say(
        update,
        context,
        t(lang, "delete_question"),
        keyboard(
            [[(t(lang, "btn_delete_yes"), "del|yes")], [(t(lang, "btn_delete_no"), "del|no")]]
        ),
    )


def status_lines(item: dict[str, Any], lang: str, link_base: str) -> str:
    ext = item.get("extended_attributes") or {}
    status = ext.get("status_descriptive_name") or status_name(
        lang, ext.get("detailed_status") or item.get("status")
    )
    lines = [
        f"{item['service_request_id']} · {item.get('service_name') or ''}".strip(" ·"),
        t(lang, "status_line", status=status),
    ]
    if item.get("status_notes"):
        lines.append(t(lang, "status_note", note=item["status_notes"]))
    lines.append(f"{link_base}/r/{item['service_request_id']}")
    return "\n".join(lines)


async def cmd_status(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    args = context.args or []
    if not args:
        await say(update, context, t(lang, "status_usage"))
        return
    reference = args[0].strip().upper()
    if not REFERENCE.match(reference):
        await say(update, context, t(lang, "status_bad_reference", id=reference[:40]))
        return
    api = backend(context)
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
        mine = await api.my_requests(update.effective_chat.id, lang)
        if any(m.get("service_request_id") == reference and m.get("can_reopen") for m in mine):
            markup = keyboard([[(t(lang, "btn_not_fixed", id=reference), f"reopen|{reference}")]])
    except (BackendUnavailable, BackendRefused):
        pass
    await say(update, context, status_lines(item, lang, cfg(context).status_base_url), markup)


async def cmd_mine(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    try:
        items = await backend(context).my_requests(update.effective_chat.id, lang)
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
    for item in items[:10]:
        ext = item.get("extended_attributes") or {}
        status = ext.get("status_descriptive_name") or status_name(
            lang, ext.get("detailed_status") or item.get("status")
        )
        name = item.get("service_name") or ""
        lines.append(f"• {item['service_request_id']} · {name} — {status}")
        if item.get("can_reopen"):
            reference = item["service_request_id"]
            rows.append([(t(lang, "btn_not_fixed", id=reference), f"reopen|{reference}")])
    lines.append("")
    lines.append(t(lang, "mine_hint"))
    await say(update, context, "\n".join(lines), keyboard(rows) if rows else None)


async def cmd_unknown(update: Update, context: Ctx) -> None:
    lang = lang_of(update, context)
    await say(update, context, t(lang, "unknown_command"))
    if draft_of(context) is not None:
        await reprompt(update, context)


# --- callback queries -----------------------------------------------------------------------------


async def on_callback(update: Update, context: Ctx) -> None:
    query = update.callback_query
    lang = lang_of(update, context)
    data = query.data or ""
    head, _, rest = data.partition("|")
    draft = draft_of(context)

    # Buttons that do not belong to a draft step.
    if head == "lang" and rest in LANGUAGES:
        context.user_data["lang"] = rest
        context.user_data["locale_pending"] = rest  # until the backend has it too
        await query.answer()
        await save(update, context)
        await settle(query, t(rest, "language_set", name=LANGUAGE_NAMES[rest]))
        await sync_locale(update, context)
        if draft is not None:
            await reprompt(update, context)
        return
    if head == "del":
        await query.answer()
        if rest == "yes":
            await delete_data(update, context, query)
        else:
            await settle(query, t(lang, "delete_kept"))
        return
    if head == "reopen":
        await query.answer()
        context.chat_data["pending"] = {"kind": "reopen", "id": rest}
        await say(update, context, t(lang, "reopen_ask", id=rest))
        await save(update, context)
        return
    if head == "go":
        await query.answer()
        if rest == "new" or draft is None:
            await settle(query)
            if rest == "new":
                new_draft(context)
                await advance(update, context)
            else:
                await cmd_start(update, context)
            return
        await settle(query)
        await reprompt(update, context)
        return

    # Step buttons: only those of the current step count.
    step = STEP_OF.get(head)
    if draft is None or step is None or draft.get("step") != step:
        await query.answer(t(lang, "stale_button"))
        return
    if head == "cat":
        await query.answer()
        if rest.startswith("g:"):
            await ask_category(update, context, rest[2:], edit_query=query)
            await save(update, context)
        elif rest.startswith("c:"):
            await choose_category(update, context, rest[2:], query)
        else:
            await ask_category(update, context, edit_query=query)
    elif head == "adr":
        await query.answer()
        place = draft.get("pending_place")
        if rest == "yes" and place:
            await settle(query, t(lang, "address_confirmed", place=place.get("address") or ""))
            await place_taken(
                update, context, place["lat"], place["long"], place.get("address"), typed=True
            )
        else:
            draft.pop("pending_place", None)
            await settle(query)
            await ask_location(update, context, "ask_address_again")
            await save(update, context)
    elif head == "near":
        await query.answer()
        if rest.startswith("me:"):
            await me_too(update, context, rest[3:], query)
        else:
            draft["nearby_key"] = nearby_key(draft)
            draft.pop("nearby", None)
            await settle(query)
            await advance(update, context)
    elif head == "attr":
        await on_attribute_button(update, context, rest.split("|"), query)
    elif head == "pho":
        await query.answer()
        draft["photos_done"] = True
        await settle(query)
        await advance(update, context)
    elif head == "desc":
        await query.answer()
        draft.update(description=None, desc_done=True)
        await settle(query)
        await advance(update, context)
    elif head == "sum":
        await on_summary(update, context, rest, query)
    elif head == "chg":
        await query.answer()
        if rest == "back":
            await settle(query)
            await show_summary(update, context)
            await save(update, context)
        else:
            await on_change(update, context, rest, query)


async def delete_data(update: Update, context: Ctx, query) -> None:
    lang = lang_of(update, context)
    try:
        deleted = await backend(context).delete_contact(update.effective_chat.id, lang)
    except BackendUnavailable:
        await try_again_later(update, context, "del|yes")
        return
    except BackendRefused as error:
        await refused(update, context, error)
        return
    await settle(query)
    context.chat_data.clear()
    context.user_data.clear()
    await say(update, context, t(lang, "deleted", n=deleted), ReplyKeyboardRemove())
    await save(update, context)


# --- messages -------------------------------------------------------------------------------------


def is_cancel_text(text: str) -> bool:
    return text.strip().casefold() in all_variants("btn_cancel")


async def on_text(update: Update, context: Ctx) -> None:
    text = update.effective_message.text or ""
    lang = lang_of(update, context)
    if is_cancel_text(text):
        await cancel(update, context)
        return
    pending = context.chat_data.get("pending")
    if pending and pending.get("kind") == "reopen":
        await reopen(update, context, pending["id"], text)
        return
    draft = draft_of(context)
    if draft is None:
        await say(
            update,
            context,
            t(lang, "no_draft_text"),
            keyboard([[(t(lang, "btn_report_now"), "go|start")]]),
        )
        return
    step = draft.get("step")
    taken = draft.get("lat") is not None and draft.get("place_ok") is not False
    if step in ("location", "address_confirm") and taken:
        # The place was taken, and the bot stopped before its next question went out.
        await reprompt(update, context)
    elif step in ("location", "address_confirm"):
        await geocode(update, context, text)
    elif (
        step == "attribute"
        and current_attr(draft)
        and current_attr(draft)["datatype"] not in ("singlevaluelist", "multivaluelist")
    ):
        value, problem = parse_typed(current_attr(draft), text, lang)
        if problem:
            await say(update, context, problem)
            return
        answer_attribute(draft, value)
        await advance(update, context)
    elif step == "description":
        text = text.strip()
        if len(text) > DESCRIPTION_MAX:
            await say(update, context, t(lang, "too_long", max=DESCRIPTION_MAX))
            return
        draft.update(description=text, desc_done=True)
        await advance(update, context)
    else:
        hint = {
            "category": "hint_category",
            "nearby": "hint_buttons",
            "attribute": "hint_buttons",
            "photos": "hint_photos",
            "summary": "hint_summary",
            "change": "hint_buttons",
        }.get(step, "hint_buttons")
        await say(update, context, t(lang, hint))
        await reprompt(update, context)


async def on_location(update: Update, context: Ctx) -> None:
    message = update.effective_message
    lang = lang_of(update, context)
    venue = message.venue
    location = venue.location if venue else message.location
    address = None
    if venue:
        address = ", ".join(p for p in (venue.title, venue.address) if p) or None
    draft = draft_of(context)
    if draft is None:
        draft = new_draft(context)
    elif draft.get("step") not in ("location", "address_confirm") and draft.get("lat") is not None:
        await say(update, context, t(lang, "location_already"))
        await reprompt(update, context)
        return
    await place_taken(update, context, location.latitude, location.longitude, address, typed=False)


async def on_other(update: Update, context: Ctx) -> None:
    """Stickers, voice, contacts, polls…: say what would help instead."""
    lang = lang_of(update, context)
    draft = draft_of(context)
    if draft is None:
        await say(update, context, t(lang, "other_no_draft"))
        return
    await say(update, context, t(lang, "other_in_draft"))
    await reprompt(update, context)


async def on_edited(update: Update, context: Ctx) -> None:
    message = update.edited_message
    if message is None or message.location is not None:
        return  # live-location updates are edits too: nothing to say
    await say(update, context, t(lang_of(update, context), "edited"))


async def reopen(update: Update, context: Ctx, reference: str, comment: str) -> None:
    lang = lang_of(update, context)
    comment = comment.strip()[:1000]
    try:
        await backend(context).reopen(reference, update.effective_chat.id, comment, lang)
    except BackendUnavailable:
        await try_again_later(update, context)
        return
    except BackendRefused as error:
        context.chat_data.pop("pending", None)
        await refused(update, context, error)
        await save(update, context)
        return
    context.chat_data.pop("pending", None)
    await say(
        update,
        context,
        t(lang, "reopened", id=reference, link=f"{cfg(context).status_base_url}/r/{reference}"),
    )
    await save(update, context)


# --- the resident's language at the backend -------------------------------------------------------


async def sync_locale(update: Update, context: Ctx) -> None:
    """Tell the backend a language chosen with /sprache, so the status messages of the
    resident's reports (made or supported) come in it. When the backend cannot be reached,
    it is tried again after the resident's next message (``sync_pending_locale``)."""
    locale = context.user_data.get("locale_pending")
    if not locale or update.effective_chat is None:
        return
    context.locale_tried = True  # once per update (one context serves all its handlers)
    try:
        await backend(context).set_locale(update.effective_chat.id, locale, locale)
    except BackendUnavailable:
        log.info("Language %s not yet at the backend; trying again later", locale)
        return
    except BackendRefused as error:
        log.warning("The backend refused the language %s: %s", locale, error)
    if context.user_data.get("locale_pending") == locale:
        context.user_data.pop("locale_pending", None)
    await save(update, context)


async def sync_pending_locale(update: object, context: Ctx) -> None:
    """Runs after every handled update (group 1): a language change the backend has not got
    yet is sent again."""
    if getattr(context, "locale_tried", False) or not isinstance(update, Update):
        return
    if (context.user_data or {}).get("locale_pending"):
        await sync_locale(update, context)


# --- guards: private chats only, replayed updates, flood limit, errors ----------------------------


async def guard(update: object, context: Ctx) -> None:
    """Runs before every handler (group -1)."""
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        raise ApplicationHandlerStop
    if chat.type != "private":
        message = update.effective_message
        if message is not None and (message.text or "").startswith("/"):
            await context.bot.send_message(chat.id, t(lang_of(update, context), "private_only"))
        raise ApplicationHandlerStop
    # Polling re-delivers updates that were not yet confirmed when the process died.
    last = context.chat_data.get("last_update_id")
    if last is not None and update.update_id <= last:
        log.info("Update %s for chat %s was handled before; skipped", update.update_id, chat.id)
        raise ApplicationHandlerStop
    context.chat_data["last_update_id"] = update.update_id
    limiter = context.application.bot_data["flood"]
    verdict = limiter.hit(user.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        lang = lang_of(update, context)
        if update.callback_query:
            await update.callback_query.answer(t(lang, "flood"), show_alert=True)
        else:
            await context.bot.send_message(chat.id, t(lang, "flood"))
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def on_error(update: object, context: Ctx) -> None:
    log.error("Handling an update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                update.effective_chat.id, t(lang_of(update, context), "error")
            )
