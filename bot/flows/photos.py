"""Photos: kept as Telegram file ids (never their bytes) until the report is sent, then
downloaded from Telegram. A photo sent before /start starts a draft."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Document, PhotoSize, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext, lang_of
from bot.draft import Draft, Photo
from bot.flows import Then
from bot.i18n import gettext, ngettext
from bot.replies import keyboard, say, settle

log = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files


def too_big_for_telegram(lang: str) -> str:
    return gettext(
        lang,
        "This file is too large: Telegram only gives bots files up to 20 MB. Please send it as "
        "a normal photo (not as a file) – then it gets smaller.",
    )


async def ask_photos(update: Update, context: BotContext) -> None:
    draft = context.active_draft
    lang = lang_of(update, context)
    draft.step = "photos"
    count = len(draft.photos)
    limit = context.config.photo_max_count
    if count:
        await say(
            update,
            context,
            ngettext(
                lang,
                "📷 %(num)d photo received. Send another (at most %(max)s) – or continue.",
                "📷 %(num)d photos received. Send another (at most %(max)s) – or continue.",
                count,
                max=limit,
            ),
            keyboard([[(gettext(lang, "✅ Continue"), "pho|done")]]),
        )
    else:
        await say(
            update,
            context,
            ngettext(
                lang,
                "📷 Do you have a photo? Send up to %(num)d photo – or continue without.",
                "📷 Do you have a photo? Send up to %(num)d photos – or continue without.",
                limit,
            ),
            keyboard([[(gettext(lang, "⏭ Continue without photo"), "pho|skip")]]),
        )


async def on_photo(update: Update, context: BotContext) -> Then:
    """A photo, or an image sent as a file, at any step."""
    message = update.effective_message
    assert message is not None, "a photo or document message"
    lang = lang_of(update, context)
    config = context.config
    item: PhotoSize | Document
    if message.photo:
        item = message.photo[-1]  # the largest size Telegram made
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        item = message.document
    else:
        await say(update, context, gettext(lang, "That is not an image. Please send a photo."))
        return Then.DONE
    size = item.file_size or 0
    if size > TELEGRAM_DOWNLOAD_LIMIT:
        await say(update, context, too_big_for_telegram(lang))
        return Then.ASK_AGAIN
    if size > config.photo_max_bytes:
        await say(
            update,
            context,
            gettext(
                lang,
                "This photo is too large (at most %(mb)s MB). Please send it as a normal "
                "photo, not as a file.",
                mb=config.photo_max_bytes // 2**20,
            ),
        )
        return Then.ASK_AGAIN
    photo = Photo(file_id=item.file_id, unique=item.file_unique_id, size=size)
    draft = context.draft
    if draft is None:
        draft = context.start_draft()
        draft.photos.append(photo)
        await say(update, context, gettext(lang, "📷 Photo saved. Now: what is it about?"))
        return Then.ASK_NEXT
    if any(p.unique == photo.unique for p in draft.photos):
        return Then.ASK_AGAIN
    if len(draft.photos) >= config.photo_max_count:
        limit = config.photo_max_count
        await say(
            update,
            context,
            ngettext(
                lang,
                "At most %(num)d photo per report.",
                "At most %(num)d photos per report.",
                limit,
            ),
        )
        return Then.ASK_AGAIN
    draft.photos.append(photo)
    if draft.step == "photos":
        if len(draft.photos) >= config.photo_max_count:
            draft.photos_done = True
        return Then.ASK_NEXT
    await say(update, context, gettext(lang, "📷 Photo added (%(n)s).", n=len(draft.photos)))
    return Then.ASK_AGAIN


async def on_photos_button(
    update: Update, context: BotContext, query: CallbackQuery, draft: Draft, action: str
) -> Then:
    """``pho|done`` or ``pho|skip``: no more photos."""
    await query.answer()
    draft.photos_done = True
    await settle(query)
    return Then.ASK_NEXT


async def download_photos(update: Update, context: BotContext, draft: Draft) -> list[bytes] | Then:
    """The draft's photos from Telegram, by file id; else, after telling the resident why
    not, what comes next (a photo that cannot be fetched any more is dropped from the draft,
    and the photos asked for again)."""
    lang = lang_of(update, context)
    blobs = []
    for photo in list(draft.photos):
        try:
            file = await context.bot.get_file(photo.file_id)
            blobs.append(bytes(await file.download_as_bytearray()))
        except BadRequest as error:
            log.info("Photo %s cannot be fetched: %s", photo.unique, error)
            draft.photos.remove(photo)
            draft.photos_done = False
            if "too big" in str(error).lower():
                await say(update, context, too_big_for_telegram(lang))
            else:
                await say(
                    update,
                    context,
                    gettext(
                        lang,
                        "I could not fetch a photo from Telegram any more. Please send it again – "
                        "or continue without.",
                    ),
                )
            return Then.ASK_NEXT
        except TelegramError as error:
            log.warning("Telegram file download failed: %s", error)
            await say(
                update,
                context,
                gettext(
                    lang,
                    "⏳ Telegram is not giving me the photos right now. Your report is saved "
                    "– please try again in a moment.",
                ),
                keyboard([[(gettext(lang, "🔄 Try again"), "sum|send")]]),
            )
            return Then.DONE
    return blobs
