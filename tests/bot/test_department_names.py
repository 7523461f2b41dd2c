"""The bot names the responsible department in the resident's language: the backend answers in
the language the bot asks in (locale and Accept-Language), in the confirmation's routing note
and in /status."""

from __future__ import annotations

import pytest

from tests.bot.conftest import FRIEDENSPLATZ, snapshot_reports
from tests.bot.support import Chat

EDG_TR = "EDG Entsorgung Dortmund (atık toplama ve sokak temizliği)"
EDG_DE = "EDG Entsorgung Dortmund GmbH"
# What a resident taps, per language: group, category, no photo, skip, send.
TAPS = {
    "tr": ("Temizlik", "Çöp kutusu dolu", "Fotoğrafsız devam", "Atla", "Gönder"),
    "de": ("Sauberkeit", "Papierkorb voll", "Ohne Foto weiter", "Überspringen", "Senden"),
}


@pytest.mark.parametrize(
    ("lang", "name", "rule", "sent_to"),
    [
        ("tr", EDG_TR, "kural", "Gönderildiği yer"),
        ("de", EDG_DE, "Regel", "Gesendet an"),
    ],
)
def test_the_confirmation_and_status_name_the_department_in_the_language(
    bot, lang, name, rule, sent_to
):
    group, category, no_photo, skip, send = TAPS[lang]
    chat = Chat(bot, chat_id=7373, lang=lang)
    chat.send("/start")
    chat.tap(group)
    chat.tap(category)
    chat.location(*FRIEDENSPLATZ)
    chat.tap(no_photo)
    chat.tap(skip)
    reply = chat.tap(send)
    [notice] = [line for line in reply.text.splitlines() if line.startswith("ℹ️")]
    assert f"→ {name} ({rule}" in notice
    if lang != "de":
        assert EDG_DE not in notice

    status = chat.send(f"/status {snapshot_reports()[-1].reference}")
    assert f"{sent_to}: {name}" in status
