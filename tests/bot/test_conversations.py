"""Whole conversations with the real bot application against the real backend: one per
category group, by shared location, venue or typed address, with and without photos, "me too"
instead of a duplicate, cancelling and changing."""

from __future__ import annotations

import pytest

from tests.bot.conftest import (
    BORSIGPLATZ,
    FRIEDENSPLATZ,
    PHOENIX_SEE,
    snapshot_reports,
)
from tests.bot.support import Chat


def only_report():
    (report,) = snapshot_reports()
    return report


def test_sauberkeit_by_typed_address_with_photo(chat, photo):
    reply = chat.send("/start")
    assert "Worum geht es?" in reply
    assert reply.buttons()[:3] == ["Sauberkeit", "Beleuchtung", "Unsicherer Ort"]
    reply = chat.tap("Sauberkeit")
    assert "Papierkorb voll" in reply.buttons() and "⬅️ Zurück" in reply.buttons()
    reply = chat.tap("Papierkorb voll")
    assert "Kategorie: Papierkorb voll ✓" in reply
    assert "Wo ist es?" in reply
    share, cancel = reply.reply_keyboard()
    assert share["request_location"] is True and cancel["text"] == "❌ Abbrechen"

    reply = chat.send("Friedensplatz 1")
    assert "Ich habe verstanden" in reply and "Friedensplatz 1, 44135 Dortmund" in reply
    assert "Innenstadt-West" in reply
    reply = chat.tap("Ja, stimmt")
    assert "Haben Sie ein Foto?" in reply
    reply = chat.photo(photo)
    assert "1 Foto da" in reply
    reply = chat.tap("Weiter")
    assert "beschreiben" in reply
    reply = chat.send("Quillt seit Tagen über")
    assert "📋 Ihre Meldung" in reply
    assert "Kategorie: Papierkorb voll" in reply and "Fotos: 1" in reply
    assert "Beschreibung: Quillt seit Tagen über" in reply
    assert "Nachrichten zum Stand hier im Chat: ja" in reply
    assert reply.buttons()[:3] == ["✅ Senden", "✏️ Ändern", "❌ Abbrechen"]

    reply = chat.tap("Senden")
    report = only_report()
    assert f"Vorgangsnummer: {report.reference}" in reply
    assert f"https://melder.example.org/r/{report.reference}" in reply
    assert "EDG" in reply  # where it went (the backend's service notice)
    assert report.category == "papierkorb-voll"
    assert (report.lat, report.lon) == pytest.approx(FRIEDENSPLATZ, abs=1e-4)
    assert report.address.startswith("Friedensplatz")
    assert report.description == "Quillt seit Tagen über"
    assert report.photos == 1
    assert report.channel == "telegram"
    assert (report.chat_id, report.wants_updates, report.locale) == ("4242", True, "de")
    # The draft is gone: another tap on the old summary does nothing.
    assert chat.tap_data(*chat_summary(chat)).toasts == [
        "Dieser Knopf ist nicht mehr aktiv – bitte die neueste Nachricht nutzen."
    ]


def chat_summary(chat):
    for message in reversed(chat.fake.current_messages(chat.chat_id)):
        if "📋 Ihre Meldung" in message.get("text", ""):
            return message, "sum|send"
    raise AssertionError("no summary")


def test_beleuchtung_by_shared_location_with_mast_number(chat):
    chat.send("/start")
    chat.tap("Beleuchtung")
    reply = chat.tap("Straßenlaterne aus")
    assert "Wo ist es?" in reply
    reply = chat.location(*PHOENIX_SEE)
    assert "📍 Ort übernommen." in reply
    assert "Mastnummer" in reply and "Plakette" in reply  # the question and its help
    assert reply.buttons() == ["⏭ Überspringen"]
    reply = chat.send("123-456")
    assert "Haben Sie ein Foto?" in reply
    chat.tap("Ohne Foto weiter")
    reply = chat.tap("Überspringen")
    assert "Mastnummer: 123-456" in reply and "Fotos: 0" in reply
    chat.tap("Senden")
    report = only_report()
    assert report.category == "laterne-aus"
    assert report.attributes == {"mast_number": "123-456"}
    assert (report.lat, report.lon) == pytest.approx(PHOENIX_SEE, abs=1e-6)
    assert report.photos == 0 and report.description == ""


