"""Every unexpected or bad input gets a helpful answer (never silence); the backend being down
keeps the draft; limits of Telegram and of the backend are explained; one user cannot flood."""

from __future__ import annotations

import pytest
from telegram import Update

from tests.bot.conftest import BOCHUM_HBF, FRIEDENSPLATZ, jpeg, snapshot_reports
from tests.bot.support import Chat
from tests.fakes.nominatim import GazetteerEntry


def to_summary(chat, group="Sauberkeit", category="Papierkorb voll", place=FRIEDENSPLATZ):
    chat.send("/start")
    chat.tap(group)
    chat.tap(category)
    chat.location(*place)
    chat.tap("Ohne Foto weiter")
    return chat.tap("Überspringen")


def test_a_typed_address_outside_the_city(chat, geocoding):
    # Inside the geocoder's search box, outside the city boundary.
    geocoding.add_place(
        GazetteerEntry(
            "Schwerte Markt",
            51.4447,
            7.5653,
            {"road": "Markt", "city": "Schwerte", "postcode": "58239", "country_code": "de"},
        )
    )
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    reply = chat.send("Bochum Hauptbahnhof")  # outside the search box: not found at all
    assert "Ich habe „Bochum Hauptbahnhof“ nicht gefunden" in reply
    reply = chat.send("Schwerte Markt")
    assert "außerhalb von Dortmund" in reply  # the backend's words
    assert "Bitte eine andere Adresse – oder den Standort senden." in reply
    assert reply.reply_keyboard()[0]["request_location"] is True
    reply = chat.send("Friedensplatz 1")
    assert "Ich habe verstanden" in reply


def test_an_address_that_is_not_found_and_a_geocoder_outage(chat, geocoding):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    reply = chat.send("Nirgendwostraße 99")
    assert "Ich habe „Nirgendwostraße 99“ nicht gefunden" in reply
    geocoding.mode = "down"
    reply = chat.send("Friedensplatz 1")
    assert "Die Adresssuche ist gerade nicht erreichbar" in reply
    reply = chat.location(*FRIEDENSPLATZ)  # the way that always works
    assert "Haben Sie ein Foto?" in reply


def test_no_means_type_again(chat):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    chat.send("Rathaus")
    reply = chat.tap("Nein, neu eingeben")
    assert "genauer" in reply
    reply = chat.send("Borsigplatz")
    assert "Borsigplatz" in reply and "Stimmt das?" in reply


def test_a_shared_location_outside_the_city_is_refused_at_once(chat):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    reply = chat.location(*BOCHUM_HBF)
    assert "außerhalb von Dortmund" in reply and "km" in reply  # the backend's words
    assert "Bitte senden Sie einen Ort in der Stadt" in reply
    assert "Ort übernommen" not in reply and "Foto" not in reply
    assert reply.reply_keyboard()[0]["request_location"] is True  # asked again
    reply = chat.send("Friedensplatz 1")  # an address works as well as a location
    assert "Ich habe verstanden" in reply
    chat.tap("Ja, stimmt")
    chat.tap("Ohne Foto weiter")
    reply = chat.tap("Überspringen")
    assert "📋 Ihre Meldung" in reply and "Friedensplatz 1" in reply
    assert "Vorgangsnummer" in chat.tap("Senden")
    assert len(snapshot_reports()) == 1


def test_a_location_outside_the_city_as_the_first_message(chat):
    reply = chat.location(*BOCHUM_HBF)
    assert "außerhalb von Dortmund" in reply and "Worum geht es?" not in reply
    reply = chat.location(*FRIEDENSPLATZ)
    assert "Ort übernommen. Jetzt noch: Worum geht es?" in reply
    chat.tap("Sauberkeit")
    reply = chat.tap("Papierkorb voll")
    assert "Haben Sie ein Foto?" in reply  # the place is not asked again


def test_the_boundary_check_in_the_residents_language_and_during_an_outage(chat, backend):
    chat.lang = "en"
    chat.send("/start")
    chat.tap("Cleanliness")
    chat.tap("Litter bin full")
    backend.stop()
    reply = chat.location(*BOCHUM_HBF)
    assert "cannot be reached" in reply and reply.buttons() == ["🔄 Try again"]
    backend.start()
    reply = chat.tap("Try again")
    assert "outside Dortmund" in reply and "Please send a place in the city" in reply
    reply = chat.location(*FRIEDENSPLATZ)
    assert "📍 Got the place." in reply and "photo" in reply


