"""Where the bot keeps its conversations: a python-telegram-bot ``BasePersistence`` on a SQLite
file (Python's own ``sqlite3``; no server).

Each chat's ``chat_data`` and each user's ``user_data`` is one row, stored as JSON — the bot
keeps only plain data there (a draft is codes, coordinates, answers and Telegram file ids).
Writing a chat writes that row alone, in its own transaction, so the handlers can save a
step *before* they answer (see ``bot.replies.say``) at the cost of one small write, however
many residents are half-way through a report. A hard kill leaves every committed step in
place (SQLite's write-ahead log); a file that is not a readable database is kept aside and the
bot starts empty instead of refusing to start.

Only chat data, user data and conversations are stored: ``bot_data`` holds the process's
configuration and HTTP client, and the bot does not use arbitrary callback data.

A state file of the bot's earlier format (a pickle of plain dictionaries) is taken over once:
its chats and users are imported and the old file is kept beside it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import pickle
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_data (
    chat_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS user_data (
    user_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    name TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, conversation_key)
);
"""

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]

TABLES = {"chat": ("chat_data", "chat_id"), "user": ("user_data", "user_id")}


def _encode(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _PlainDataUnpickler(pickle.Unpickler):
    """Reads a pickle of dicts, lists, strings and numbers only: never imports or builds
    anything else (the old state file held nothing else)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        return None  # python-telegram-bot's placeholder for its bot: not needed here


def read_legacy_pickle(path: Path) -> dict[str, dict] | None:
    """The chats and users of an old pickle state file, or None if it is not one."""
    try:
        with path.open("rb") as file:
            data = _PlainDataUnpickler(file).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(data, dict) or not {"chat_data", "user_data"} <= data.keys():
        return None
    return {
        "chat": {int(k): v for k, v in (data.get("chat_data") or {}).items()},
        "user": {int(k): v for k, v in (data.get("user_data") or {}).items()},
    }


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot persistence in one SQLite file, one row per chat and per user.

    ``update_interval`` is how often the ``Application`` writes what changed on its own; the
    bot also writes a chat at once whenever it is about to answer it."""

    def __init__(
        self,
        filepath: str | Path,
        *,
        update_interval: float = 60,
        legacy_file: str | Path | None = None,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.filepath = Path(filepath)
        # The old default state file, taken over when the new one does not exist yet.
        self.legacy_file = Path(legacy_file) if legacy_file else None
        self._db: sqlite3.Connection | None = None
        # What each row holds on disk, to skip writes that would change nothing.
        self._written: dict[tuple[str, int], str] = {}

    # -- the file ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.filepath, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            # With the write-ahead log, NORMAL keeps every commit across a crash of the
            # process; only a power cut may lose the last moments.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
            connection.execute("SELECT count(*) FROM chat_data").fetchone()
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.filepath.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.filepath.exists()
            try:
                self._db = self._connect()
            except sqlite3.DatabaseError:
                self._db = self._start_over()
            if fresh and self.legacy_file is not None and self.legacy_file.is_file():
                self._take_over(self.legacy_file)
        return self._db

    def _take_over(self, old: Path) -> None:
        legacy = read_legacy_pickle(old)
        if legacy is None:
            log.warning("Old bot state file %s is unreadable; left as it is", old)
            return
        self._import(self.db, legacy)
        aside = old.with_name(f"{old.name}.imported-{int(time.time())}")
        old.replace(aside)
        log.info(
            "Took over %d chats and %d users from the old state file (kept as %s)",
            len(legacy["chat"]),
            len(legacy["user"]),
            aside,
        )

    def _start_over(self) -> sqlite3.Connection:
        """The file is not a database: keep it aside (taking over an old pickle state file's
        chats if that is what it is) and start with a new one."""
        stamp = int(time.time())
        legacy = read_legacy_pickle(self.filepath)
        suffix = "imported" if legacy is not None else "broken"
        aside = self.filepath.with_name(f"{self.filepath.name}.{suffix}-{stamp}")
        for extra in ("-wal", "-shm"):
            Path(str(self.filepath) + extra).unlink(missing_ok=True)
        self.filepath.replace(aside)
        if legacy is None:
            log.error(
                "Bot state file %s is unreadable; kept as %s, starting with empty state",
                self.filepath,
                aside,
            )
        connection = self._connect()
        if legacy is not None:
            self._import(connection, legacy)
            log.info(
                "Took over %d chats and %d users from the old state file (kept as %s)",
                len(legacy["chat"]),
                len(legacy["user"]),
                aside,
            )
        return connection

    def _import(self, connection: sqlite3.Connection, legacy: dict[str, dict]) -> None:
        now = time.time()
        with self._transaction(connection):
            for kind, rows in legacy.items():
                table, column = TABLES[kind]
                for row_id, data in rows.items():
                    try:
                        text = _encode(data)
                    except (TypeError, ValueError):
                        log.warning("Old state of %s %s is not plain data; left out", kind, row_id)
                        continue
                    connection.execute(
                        f"INSERT OR REPLACE INTO {table} ({column}, data, updated_at) "  # noqa: S608 - fixed names
                        "VALUES (?, ?, ?)",
                        (row_id, text, now),
                    )

    @staticmethod
    @contextlib.contextmanager
    def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- reading ----------------------------------------------------------------------------
    def _load(self, kind: str) -> dict[int, dict[Any, Any]]:
        table, column = TABLES[kind]
        loaded: dict[int, dict[Any, Any]] = {}
        for row_id, text in self.db.execute(f"SELECT {column}, data FROM {table}"):  # noqa: S608 - fixed names
            try:
                data = json.loads(text)
            except ValueError:
                log.error("State of %s %s is unreadable; starting it afresh", kind, row_id)
                continue
            loaded[int(row_id)] = data
            self._written[(kind, int(row_id))] = text
        return loaded

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return self._load("chat")

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return self._load("user")

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}  # not stored: it holds the process's configuration and HTTP client

    async def get_callback_data(self) -> None:
        return None  # not stored: the bot's buttons carry their own data

    async def get_conversations(self, name: str) -> ConversationDict:
        conversations: ConversationDict = {}
        rows = self.db.execute(
            "SELECT conversation_key, state FROM conversations WHERE name = ?", (name,)
        )
        for key, state in rows:
            conversations[tuple(json.loads(key))] = json.loads(state)
        return conversations

    # -- writing ----------------------------------------------------------------------------
    def _write(self, kind: str, row_id: int, data: dict[Any, Any]) -> None:
        text = _encode(data)
        if self._written.get((kind, row_id)) == text:
            return
        table, column = TABLES[kind]
        self.db.execute(
            f"INSERT INTO {table} ({column}, data, updated_at) VALUES (?, ?, ?) "  # noqa: S608 - fixed names
            f"ON CONFLICT ({column}) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (row_id, text, time.time()),
        )
        self._written[(kind, row_id)] = text

    def _drop(self, kind: str, row_id: int) -> None:
        table, column = TABLES[kind]
        self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (row_id,))  # noqa: S608 - fixed names
        self._written.pop((kind, row_id), None)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        self._write("chat", chat_id, data)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        self._write("user", user_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        self._drop("chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self._drop("user", user_id)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        pass  # not stored (see get_bot_data)

    async def update_callback_data(self, data: Any) -> None:
        pass  # not stored (see get_callback_data)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded_key = _encode(list(key))
        if new_state is None:
            self.db.execute(
                "DELETE FROM conversations WHERE name = ? AND conversation_key = ?",
                (name, encoded_key),
            )
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO conversations (name, conversation_key, state) "
                "VALUES (?, ?, ?)",
                (name, encoded_key, _encode(new_state)),
            )

    # -- refreshing and closing -------------------------------------------------------------
    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        pass  # this process is the only writer: what it holds is current

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        pass

    async def flush(self) -> None:
        """At shutdown: every write is already committed; close the file."""
        self.close()