def test_unsicherer_ort_with_110_notice_time_and_reasons(chat):
    chat.send("/start")
    reply = chat.tap("Unsicherer Ort")  # the group has one category: chosen at once
    assert "Kategorie: Unsicherer Ort (Angstraum) ✓" in reply
    assert "Notruf 110" in reply
    assert "Wo ist es?" in reply
    reply = chat.venue(*BORSIGPLATZ, "Borsigplatz", "Borsigplatz, 44145 Dortmund")
    assert "Wann fühlen Sie sich dort unsicher?" in reply
    assert "nachts" in reply.buttons() and "⏭ Überspringen" not in reply.buttons()  # required

    reply = chat.tap("nachts")
    assert "✓ nachts" in reply
    assert "Warum?" in reply
    assert "▫️ zu dunkel" in reply.buttons() and "✅ Fertig" in reply.buttons()
    reply = chat.tap("Fertig")  # nothing chosen yet: required
    assert reply.toasts == ["Bitte wählen Sie mindestens eins aus."]
    reply = chat.tap("zu dunkel")
    assert "☑️ zu dunkel" in reply.buttons()
    chat.tap("menschenleer")
    chat.tap("Belästigung")
    reply = chat.tap("☑️ Belästigung")  # tapped again: off
    assert "▫️ Belästigung" in reply.buttons()
    reply = chat.tap("Fertig")
    assert "✓ zu dunkel, menschenleer" in reply
    chat.tap("Ohne Foto weiter")
    reply = chat.send("Unterführung ohne Licht")
    assert "Wann fühlen Sie sich dort unsicher?: nachts" in reply
    assert "zu dunkel, menschenleer" in reply
    chat.tap("Senden")
    report = only_report()
    assert report.category == "unsicherer-ort"
    assert report.attributes == {"time_of_day": "night", "reasons": ["dark", "deserted"]}
    assert (report.lat, report.lon) == pytest.approx(BORSIGPLATZ, abs=1e-6)


def test_gruenflaeche_typed_address_without_photo_in_english(bot):
    chat = Chat(bot, chat_id=5151, lang="en")
    reply = chat.send("/start")
    assert "What is it about?" in reply
    assert "Parks, playgrounds, trees" in reply.buttons()
    chat.tap("Parks, playgrounds, trees")
    reply = chat.tap("Playground")
    assert "Where is it?" in reply
    reply = chat.send("Borsigplatz")
    assert "I understood" in reply and "Borsigplatz" in reply
    chat.tap("Yes, that's right")
    reply = chat.tap("Continue without photo")
    assert "describe" in reply
    chat.tap("Skip")
    reply = chat.tap("Send")
    report = only_report()
    assert f"Reference: {report.reference}" in reply
    assert report.category == "spielplatz" and report.photos == 0
    assert (report.chat_id, report.locale) == ("5151", "en")


def test_strasse_location_first_then_category(chat, tg):
    reply = chat.location(*FRIEDENSPLATZ)  # no /start: the place first is fine too
    assert "Ort übernommen" in reply and "Worum geht es?" in reply
    chat.tap("Straße, Gehweg, Radweg")
    reply = chat.tap("Schlagloch / Straßenschaden")
    assert "Haben Sie ein Foto?" in reply  # the place is known already
    two = [tg.add_file(b) for b in (jpeg_bytes((800, 600)), jpeg_bytes((600, 800)))]
    chat.photo(two[0])
    reply = chat.photo(two[1])
    assert "2 Fotos da" in reply
    chat.tap("Weiter")
    chat.send("Tiefes Loch vor dem Rathaus")
    chat.tap("Senden")
    report = only_report()
    assert report.category == "strassenschaden" and report.photos == 2


def jpeg_bytes(size):
    from tests.bot.conftest import jpeg

    return jpeg(size)


def test_photo_first_then_the_rest(chat, photo):
    reply = chat.photo(photo)
    assert "Foto gespeichert" in reply and "Worum geht es?" in reply
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    reply = chat.location(*FRIEDENSPLATZ)
    assert "1 Foto da" in reply
    chat.tap("Weiter")
    chat.tap("Überspringen")
    chat.tap("Senden")
    assert only_report().photos == 1


def test_me_too_instead_of_a_duplicate(chat, make_report):
    existing = make_report("papierkorb-voll", (51.51362, 7.46535))
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    reply = chat.location(*FRIEDENSPLATZ)
    assert "Ganz in der Nähe wurde schon etwas gemeldet" in reply
    assert existing.reference in reply and " m · " in reply
    assert reply.buttons() == [
        f"👍 Das ist mein Problem auch ({existing.reference})",
        "➕ Nein, etwas anderes melden",
    ]
    reply = chat.tap("Das ist mein Problem auch")
    assert f"Sie unterstützen jetzt {existing.reference}" in reply
    reports = snapshot_reports()
    assert len(reports) == 1  # no duplicate
    assert reports[0].supporters == [("4242", True, "de")]
    assert "Es läuft gerade nichts" in chat.send("/abbrechen")  # the draft is gone