def test_unknown_commands(chat):
    reply = chat.send("/foo")
    assert reply.texts == ["Diesen Befehl kenne ich nicht. /hilfe zeigt alle Befehle."]
    chat.send("/start")
    reply = chat.send("/quatsch")
    assert "Diesen Befehl kenne ich nicht" in reply
    assert "Worum geht es?" in reply  # and the current question again


@pytest.mark.parametrize("where", ["category", "nearby", "attribute", "photos", "summary"])
def test_unexpected_text_at_a_button_step(chat, make_report, where):
    chat.send("/start")
    if where == "category":
        reply = chat.send("Da liegt Müll")
        assert "Bitte wählen Sie oben eine Kategorie per Knopf." in reply
        assert "Sauberkeit" in reply.buttons()
        return
    if where == "nearby":
        make_report("papierkorb-voll", FRIEDENSPLATZ)
        chat.tap("Sauberkeit")
        chat.tap("Papierkorb voll")
        chat.location(*FRIEDENSPLATZ)
        reply = chat.send("hm?")
        assert "Bitte tippen Sie auf einen der Knöpfe." in reply
        assert "➕ Nein, etwas anderes melden" in reply.buttons()
        return
    if where == "attribute":
        chat.tap("Unsicherer Ort")
        chat.location(*FRIEDENSPLATZ)
        reply = chat.send("abends so gegen 22 Uhr")
        assert "Bitte tippen Sie auf einen der Knöpfe." in reply
        assert "abends" in reply.buttons()
        return
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    chat.location(*FRIEDENSPLATZ)
    if where == "photos":
        reply = chat.send("kein Foto")
        assert "Bitte schicken Sie ein Foto" in reply
        assert reply.buttons() == ["⏭ Ohne Foto weiter"]
        return
    chat.tap("Ohne Foto weiter")
    chat.tap("Überspringen")
    reply = chat.send("ok")
    assert "Bitte tippen Sie „Senden“, „Ändern“ oder „Abbrechen“." in reply
    assert "✅ Senden" in reply.buttons()


def test_stickers_voice_and_edits_get_an_answer(chat):
    assert "Damit kann ich leider nichts anfangen" in chat.sticker()
    chat.send("/start")
    reply = chat.sticker()
    assert "Damit kann ich hier nichts anfangen." in reply and "Worum geht es?" in reply
    edited = chat.message(text="geändert")
    reply = chat.act({"edited_message": {**edited, "edit_date": edited["date"] + 5}})
    assert "Geänderte Nachrichten kann ich nicht übernehmen" in reply


def test_stale_buttons_are_answered(chat):
    chat.send("/start")
    chat.send("?")  # the category buttons come again; the first ones stay in the chat
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    reply = chat.tap("Beleuchtung")  # from the first, older list
    assert reply.toasts == [
        "Dieser Knopf ist nicht mehr aktiv – bitte die neueste Nachricht nutzen."
    ]
    assert reply.texts == []


def test_photos_over_telegrams_and_over_the_bots_limit(chat, tg):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    chat.location(*FRIEDENSPLATZ)
    huge = tg.add_file(b"x", file_size=25 * 1024 * 1024)
    reply = chat.document(huge)
    assert "Telegram gibt Bots nur Dateien bis 20 MB" in reply
    assert "Haben Sie ein Foto?" in reply
    big = tg.add_file(b"x", file_size=12 * 1024 * 1024)
    reply = chat.document(big)
    assert "Dieses Foto ist zu groß (höchstens 10 MB)" in reply
    reply = chat.document(
        tg.add_file(b"%PDF", file_size=4), mime_type="application/pdf", name="x.pdf"
    )
    assert "Das ist kein Bild" in reply


