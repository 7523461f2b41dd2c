"""Photos: kept as Telegram file ids (never their bytes) until the report is sent, then
downloaded from Telegram. A photo sent before /start starts a draft."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Document, PhotoSize, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext, lang_of
from bot.draft import Draft, Photo
from bot.flows import Then
from bot.replies import keyboard, say, settle
from bot.texts import t

log = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files


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
        await say(update, context, t(lang, "not_an_image"))
        return Then.DONE
    size = item.file_size or 0
    if size > TELEGRAM_DOWNLOAD_LIMIT:
        await say(update, context, t(lang, "photo_too_big_telegram"))
        return Then.ASK_AGAIN
    if size > config.photo_max_bytes:
        await say(update, context, t(lang, "photo_too_big", mb=config.photo_max_bytes // 2**20))
        return Then.ASK_AGAIN
    photo = Photo(file_id=item.file_id, unique=item.file_unique_id, size=size)
    draft = context.draft
    if draft is None:
        draft = context.start_draft()
        draft.photos.append(photo)
        await say(update, context, t(lang, "photo_first"))
        return Then.ASK_NEXT
    if any(p.unique == photo.unique for p in draft.photos):
        return Then.ASK_AGAIN
    if len(draft.photos) >= config.photo_max_count:
        await say(update, context, t(lang, "photo_limit", max=config.photo_max_count))
        return Then.ASK_AGAIN
    draft.photos.append(photo)
    if draft.step == "photos":
        if len(draft.photos) >= config.photo_max_count:
            draft.photos_done = True
        return Then.ASK_NEXT
    await say(update, context, t(lang, "photo_added", n=len(draft.photos)))
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
            key = "photo_too_big_telegram" if "too big" in str(error).lower() else "photo_gone"
            await say(update, context, t(lang, key))
            return Then.ASK_NEXT
        except TelegramError as error:
            log.warning("Telegram file download failed: %s", error)
            await say(
                update,
                context,
                t(lang, "telegram_down"),
                keyboard([[(t(lang, "btn_retry"), "sum|send")]]),
            )
            return Then.DONE
    return blobs
