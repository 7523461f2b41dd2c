"""After sending: status changes made in the inbox arrive in the chat (through the backend's
telegram sender, in the resident's language); /status, /meine, "not fixed?", /loeschen,
/sprache, /hilfe, /datenschutz."""

from __future__ import annotations

from app.catalogue.models import Category
from app.core.enums import ReportStatus
from app.extensions import db
from tests.bot.conftest import FRIEDENSPLATZ, PHOENIX_SEE, snapshot_reports
from tests.bot.support import Chat


def report_by_bot(
    chat,
    category=("Sauberkeit", "Papierkorb voll"),
    place=FRIEDENSPLATZ,
    skip="Überspringen",
    no_photo="Ohne Foto weiter",
    send="Senden",
) -> str:
    chat.send("/start")
    for label in category:
        chat.tap(label)
    chat.location(*place)
    chat.tap(no_photo)
    chat.tap(skip)
    chat.tap(send)
    return snapshot_reports()[-1].reference


def test_a_status_change_in_the_inbox_arrives_in_german(chat, inbox, tg):
    reference = report_by_bot(chat)
    before = len(tg.messages_to(4242))
    inbox(reference, ReportStatus.IN_PROGRESS, "EDG ist unterwegs")
    message = tg.messages_to(4242)[before]
    assert message["text"].startswith(f"Ihre Meldung {reference} (Papierkorb voll):")
    assert "Status: In Bearbeitung" in message["text"]
    assert "EDG ist unterwegs" in message["text"]


def test_a_status_change_arrives_in_english(bot, inbox, tg):
    chat = Chat(bot, chat_id=6060, lang="en")
    chat.send("/start")
    chat.tap("Lighting")
    chat.tap("Street light out")
    assert "Mast number" in chat.location(*PHOENIX_SEE)
    chat.send("12-34")
    chat.tap("Continue without photo")
    chat.tap("Skip")
    chat.tap("Send")
    reference = snapshot_reports()[-1].reference
    assert snapshot_reports()[-1].locale == "en"
    before = len(tg.messages_to(6060))
    inbox(reference, ReportStatus.RESOLVED, "Lamp replaced")
    message = tg.messages_to(6060)[before]
    assert message["text"].startswith(f"Your report {reference} (Street light out):")
    assert "Status: Resolved" in message["text"]


def test_no_status_messages_without_consent(chat, inbox, tg):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    chat.location(*FRIEDENSPLATZ)
    chat.tap("Ohne Foto weiter")
    chat.tap("Überspringen")
    chat.tap("Keine Nachrichten zum Stand")
    chat.tap("Senden")
    reference = snapshot_reports()[-1].reference
    before = len(tg.messages_to(4242))
    inbox(reference, ReportStatus.IN_PROGRESS)
    assert len(tg.messages_to(4242)) == before
    # The choice is remembered for the next report ("asked once").
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    chat.location(*PHOENIX_SEE)
    chat.tap("Ohne Foto weiter")
    assert "Nachrichten zum Stand hier im Chat: nein" in chat.tap("Überspringen")


def test_me_too_supporters_hear_of_changes(chat, make_report, inbox, tg):
    existing = make_report("papierkorb-voll", FRIEDENSPLATZ)
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    chat.location(*FRIEDENSPLATZ)
    chat.tap("Das ist mein Problem auch")
    before = len(tg.messages_to(4242))
    inbox(existing.reference, ReportStatus.IN_PROGRESS)
    assert "Status: In Bearbeitung" in tg.messages_to(4242)[before]["text"]


def test_a_language_chosen_later_reaches_the_status_messages(chat, make_report, inbox, tg):
    """/sprache reaches the backend: the status messages of the chat's own report and of the
    one it supports come in the new language."""
    own = report_by_bot(chat)
    supported = make_report("wilder-muell", PHOENIX_SEE)
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    chat.location(*PHOENIX_SEE)
    chat.tap("Das ist mein Problem auch")
    chat.send("/sprache")
    assert "Language: 🇬🇧 English ✓" in chat.tap("English")
    for reference in (own, supported.reference):
        before = len(tg.messages_to(4242))
        inbox(reference, ReportStatus.IN_PROGRESS)
        assert tg.messages_to(4242)[before]["text"].startswith(f"Your report {reference} (")
    assert {r.locale for r in snapshot_reports() if r.chat_id == "4242"} == {"de"}  # the report
    assert [s[2] for s in snapshot_reports()[-1].supporters] == ["en"]


def test_a_language_chosen_during_an_outage_reaches_the_backend_afterwards(
    chat, backend, inbox, tg
):
    reference = report_by_bot(chat)
    backend.stop()
    chat.send("/sprache")
    assert "Dil: 🇹🇷 Türkçe ✓" in chat.tap("Türkçe")  # the choice counts in the chat at once
    backend.start()
    chat.send("/hilfe")  # the next message: the change goes to the backend now
    before = len(tg.messages_to(4242))
    inbox(reference, ReportStatus.IN_PROGRESS)
    assert "numaralı bildiriminiz" in tg.messages_to(4242)[before]["text"]


def test_no_me_too_on_ones_own_report(chat, make_report, backend, tg):
    """The bot sends its chat id with "nearby": the resident's own report is not offered; and
    a "me too" on it all the same (an old button) is answered kindly and the report goes on."""
    own = report_by_bot(chat)
    someone_elses = make_report("papierkorb-voll", FRIEDENSPLATZ)
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    reply = chat.location(*FRIEDENSPLATZ)
    assert someone_elses.reference in reply.text and own not in reply.text
    nearby = reply.sent[-1]
    assert [
        b["callback_data"] for row in nearby["reply_markup"]["inline_keyboard"] for b in row
    ] == [
        f"near|me:{someone_elses.reference}",
        "near|new",
    ]
    message = tg.current_messages(4242)[-1]
    reply = chat.tap_data(message, f"near|me:{own}")  # as if the list had offered it
    assert "Das ging leider nicht" in reply and "your own report" not in reply
    assert "eigene Meldung" in reply  # the backend's reason, in German
    assert "/abbrechen" in reply and "Haben Sie ein Foto?" in reply  # and on it goes
    chat.tap("Ohne Foto weiter")
    chat.tap("Überspringen")
    assert "Vorgangsnummer" in chat.tap("Senden")
    assert [r.supporters for r in snapshot_reports()] == [[], [], []]


