"""Conversation state survives a restart — also a crash: each step is committed to the state
file before the bot answers, the file holds only Telegram file ids of photos, and a new
Application with the same file continues where the resident was. Polling, as in production."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram.ext import PersistenceInput, PicklePersistence

from bot.persistence import SQLitePersistence
from tests.bot.conftest import (
    PHOENIX_SEE,
    copy_state_as_left_by_a_crash,
    read_state,
    snapshot_reports,
)
from tests.bot.support import Chat


def test_polling_and_a_restart_mid_conversation(make_bot, tg, tmp_path, photo):
    first = make_bot("polling")
    chat = Chat(first)
    assert "Worum geht es?" in chat.send("/start")
    chat.tap("Sauberkeit")
    chat.tap("Wilder Müll")
    assert "Ich habe verstanden" in chat.send("Borsigplatz")
    assert "Haben Sie ein Foto?" in chat.tap("Ja, stimmt")
    reply = chat.photo(photo)
    assert "1 Foto da" in reply

    # What is on disk right now, written during the conversation — as a crash would leave it.
    state_file = first.config.state_file
    draft = read_state(state_file)["chat_data"][4242]["draft"]
    assert draft["code"] == "wilder-muell" and draft["step"] == "photos"
    assert draft["photos"] == [
        {"file_id": photo.file_id, "unique": photo.file_unique_id, "size": photo.file_size}
    ]
    on_disk = b"".join(p.read_bytes() for p in state_file.parent.glob(state_file.name + "*"))
    assert photo.data not in on_disk  # file ids only, never photo bytes
    crashed = copy_state_as_left_by_a_crash(state_file, tmp_path / "as-left-by-a-crash.sqlite3")
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
    aside = list(bot_config.state_file.parent.glob("bot-state.sqlite3.broken-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"not a pickle at all"
    assert "draft" in read_state(bot_config.state_file)["chat_data"][4242]


def test_each_step_is_on_disk_before_the_resident_sees_its_question(make_bot, tg, bot_config):
    """The state is written before the answer is sent: a kill at any moment after the
    question left can never make the bot expect an earlier step than the resident sees."""
    on_disk_when_asked = []

    def on_send(params):
        if "Mastnummer" in params.get("text", ""):
            state = read_state(bot_config.state_file)
            on_disk_when_asked.append(state["chat_data"][4242]["draft"])

    tg.observe("sendMessage", on_send)
    chat = Chat(make_bot())
    chat.send("/start")
    chat.tap("Beleuchtung")
    chat.tap("Straßenlaterne aus")
    assert "Mastnummer" in chat.location(*PHOENIX_SEE)
    (draft,) = on_disk_when_asked
    assert draft["step"] == "attribute" and draft["code"] == "laterne-aus"
    assert (draft["lat"], draft["long"]) == PHOENIX_SEE


def test_the_old_pickle_state_file_is_taken_over(make_bot, bot_config, tmp_path):
    """A state file of the earlier format (python-telegram-bot's pickle) is imported once:
    a half-finished report goes on after the upgrade."""
    old = tmp_path / "old.pickle"
    draft = {
        "step": "photos",
        "code": "wilder-muell",
        "service_name": "Wilder Müll",
        "group": "Sauberkeit",
        "attrs_def": [],
        "attributes": {},
        "attr_pos": 0,
        "attrs_done": True,
        "photos": [],
        "lat": 51.5235,
        "long": 7.4837,
        "address": "Borsigplatz",
        "nearby_key": "wilder-muell|51.523500|7.483700",
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    write_old_state_file(old, {4242: {"draft": draft}}, {4242: {"lang": "en"}})

    chat = Chat(make_bot(state_file=old))
    reply = chat.tap_data(
        {"message_id": 1, "date": 0, "chat": {"id": 4242, "type": "private"}}, "pho|skip"
    )
    assert "describe" in reply  # English, as chosen before the upgrade
    assert list(tmp_path.glob("old.pickle.imported-*"))
    assert read_state(old)["chat_data"][4242]["draft"]["photos_done"] is True


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


def test_the_old_default_state_file_is_taken_over_by_the_new_one(tmp_path):
    old = write_old_state_file(
        tmp_path / "bot-state.pickle", {7: {"pending": {"kind": "reopen", "id": "DO-1"}}}, {}
    )
    new = tmp_path / "bot-state.sqlite3"
    persistence = SQLitePersistence(new, legacy_file=old)
    assert asyncio.run(persistence.get_chat_data()) == {
        7: {"pending": {"kind": "reopen", "id": "DO-1"}}
    }
    persistence.close()
    assert not old.exists() and len(list(tmp_path.glob("bot-state.pickle.imported-*"))) == 1
    again = SQLitePersistence(new, legacy_file=old)
    assert set(asyncio.run(again.get_chat_data())) == {7}
    again.close()


def write_old_state_file(path, chat_data, user_data):
    """A state file as the bot wrote it before (python-telegram-bot's PicklePersistence)."""

    async def write():
        writer = PicklePersistence(path, store_data=PersistenceInput(bot_data=False))
        for chat_id, data in chat_data.items():
            await writer.update_chat_data(chat_id, data)
        for user_id, data in user_data.items():
            await writer.update_user_data(user_id, data)
        await writer.flush()

    asyncio.run(write())
    return path
