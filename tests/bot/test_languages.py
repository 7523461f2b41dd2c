"""A resident in Turkish or Arabic: the bot's own words from the catalogue, and the backend's
(category names, status words) in the resident's language too — in the conversation, in
/status and /meine, and in the status messages the backend sends to the chat."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category, CategoryGroup
from app.core.enums import ReportStatus
from app.extensions import db
from tests.bot.conftest import FRIEDENSPLATZ, snapshot_reports
from tests.bot.support import Chat

TURKISH = {"group": "Temizlik", "category": "Çöp kutusu dolu"}
ARABIC = {"group": "النظافة", "category": "سلة المهملات ممتلئة"}


def _name(model, code: str, lang: str, name: str) -> None:
    row = db.session.execute(sa.select(model).where(model.code == code)).scalar_one()
    row.names = {**row.names, lang: name}


@pytest.fixture
def city_names(app_ctx, reseed_city):
    """Turkish and Arabic names for one group and one category, as the city configuration
    gives them (German stays the fallback of everything else)."""
    category = db.session.execute(
        sa.select(Category).where(Category.code == "papierkorb-voll")
    ).scalar_one()
    group_code = category.group.code
    for lang, names in (("tr", TURKISH), ("ar", ARABIC)):
        _name(CategoryGroup, group_code, lang, names["group"])
        _name(Category, "papierkorb-voll", lang, names["category"])
    db.session.commit()


def report_in(chat: Chat, names: dict[str, str], no_photo: str, skip: str, send: str):
    chat.send("/start")
    chat.tap(names["group"])
    chat.tap(names["category"])
    chat.location(*FRIEDENSPLATZ)
    chat.tap(no_photo)
    chat.tap(skip)
    return chat.tap(send)


def test_a_turkish_resident_hears_turkish_throughout(bot, city_names, inbox, tg):
    chat = Chat(bot, chat_id=7171, lang="tr")
    reply = chat.send("/start")
    assert "Konu nedir?" in reply and TURKISH["group"] in reply.buttons()
    reply = report_in(chat, TURKISH, "Fotoğrafsız devam", "Atla", "Gönder")
    assert "Teşekkürler! Bildiriminiz ulaştı." in reply
    [notice] = [line for line in reply.text.splitlines() if line.startswith("ℹ️")]
    assert "Çöp kutusu dolu" in notice and "Regel" not in notice  # the routing note
    report = snapshot_reports()[-1]
    assert (report.locale, report.chat_id) == ("tr", "7171")

    reply = chat.send(f"/status {report.reference}")
    assert "Çöp kutusu dolu" in reply and "Durum: Alındı" in reply

    inbox(report.reference, ReportStatus.IN_PROGRESS)
    message = tg.messages_to(7171)[-1]["text"]
    assert "Çöp kutusu dolu" in message and "İşlemde" in message
    assert "In Bearbeitung" not in message and "In progress" not in message

    reply = chat.send("/mine")
    assert f"{report.reference} · Çöp kutusu dolu — İşlemde" in reply


def test_an_arabic_resident_gets_arabic_status_messages(bot, city_names, inbox, tg):
    chat = Chat(bot, chat_id=7272, lang="ar")
    reply = report_in(chat, ARABIC, "متابعة بدون صورة", "تخطٍّ", "إرسال")
    assert "شكرًا! وصل بلاغك." in reply
    reference = snapshot_reports()[-1].reference
    inbox(reference, ReportStatus.RESOLVED)
    message = tg.messages_to(7272)[-1]["text"]
    assert ARABIC["category"] in message and "تم الحل" in message
    assert "الحالة: تم الحل" in chat.send(f"/status {reference}")
