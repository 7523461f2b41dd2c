"""Conversation state survives a restart — also a crash: the state file is written after each
step (atomically), holds only Telegram file ids of photos, and a new Application with the same
file continues where the resident was. Polling, as in production."""

from __future__ import annotations

import pickle

from tests.bot.conftest import snapshot_reports
from tests.bot.support import Chat


def read_state(path):
    with path.open("rb") as file:
        return pickle.load(file)  # noqa: S301 - our own test file


def test_polling_and_a_restart_mid_conversation(make_bot, tg, tmp_path, photo):
    first = make_bot("polling")
    chat = Chat(first)
    assert "Worum geht es?" in chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    assert "Ich habe verstanden" in chat.send("Borsigplatz")
    assert "Haben Sie ein Foto?" in chat.tap("Ja, stimmt")
    reply = chat.photo(photo)
    assert "1 Foto(s) da" in reply

    # What is on disk right now, written during the conversation — as a crash would leave it.
    state_file = first.config.state_file
    draft = read_state(state_file)["chat_data"][4242]["draft"]
    assert draft["code"] == "wilder-muell" and draft["step"] == "photos"
    assert draft["photos"] == [
        {"file_id": photo.file_id, "unique": photo.file_unique_id, "size": photo.file_size}
    ]
    assert photo.data not in state_file.read_bytes()  # file ids only, never photo bytes
    crashed = tmp_path / "as-left-by-a-crash.pickle"
    crashed.write_bytes(state_file.read_bytes())
    first.stop()

    second = make_bot("polling", state_file=crashed)
    chat.runner = second
    reply = chat.tap("Weiter")  # a button from before the restart still works
    assert "beschreiben" in reply
    reply = chat.send("Sperrmüll an der Ecke")
    assert "Kategorie: Wilder Müll" in reply and "Borsigplatz" in reply and "Fotos: 1" in reply
    assert "Vorgangsnummer" in chat.tap("Senden")
    (report,) = snapshot_reports()
    assert report.category == "wilder-muell" and report.photos == 1


def test_start_after_a_restart_offers_to_continue(make_bot, tmp_path):
    first = make_bot()
    chat = Chat(first)
    chat.send("/start")
    chat.tap("Beleuchtung")
    chat.tap("Lichtmast beschädigt")
    first.stop()
    chat.runner = make_bot()
    reply = chat.send("/start")
    assert "Sie haben noch eine angefangene Meldung" in reply
    assert "Wo ist es?" in chat.tap("Weitermachen")
    chat.send("/start")
    assert "Worum geht es?" in chat.tap("Neu anfangen")


def test_a_damaged_state_file_is_set_aside(make_bot, bot_config):
    bot_config.state_file.write_bytes(b"not a pickle at all")
    chat = Chat(make_bot())
    assert "Worum geht es?" in chat.send("/start")
    aside = list(bot_config.state_file.parent.glob("bot-state.pickle.broken-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"not a pickle at all"
    assert "draft" in read_state(bot_config.state_file)["chat_data"][4242]


def test_no_temporary_files_are_left(make_bot, bot_config):
    chat = Chat(make_bot())
    chat.send("/start")
    chat.tap("Sauberkeit")
    leftovers = [p.name for p in bot_config.state_file.parent.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []


def test_idle_chats_and_month_old_drafts_are_forgotten_at_start(make_bot, bot_config):
    first = make_bot()
    Chat(first, chat_id=1).send("/hilfe")  # nothing going on afterwards
    Chat(first, chat_id=2).send("/start")  # a draft from today
    Chat(first, chat_id=3).send("/start")
    first.app.chat_data[3]["draft"]["started"] = "2020-01-01T10:00:00+01:00"
    first.stop()
    assert set(read_state(bot_config.state_file)["chat_data"]) == {1, 2, 3}
    second = make_bot()
    assert set(second.app.chat_data) == {2}
    second.run(second.app.update_persistence())
    assert set(read_state(bot_config.state_file)["chat_data"]) == {2}
