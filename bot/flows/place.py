"""The place: a shared location (checked against the city at once, as the web form does) or a
typed address (found by the backend, inside the city, and confirmed by the resident)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.backend import BackendRefused, BackendUnavailable, GeocoderDown
from bot.context import BotContext, lang_of
from bot.draft import Draft, Place
from bot.flows import Then
from bot.i18n import N_, gettext
from bot.replies import keyboard, refused, save, say, settle, try_again_later

log = logging.getLogger(__name__)

ADDRESS_MAX = 200
ASK_LOCATION = N_(
    "📍 Where is it? Tap “Send location” if you are there – or type the address (e.g. "
    "Musterstraße 1). With 📎 → Location you can also pick a point on the map."
)


def location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(gettext(lang, "📍 Send location"), request_location=True)],
            [KeyboardButton(gettext(lang, "❌ Cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=gettext(lang, "Address, e.g. Musterstraße 1"),
    )


async def ask_location(update: Update, context: BotContext, message: str = ASK_LOCATION) -> None:
    """Where is it? (``message``: the question, or what was wrong with the address typed)."""
    draft = context.active_draft
    lang = lang_of(update, context)
    draft.step = "location"
    await say(update, context, gettext(lang, message), location_keyboard(lang))


async def ask_address_confirm(update: Update, context: BotContext) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    place = draft.pending_place
    assert place is not None, "an address was found"
    draft.step = "address_confirm"
    where = place.address or f"{place.lat:.5f}, {place.long:.5f}"
    if place.district:
        where = f"{where} ({place.district})"
    await say(
        update,
        context,
        gettext(lang, "I understood:\n📍 %(place)s\nIs that right?", place=where),
        keyboard(
            [
                [(gettext(lang, "✅ Yes, that's right"), "adr|yes")],
                [(gettext(lang, "✏️ No, type again"), "adr|no")],
            ]
        ),
    )


async def take_place(
    update: Update,
    context: BotContext,
    draft: Draft,
    lat: float,
    lon: float,
    address: str | None,
    typed: bool,
) -> Then:
    """The place for the draft. A typed address was found inside the city by the backend
    already; a shared location is checked next (``check_place``, when the flow goes on)."""
    lang = lang_of(update, context)
    draft.lat, draft.long, draft.address = lat, lon, address
    draft.address_typed = typed
    draft.place_ok = typed
    draft.pending_place = None
    if typed:
        await say(update, context, gettext(lang, "📍 Got the place."), ReplyKeyboardRemove())
    return Then.ASK_NEXT


async def check_place(update: Update, context: BotContext) -> Then:
    """A shared location outside the city is refused at once (as the web form does), with the
    backend's reason, and the location asked for again."""
    draft = context.active_draft
    lang = lang_of(update, context)
    verdict: dict[str, Any]
    try:
        verdict = await context.backend.check_location(*draft.point(), lang)
    except BackendUnavailable:
        await try_again_later(update, context, "go|again")
        return Then.DONE
    except BackendRefused as error:
        if error.status in (401, 403):
            await refused(update, context, error)
            return Then.DONE
        if error.status == 404:  # a backend without the check: posting checks it anyway
            log.warning("The backend cannot check places (404); the point is taken as it is")
            verdict = {"inside": True}
        else:
            verdict = {"inside": False, "message": " ".join(error.messages)}
    if verdict.get("inside"):
        draft.place_ok = True
        if draft.code:
            text = gettext(lang, "📍 Got the place.")
        else:
            text = gettext(lang, "📍 Got the place. Now: what is it about?")
        await say(update, context, text, ReplyKeyboardRemove())
        return Then.ASK_NEXT
    draft.lat = draft.long = draft.address = draft.place_ok = None
    draft.step = "location"
    message = verdict.get("message") or gettext(lang, "This place is outside the city.")
    await say(
        update,
        context,
        gettext(
            lang,
            "⚠️ %(message)s\nPlease send a place in the city – as a location or an address.",
            message=message,
        ),
        location_keyboard(lang),
    )
    return Then.DONE


async def geocode(update: Update, context: BotContext, draft: Draft, text: str) -> Then:
    """A typed address: found by the backend, then to be confirmed."""
    lang = lang_of(update, context)
    text = text.strip()[:ADDRESS_MAX]
    if len(text) < 3:
        await ask_location(
            update,
            context,
            N_(
                "That is too short for an address. Please give street and number – or send "
                "the location."
            ),
        )
        return Then.DONE
    try:
        found = await context.backend.geocode(text, lang)
    except GeocoderDown:
        await say(
            update,
            context,
            gettext(
                lang,
                "The address search is not available right now. Please send the location "
                "with the button below (or 📎 → Location).",
            ),
            location_keyboard(lang),
        )
        return Then.DONE
    except BackendUnavailable:
        await try_again_later(update, context)
        return Then.DONE
    except BackendRefused as error:
        if error.status == 404:
            await say(
                update,
                context,
                gettext(
                    lang,
                    "I could not find “%(address)s”. Please check the spelling – or send the "
                    "location.",
                    address=text,
                ),
                location_keyboard(lang),
            )
        elif error.status == 400:
            message = " ".join(error.messages) or gettext(lang, "This place is outside the city.")
            await say(
                update,
                context,
                gettext(
                    lang,
                    "⚠️ %(message)s\nPlease try another address – or send the location.",
                    message=message,
                ),
                location_keyboard(lang),
            )
        else:
            await refused(update, context, error)
        return Then.DONE
    draft.pending_place = Place(
        lat=float(found["lat"]),
        long=float(found["long"]),
        address=found.get("address"),
        district=found.get("district"),
    )
    await ask_address_confirm(update, context)
    await save(update, context)
    return Then.DONE


async def on_address_text(update: Update, context: BotContext, draft: Draft, text: str) -> Then:
    if draft.lat is not None and draft.place_ok is not False:
        # The place was taken, and the bot stopped before its next question went out.
        return Then.ASK_AGAIN
    return await geocode(update, context, draft, text)


async def on_address_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``adr|yes`` the address found is right, ``adr|no`` it is not."""
    await query.answer()
    place = draft.pending_place
    if action == "yes" and place:
        await settle(query, f"📍 {place.address or ''} ✓")
        return await take_place(
            update, context, draft, place.lat, place.long, place.address, typed=True
        )
    draft.pending_place = None
    await settle(query)
    await ask_location(
        update,
        context,
        N_("Please type the address more precisely (street, number) – or send the location."),
    )
    await save(update, context)
    return Then.DONE


async def on_location(update: Update, context: BotContext) -> Then:
    """A shared location or venue: starts a draft when there is none."""
    message = update.effective_message
    assert message is not None, "a location message"
    lang = lang_of(update, context)
    venue = message.venue
    location = venue.location if venue else message.location
    assert location is not None, "the handler's filter lets only locations and venues through"
    address = None
    if venue:
        address = ", ".join(p for p in (venue.title, venue.address) if p) or None
    draft = context.draft
    if draft is None:
        draft = context.start_draft()
    elif draft.step not in ("location", "address_confirm") and draft.lat is not None:
        await say(
            update,
            context,
            gettext(lang, "I already have the place. You can change it in the summary (“Change”)."),
        )
        return Then.ASK_AGAIN
    return await take_place(
        update, context, draft, location.latitude, location.longitude, address, typed=False
    )
