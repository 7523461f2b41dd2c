"""What a handler knows besides the update: a ``CallbackContext`` with typed access to the
bot's configuration and backend client (``bot_data``), the chat's draft and pending question
(``chat_data``) and the resident's settings (``user_data``).

``chat_data`` and ``user_data`` stay plain data, as the state file stores them. The draft is
read from ``chat_data`` once per update (``context.draft``) and written back by
``store_draft`` — whenever the state is saved (``bot.replies.save``) and after every update
(``bot.router``), so the next update, and the state file, see what the handlers left.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.backend import Backend
from bot.config import BotConfig
from bot.draft import Draft
from bot.flood import FloodLimiter
from bot.i18n import LANGUAGES

PlainData = dict[Any, Any]


class BotContext(CallbackContext[ExtBot[None], PlainData, PlainData, PlainData]):
    def __init__(
        self,
        application: Application[ExtBot[None], BotContext, PlainData, PlainData, PlainData, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._draft: Draft | None = None
        self._draft_read = False
        # A pending language change is sent to the backend once per update at most.
        self.locale_tried = False

    # -- the process ------------------------------------------------------------------------
    @property
    def config(self) -> BotConfig:
        return self.bot_data["config"]

    @property
    def backend(self) -> Backend:
        return self.bot_data["backend"]

    @property
    def flood(self) -> FloodLimiter:
        return self.bot_data["flood"]

    # -- the chat ---------------------------------------------------------------------------
    @property
    def chat_state(self) -> PlainData:
        data = self.chat_data
        assert data is not None, "the guard lets only updates from a chat through"
        return data

    @property
    def draft(self) -> Draft | None:
        if not self._draft_read:
            data = self.chat_state.get("draft")
            self._draft = Draft.from_dict(data) if data is not None else None
            self._draft_read = True
        return self._draft

    @property
    def active_draft(self) -> Draft:
        """The draft a step works on (steps run only while there is one)."""
        draft = self.draft
        assert draft is not None, "a step runs only with a draft"
        return draft

    def start_draft(self) -> Draft:
        """A new draft in place of any earlier one; a pending question is dropped."""
        self._draft = Draft.new()
        self._draft_read = True
        self.chat_state.pop("pending", None)
        self.store_draft()
        return self._draft

    def drop_draft(self) -> bool:
        """Forget the draft (sent, supported or cancelled). Whether there was one."""
        self._draft = None
        self._draft_read = True
        return self.chat_state.pop("draft", None) is not None

    def store_draft(self) -> None:
        """The draft as the handlers left it, back into ``chat_data``."""
        if self._draft_read and self._draft is not None:
            self.chat_state["draft"] = self._draft.to_dict()

    def forget_chat(self) -> None:
        """Everything kept about this chat and user (after the resident deleted their data)."""
        self._draft = None
        self._draft_read = True
        self.chat_state.clear()
        if self.user_data is not None:
            self.user_data.clear()

    @property
    def reopening(self) -> str | None:
        """The report whose "not fixed" comment the resident is asked for."""
        pending = self.chat_state.get("pending")
        if pending and pending.get("kind") == "reopen":
            return str(pending["id"])
        return None

    def ask_reopen_comment(self, reference: str) -> None:
        self.chat_state["pending"] = {"kind": "reopen", "id": reference}

    def drop_pending(self) -> bool:
        """Forget a pending question. Whether there was one."""
        return self.chat_state.pop("pending", None) is not None

    # -- the resident -----------------------------------------------------------------------
    @property
    def user_state(self) -> PlainData:
        data = self.user_data
        assert data is not None, "the guard lets only updates from a user through"
        return data

    @property
    def chosen_language(self) -> str | None:
        chosen = (self.user_data or {}).get("lang")
        return chosen if chosen in LANGUAGES else None

    def choose_language(self, lang: str) -> None:
        self.user_state["lang"] = lang
        self.user_state["locale_pending"] = lang  # until the backend has it too

    @property
    def locale_pending(self) -> str | None:
        """A language the backend has not been told yet."""
        return (self.user_data or {}).get("locale_pending")

    @locale_pending.setter
    def locale_pending(self, lang: str | None) -> None:
        if lang is None:
            self.user_state.pop("locale_pending", None)
        else:
            self.user_state["locale_pending"] = lang

    @property
    def wants_updates(self) -> bool:
        return bool(self.user_state.get("updates", True))

    @wants_updates.setter
    def wants_updates(self, updates: bool) -> None:
        self.user_state["updates"] = updates


def lang_of(update: Update | None, context: BotContext) -> str:
    """The language chosen with /sprache, else Telegram's language of the user, else German."""
    chosen = context.chosen_language
    if chosen is not None:
        return chosen
    user = update.effective_user if update else None
    code = ((user.language_code if user else None) or "").split("-")[0].lower()
    return code if code in LANGUAGES else "de"


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None, "the guard lets only updates from a chat through"
    return chat.id


# The application these handlers run in (the bot schedules no jobs).
BotApplication = Application[ExtBot[None], BotContext, PlainData, PlainData, PlainData, Any]
