"""A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api), for tests
that drive the real python-telegram-bot or the backend's telegram sender.

It answers ``POST/GET /bot<token>/<method>`` with the Bot API's envelope
(``{"ok": true, "result": …}``), records every call, keeps the messages each chat was sent,
and can be scripted to fail (``fail_next(method, status, description, retry_after)``);
``observe(method, callback)`` looks at each call while the caller still waits for the answer.

For driving a bot: ``push_update`` queues updates for ``getUpdates``; sent and edited messages
are kept per chat with their current text and keyboard (``current_messages``); ``outputs_to``
lists what the bot did in a chat (send, edit, delete); files registered with ``add_file`` are
served by ``getFile`` and ``GET /file/bot<token>/<file_path>`` (a declared size over 20 MB is
refused by ``getFile`` as Telegram does).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

BOT_TOKEN = "123456:TEST-token-for-the-fake-bot-api"  # noqa: S105 - a fake, local token
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile: "file is too big" above this
OUTPUT_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage")


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]


@dataclass
class ScriptedFailure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_size: int
    file_path: str


@dataclass
class FakeBotState:
    calls: list[Call] = field(default_factory=list)
    sent: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, list[ScriptedFailure]] = field(default_factory=lambda: defaultdict(list))
    updates: list[dict[str, Any]] = field(default_factory=list)
    message_ids: Any = field(default_factory=lambda: itertools.count(1000))
    update_ids: Any = field(default_factory=lambda: itertools.count(1))
    # chat id -> message id -> the message as it is now (text, reply_markup, deleted)
    messages: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    files: dict[str, FakeFile] = field(default_factory=dict)
    file_ids: Any = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)
    new_update: threading.Condition = field(default=None)  # type: ignore[assignment]
    # method -> callbacks that see each call's parameters before it is answered
    observers: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self.new_update = threading.Condition(self.lock)


class FakeTelegram:
    """Start with ``FakeTelegram().start()``; ``.api_url`` is the Bot API base URL."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.state = FakeBotState()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control --------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def base_url(self) -> str:
        """For python-telegram-bot's ``base_url`` (it appends the token)."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_url}/file/bot"

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
    ) -> None:
        with self.state.lock:
            self.state.failures[method].append(ScriptedFailure(status, description, retry_after))

    def observe(self, method: str, callback) -> None:
        """Call ``callback(params)`` on every call of ``method``, before it is answered (the
        caller is still waiting: what it wrote before calling is there, nothing after)."""
        with self.state.lock:
            self.state.observers[method].append(callback)

    def messages_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.sent[str(chat_id)])

    def calls_of(self, method: str) -> list[Call]:
        with self.state.lock:
            return [c for c in self.state.calls if c.method == method]

    def outputs_to(self, chat_id: int | str) -> list[Call]:
        """What the bot did in this chat, in order: sendMessage, edits, deleteMessage."""
        with self.state.lock:
            return [
                c
                for c in self.state.calls
                if c.method in OUTPUT_METHODS and str(c.params.get("chat_id")) == str(chat_id)
            ]

    def current_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The chat's messages from the bot as they look now (edits applied), oldest first."""
        with self.state.lock:
            return [
                dict(m) for m in self.state.messages[str(chat_id)].values() if not m.get("deleted")
            ]

    def add_file(
        self, data: bytes, *, file_size: int | None = None, suffix: str = "jpg"
    ) -> FakeFile:
        """A file the bot can fetch by its ``file_id`` (``file_size`` may claim more)."""
        with self.state.lock:
            n = next(self.state.file_ids)
            item = FakeFile(
                file_id=f"FILE-{n}-{len(data)}",
                file_unique_id=f"U{n}",
                data=data,
                file_size=len(data) if file_size is None else file_size,
                file_path=f"photos/file_{n}.{suffix}",
            )
            self.state.files[item.file_id] = item
            return item

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates`` (``update_id`` is filled in)."""
        with self.state.new_update:
            update = {"update_id": next(self.state.update_ids), **update}
            self.state.updates.append(update)
            self.state.new_update.notify_all()
        return update

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._handle()

            def do_POST(self) -> None:  # noqa: N802
                self._handle()

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                segments = parts.path.strip("/").split("/")
                if len(segments) >= 3 and segments[0] == "file" and segments[1].startswith("bot"):
                    return self._file(unquote(segments[1][3:]), unquote("/".join(segments[2:])))
                if len(segments) != 2 or not segments[0].startswith("bot"):
                    return self._reply(
                        404, {"ok": False, "error_code": 404, "description": "Not Found"}
                    )
                token, method = segments[0][3:], segments[1]
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type", "")
                if body and kind.startswith("application/json"):
                    params.update(json.loads(body))
                elif body and kind.startswith("application/x-www-form-urlencoded"):
                    params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
                status, payload = fake._dispatch(token, method, params)
                self._reply(status, payload)

            def _file(self, token: str, path: str) -> None:
                with fake.state.lock:
                    fake.state.calls.append(Call(token, "file", {"file_path": path}))
                    found = next(
                        (f for f in fake.state.files.values() if f.file_path == path), None
                    )
                if token != fake.token or found is None:
                    return self._reply(
                        404, {"ok": False, "error_code": 404, "description": "Not Found"}
                    )
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(found.data)))
                self.end_headers()
                self.wfile.write(found.data)

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (e.g. a bot process killed mid-poll)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self.state.new_update:
                self.state.new_update.notify_all()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- the API --------------------------------------------------------------------------
    def _dispatch(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        # Form-encoded calls (python-telegram-bot) carry objects as JSON text.
        for name in ("reply_markup", "commands", "scope"):
            if isinstance(params.get(name), str):
                with contextlib.suppress(ValueError):
                    params[name] = json.loads(params[name])
        with self.state.lock:
            self.state.calls.append(Call(token, method, params))
            if token != self.token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            queued = self.state.failures.get(method)
            if queued:
                failure = queued.pop(0)
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.status,
                    "description": failure.description,
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return failure.status, body
            observers = list(self.state.observers.get(method, ()))
        for callback in observers:
            callback(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 200, {"ok": True, "result": True}  # setMyCommands, deleteWebhook, …
        result = handler(params)
        if isinstance(result, dict) and "__error__" in result:
            return 400, {"ok": False, "error_code": 400, "description": result["__error__"]}
        return 200, {"ok": True, "result": result}

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Quartiersmelder",
            "username": "quartiersmelder_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = str(params["chat_id"])
        with self.state.lock:
            message = {
                "message_id": next(self.state.message_ids),
                "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"},
                "text": params.get("text", ""),
            }
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # a Message only carries inline keyboards
            self.state.sent[chat_id].append({**params, "message_id": message["message_id"]})
            self.state.messages[chat_id][message["message_id"]] = {
                **message,
                "sent_reply_markup": markup,
            }
        return message

    def _edit(self, params: dict[str, Any], **changes: Any) -> tuple[int, dict] | dict:
        chat_id = str(params.get("chat_id"))
        with self.state.lock:
            message = self.state.messages[chat_id].get(int(params.get("message_id") or 0))
            if message is None or message.get("deleted"):
                return {"__error__": "Bad Request: message to edit not found"}
            markup = params.get("reply_markup")
            new = {**message, **changes}
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                new["reply_markup"] = markup
            else:
                new.pop("reply_markup", None)
            if new.get("text") == message.get("text") and new.get("reply_markup") == message.get(
                "reply_markup"
            ):
                return {
                    "__error__": "Bad Request: message is not modified: specified new "
                    "message content and reply markup are exactly the same"
                }
            new["edit_date"] = int(time.time())
            self.state.messages[chat_id][message["message_id"]] = new
            return {k: v for k, v in new.items() if k != "sent_reply_markup"}

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._edit(params, text=params.get("text", ""))

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._edit(params)

    def _m_deleteMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = str(params.get("chat_id"))
        with self.state.lock:
            message = self.state.messages[chat_id].get(int(params.get("message_id") or 0))
            if message is None or message.get("deleted"):
                return {"__error__": "Bad Request: message to delete not found"}
            message["deleted"] = True
        return True

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        with self.state.lock:
            found = self.state.files.get(str(params.get("file_id")))
        if found is None:
            return {"__error__": "Bad Request: invalid file_id"}
        if found.file_size > DOWNLOAD_LIMIT:
            return {"__error__": "Bad Request: file is too big"}
        return {
            "file_id": found.file_id,
            "file_unique_id": found.file_unique_id,
            "file_size": found.file_size,
            "file_path": found.file_path,
        }

    def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self.state.new_update:
            if offset:  # as Telegram: an offset confirms (forgets) every update before it
                self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
            while True:
                pending = [u for u in self.state.updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._server is None:
                    return pending
                self.state.new_update.wait(remaining)


@pytest.fixture
def fake_telegram():
    """A started fake Bot API on 127.0.0.1, stopped after the test."""
    server = FakeTelegram().start()
    try:
        yield server
    finally:
        server.stop()