def test_status_mine_and_not_fixed(chat, inbox):
    reference = report_by_bot(chat)
    reply = chat.send(f"/status {reference.lower()}")
    assert reference in reply and "Stand: Eingegangen" in reply
    assert f"https://melder.example.org/r/{reference}" in reply
    assert reply.buttons() == []

    inbox(reference, ReportStatus.RESOLVED, "Geleert")
    reply = chat.send("/meine")
    assert "📂 Ihre Meldungen:" in reply
    assert f"• {reference} · Papierkorb voll — Erledigt" in reply
    assert reply.buttons() == [f"🔁 Nicht behoben? ({reference})"]
    reply = chat.send(f"/status {reference}")
    assert "Stand: Erledigt" in reply and "Hinweis der Stadt: „Geleert“" in reply
    assert reply.buttons() == [f"🔁 Nicht behoben? ({reference})"]

    reply = chat.tap("Nicht behoben?")
    assert f"Was ist bei {reference} noch nicht in Ordnung?" in reply
    reply = chat.send("Quillt schon wieder über")
    assert f"{reference} ist wieder geöffnet" in reply
    assert snapshot_reports()[-1].status == "reopened"

    reply = chat.tap("Nicht behoben?")  # the old button once more
    reply = chat.send("Immer noch")
    assert "Das konnte die Stadt so nicht annehmen" in reply  # 409 with the backend's reason


def test_status_without_or_with_a_wrong_reference(chat):
    assert "Bitte mit Vorgangsnummer" in chat.send("/status")
    assert "keine Vorgangsnummer" in chat.send("/status <script>")
    assert "Eine Meldung DO-2026-99999 gibt es nicht." in chat.send("/status DO-2026-99999")
    assert "Sie haben noch nichts gemeldet" in chat.send("/meine")


def test_delete_my_data(chat, inbox, tg):
    reference = report_by_bot(chat)
    reply = chat.send("/loeschen")
    assert "Soll ich Ihre Kontaktdaten" in reply
    assert "Gut, nichts wurde gelöscht." in chat.tap("Nein, behalten")
    assert snapshot_reports()[-1].chat_id == "4242"
    chat.send("/loeschen")
    reply = chat.tap("Ja, löschen")
    assert "Erledigt: 1 Eintrag mit Ihrer Chat-ID wurde gelöscht" in reply
    assert snapshot_reports()[-1].chat_id is None
    assert "Sie haben noch nichts gemeldet" in chat.send("/meine")
    before = len(tg.messages_to(4242))
    inbox(reference, ReportStatus.IN_PROGRESS)
    assert len(tg.messages_to(4242)) == before


def test_language_help_and_privacy(chat):
    assert "/datenschutz" in chat.send("/hilfe")
    assert "Notruf 110" in chat.send("/hilfe")
    privacy = chat.send("/datenschutz").text
    assert "Chat-ID" in privacy and "/loeschen" in privacy and "Standard „ja“" in privacy
    reply = chat.send("/sprache")
    assert reply.buttons() == ["🇩🇪 Deutsch", "🇬🇧 English", "🇹🇷 Türkçe", "🇸🇾 العربية"]
    assert "Language: 🇬🇧 English ✓" in chat.tap("English")
    assert "What is it about?" in chat.send("/start")
    assert "How it works" in chat.send("/help")
    chat.send("/language")
    assert "Dil: 🇹🇷 Türkçe ✓" in chat.tap("Türkçe")
    assert "Bu komutu bilmiyorum" in chat.send("/xyz")
    chat.send("/sprache")
    assert "اللغة" in chat.tap("العربية")
    assert "لا أعرف هذا الأمر" in chat.send("/xyz")


def test_language_from_telegram(bot):
    assert "Merhaba" in Chat(bot, chat_id=11, lang="tr").send("/start")
    assert "مرحبًا" in Chat(bot, chat_id=12, lang="ar").send("/start")
    assert "Hallo" in Chat(bot, chat_id=13, lang="fr").send("/start")
    assert "Hello" in Chat(bot, chat_id=14, lang="en-GB").send("/start")


def test_turkish_report_gets_status_messages(bot, inbox, tg):
    chat = Chat(bot, chat_id=7070, lang="tr")
    assert "Konu nedir?" in chat.send("/start")
    # Category names come from the backend, in Turkish where the city has them, else German.
    category = db.session.execute(
        db.select(Category).where(Category.code == "papierkorb-voll")
    ).scalar_one()
    chat.tap(category.group.name("tr"))
    chat.tap(category.name("tr"))
    chat.location(*FRIEDENSPLATZ)
    chat.tap("Fotoğrafsız devam")
    chat.tap("Atla")
    reply = chat.tap("Gönder")
    assert "Teşekkürler" in reply
    report = snapshot_reports()[-1]
    assert report.locale == "tr" and report.chat_id == "7070"
    before = len(tg.messages_to(7070))
    inbox(report.reference, ReportStatus.IN_PROGRESS)
    assert len(tg.messages_to(7070)) == before + 1
    assert "numaralı bildiriminiz" in tg.messages_to(7070)[-1]["text"]