def test_a_photo_the_backend_finds_too_large(chat, tg, app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PHOTO_MAX_BYTES", 2000)
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    chat.location(*FRIEDENSPLATZ)
    chat.photo(tg.add_file(jpeg((1200, 900))))
    chat.tap("Weiter")
    chat.tap("Überspringen")
    reply = chat.tap("Senden")
    assert "Die Fotos sind zu groß für das System der Stadt" in reply
    assert "Haben Sie ein Foto?" in reply
    chat.tap("Ohne Foto weiter")
    reply = chat.tap("Senden")  # description was given already: straight to the summary
    assert "Vorgangsnummer" in reply
    assert snapshot_reports()[0].photos == 0


def test_a_photo_telegram_refuses_to_hand_out(chat, tg):
    claimed_small = tg.add_file(jpeg(), file_size=1000)
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    chat.location(*FRIEDENSPLATZ)
    chat.photo(claimed_small)
    chat.tap("Weiter")
    chat.tap("Überspringen")
    tg.fail_next("getFile", 400, "Bad Request: file is too big")
    reply = chat.tap("Senden")
    assert "20 MB" in reply and "Haben Sie ein Foto?" in reply
    tg.fail_next("getFile", 502, "Bad Gateway")
    chat.photo(claimed_small)
    chat.tap("Weiter")
    reply = chat.tap("Senden")
    assert "Telegram gibt mir die Fotos gerade nicht" in reply
    assert snapshot_reports() == []
    reply = chat.tap("Nochmal versuchen")
    assert "Vorgangsnummer" in reply
    assert snapshot_reports()[0].photos == 1


def test_backend_outage_in_the_middle_keeps_the_draft(chat, backend, photo):
    chat.send("/start")
    chat.tap("Beleuchtung")
    chat.tap("Straßenlaterne aus")
    chat.location(*FRIEDENSPLATZ)
    chat.send("4711")
    chat.photo(photo)
    chat.tap("Weiter")
    chat.send("Seit Montag dunkel")

    backend.stop()
    reply = chat.tap("Senden")
    assert "Der Server der Stadt ist gerade nicht erreichbar" in reply
    assert "Ihre Angaben sind gespeichert" in reply
    assert reply.buttons() == ["🔄 Nochmal versuchen"]
    reply = chat.send("/status DO-2026-00001")
    assert "nicht erreichbar" in reply
    reply = chat.send("/start")  # the draft is still there
    assert "angefangene Meldung" in reply
    reply = chat.tap("Weitermachen")
    assert "Mastnummer: 4711" in reply and "Fotos: 1" in reply

    backend.start()
    reply = chat.tap("Senden")
    assert "Vorgangsnummer" in reply
    (report,) = snapshot_reports()
    assert report.attributes == {"mast_number": "4711"} and report.photos == 1
    assert report.description == "Seit Montag dunkel"


def test_backend_down_from_the_start(chat, backend):
    backend.stop()
    reply = chat.send("/start")
    assert "nicht erreichbar" in reply and reply.buttons() == ["🔄 Nochmal versuchen"]
    assert "nicht erreichbar" in chat.tap("Nochmal versuchen")
    backend.start()
    reply = chat.tap("Nochmal versuchen")
    assert "Worum geht es?" in reply


def test_backend_down_while_choosing_and_geocoding(chat, backend):
    chat.send("/start")
    chat.tap("Sauberkeit")
    backend.stop()
    reply = chat.tap("Papierkorb voll")  # needs the category (cached) and its questions
    assert "Kategorie: Papierkorb voll ✓" in reply
    reply = chat.send("Friedensplatz 1")
    assert "nicht erreichbar" in reply
    reply = chat.location(*FRIEDENSPLATZ)  # the nearby check needs the backend too
    assert "nicht erreichbar" in reply
    backend.start()
    reply = chat.tap("Nochmal versuchen")
    assert "Haben Sie ein Foto?" in reply


def test_flood_limit_per_user(make_bot):
    bot = make_bot(flood_limit=5, flood_window=60.0)
    chat = Chat(bot)
    other = Chat(bot, chat_id=777)
    for _ in range(5):
        assert chat.send("Hallo").texts
    reply = chat.send("Hallo")
    assert reply.texts == [
        "Das waren sehr viele Nachrichten auf einmal. Bitte warten Sie einen Moment."
    ]
    assert chat.send("Hallo").calls == []  # dropped quietly after the warning
    assert other.send("Hallo").texts  # others are not affected


def test_group_chats_are_declined(bot):
    group = Chat(bot, chat_id=999, chat_type="group")
    assert "Bitte schreiben Sie mir direkt" in group.send("/start")
    assert group.send("Hallo zusammen").calls == []


def test_a_replayed_update_is_handled_once(chat, bot):
    chat.send("/start")
    assert "Abgebrochen" in chat.send("/abbrechen")
    # The same update again (polling re-delivers what was not confirmed before a crash).
    before = len(chat.fake.outputs_to(chat.chat_id))
    bot.run(bot.app.process_update(Update.de_json(chat.last_update, bot.app.bot)))
    assert len(chat.fake.outputs_to(chat.chat_id)) == before


def test_description_too_long_and_typed_numbers(chat):
    to_summary(chat)
    chat.tap("Ändern")
    chat.tap("Beschreibung")
    reply = chat.send("x" * 2001)
    assert "Das ist zu lang (höchstens 2000 Zeichen)" in reply
    reply = chat.send("kurz")
    assert "Beschreibung: kurz" in reply