def test_nearby_but_something_else(chat, make_report):
    make_report("papierkorb-voll", FRIEDENSPLATZ)
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    chat.location(*FRIEDENSPLATZ)
    reply = chat.tap("Nein, etwas anderes melden")
    assert "Haben Sie ein Foto?" in reply
    chat.tap("Ohne Foto weiter")
    chat.tap("Überspringen")
    chat.tap("Senden")
    assert len(snapshot_reports()) == 2


def test_unsafe_places_show_no_distance(chat, make_report):
    existing = make_report("unsicherer-ort", BORSIGPLATZ)
    chat.send("/start")
    chat.tap("Unsicherer Ort")
    reply = chat.location(*BORSIGPLATZ)
    assert existing.reference in reply
    line = next(x for x in reply.text.splitlines() if existing.reference in x)
    assert " m " not in line + " "  # a sensitive report's distance is not given


def test_cancel_with_the_command_the_button_and_the_keyboard(chat):
    chat.send("/start")
    chat.tap("Sauberkeit")
    reply = chat.send("/abbrechen")
    assert "Abgebrochen – nichts wurde gesendet" in reply
    assert reply.sent[-1]["reply_markup"] == {"remove_keyboard": True}
    assert "Möchten Sie ein Problem melden?" in chat.send("Hallo?")

    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    assert "Abgebrochen" in chat.send("❌ Abbrechen")  # the reply-keyboard button

    chat.send("/start")
    chat.tap("Beleuchtung")
    chat.tap("Lichtmast beschädigt")
    chat.location(*FRIEDENSPLATZ)
    chat.tap("Überspringen")
    chat.tap("Ohne Foto weiter")
    chat.tap("Überspringen")
    reply = chat.tap("❌ Abbrechen")
    assert "Abgebrochen" in reply
    assert snapshot_reports() == []


def test_change_place_category_answers_and_description_before_sending(chat, photo):
    chat.send("/start")
    chat.tap("Beleuchtung")
    chat.tap("Straßenlaterne flackert")
    chat.location(*FRIEDENSPLATZ)
    chat.send("111")
    chat.photo(photo)
    chat.tap("Weiter")
    chat.send("Flackert")

    reply = chat.tap("Ändern")
    assert "Was möchten Sie ändern?" in reply
    assert reply.buttons() == ["Kategorie", "Ort", "Angaben", "Fotos", "Beschreibung", "⬅️ Zurück"]
    reply = chat.tap("Ort")
    assert "Wo ist es?" in reply
    reply = chat.location(*PHOENIX_SEE)
    assert "📋 Ihre Meldung" in reply  # straight back to the summary
    assert "Ort: 51.48860, 7.51260" in reply

    chat.tap("Ändern")
    chat.tap("Kategorie")
    chat.tap("Beleuchtung")
    reply = chat.tap("Straßenlaterne aus")
    assert "Mastnummer" in reply  # the new category's questions
    reply = chat.send("222-333")
    assert "📋 Ihre Meldung" in reply and "Straßenlaterne aus" in reply
    assert "Mastnummer: 222-333" in reply and "Fotos: 1" in reply

    chat.tap("Ändern")
    chat.tap("Beschreibung")
    reply = chat.send("Ganz aus")
    assert "Beschreibung: Ganz aus" in reply

    chat.tap("Ändern")
    reply = chat.tap("Zurück")
    assert "📋 Ihre Meldung" in reply

    reply = chat.tap("Keine Nachrichten zum Stand")
    assert reply.toasts == ["Keine Nachrichten zum Stand."]
    assert "Nachrichten zum Stand hier im Chat: nein" in reply
    reply = chat.tap("Senden")
    assert "/status DO-" in reply
    report = only_report()
    assert report.category == "laterne-aus"
    assert report.attributes == {"mast_number": "222-333"}
    assert (report.lat, report.lon) == pytest.approx(PHOENIX_SEE, abs=1e-6)
    assert report.description == "Ganz aus" and report.photos == 1
    assert report.chat_id is None  # no consent to updates: no chat id kept


def test_change_photos(chat, tg, photo):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Littering")
    chat.location(*FRIEDENSPLATZ)
    chat.photo(photo)
    chat.tap("Weiter")
    chat.tap("Überspringen")
    chat.tap("Ändern")
    reply = chat.tap("Fotos")
    assert "Haben Sie ein Foto?" in reply
    reply = chat.tap("Ohne Foto weiter")
    assert "Fotos: 0" in reply
    chat.tap("Senden")
    assert only_report().photos == 0


def test_back_from_a_group(chat):
    chat.send("/start")
    chat.tap("Sauberkeit")
    reply = chat.tap("Zurück")
    assert "Worum geht es?" in reply and "Beleuchtung" in reply.buttons()
