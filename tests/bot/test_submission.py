"""A report is filed once, however its sending goes: each draft has its own submission key
(made when the draft starts, kept in the state file), sent as ``Idempotency-Key`` with every
attempt — after an answer that never came, after a restart, after a language switch — and the
next report gets a new one."""

from __future__ import annotations

from app.extensions import db
from app.reports.models import ReporterContact
from tests.bot.conftest import BORSIGPLATZ, FRIEDENSPLATZ, read_state, snapshot_reports
from tests.bot.support import Chat


def to_summary(chat, photo=None, place=FRIEDENSPLATZ, description="Quillt über"):
    chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Papierkorb voll")
    chat.location(*place)
    if photo is not None:
        chat.photo(photo)
        chat.tap("Weiter")
    else:
        chat.tap("Ohne Foto weiter")
    reply = chat.send(description)
    assert "📋 Ihre Meldung" in reply
    return reply


def send_without_an_answer(make_bot, chat, held):
    """'Senden' to a bot that gives up waiting (the backend saves the report, but its answer
    is held back); returns the saved report."""
    chat.runner.stop()
    chat.runner = make_bot(backend_timeout=1.0)
    reply = chat.tap("Senden")
    assert held.saved.wait(60)
    assert "Die Stadt hat noch nicht bestätigt" in reply
    assert "doppelt angelegt wird sie dabei nicht" in reply
    assert reply.buttons() == ["🔄 Nochmal versuchen"]
    (report,) = snapshot_reports()  # saved, although the bot never heard
    held.release.set()
    return report


def test_a_retry_after_a_slow_answer_gets_the_same_report(make_bot, hold_first_post, photo):
    chat = Chat(make_bot())
    to_summary(chat, photo)
    key = read_state(chat.runner.config.state_file)["chat_data"][4242]["draft"]["submission_key"]
    assert len(key) == 36  # a UUID, on disk since the draft started
    report = send_without_an_answer(make_bot, chat, hold_first_post)

    chat.runner.stop()
    chat.runner = make_bot()  # a restart on top: the key is in the state file
    reply = chat.tap("Nochmal versuchen")
    assert f"Vorgangsnummer: {report.reference}" in reply
    assert [r.reference for r in snapshot_reports()] == [report.reference]
    assert snapshot_reports()[0].photos == 1

    to_summary(chat, place=BORSIGPLATZ, description="Noch einer")  # the next report: a new key
    reply = chat.tap("Senden")
    second = snapshot_reports()[-1]
    assert second.reference != report.reference and f"Vorgangsnummer: {second.reference}" in reply
    assert len(snapshot_reports()) == 2


def test_a_language_switch_between_attempts_still_gets_the_same_report(make_bot, hold_first_post):
    chat = Chat(make_bot())
    to_summary(chat)
    report = send_without_an_answer(make_bot, chat, hold_first_post)
    chat.runner.stop()
    chat.runner = make_bot()
    chat.send("/sprache")
    chat.tap("English")
    reply = chat.tap("✅ Send")  # the summary again, now in English
    assert f"Reference: {report.reference}" in reply
    (again,) = snapshot_reports()
    # The report keeps the language it was first sent in; the chat's updates follow the switch.
    assert again.reference == report.reference and again.locale == "de"
    db.session.rollback()
    assert db.session.execute(db.select(ReporterContact.locale)).scalar_one() == "en"
    db.session.rollback()


def test_a_change_after_an_unanswered_send_does_not_file_a_second_report(make_bot, hold_first_post):
    chat = Chat(make_bot())
    to_summary(chat, description="Quillt über")
    report = send_without_an_answer(make_bot, chat, hold_first_post)
    chat.runner.stop()
    chat.runner = make_bot()
    chat.send("/start")
    chat.tap("Weitermachen")
    chat.tap("Ändern")
    chat.tap("Beschreibung")
    assert "📋 Ihre Meldung" in chat.send("Quillt über, seit Tagen")
    reply = chat.tap("Senden")
    assert "Ihre Meldung war schon angekommen, bevor Sie sie geändert haben" in reply
    assert "/meine" in reply
    (only,) = snapshot_reports()
    assert only.reference == report.reference and only.description == "Quillt über"
    assert "Sie haben noch eine angefangene Meldung" not in chat.send("/start")  # draft done
