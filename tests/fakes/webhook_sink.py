"""A real, local HTTP endpoint that receives webhooks (or Open311 POSTs) for offline tests.

Usage::

    from tests.fakes.webhook_sink import webhook_sink  # noqa: F401  (pytest fixture)

    def test_x(webhook_sink):
        webhook_sink.script(500, "hang", 200)   # then the default (200) for every later request
        ...
        assert webhook_sink.idempotency_keys() == {key}

or without pytest: ``with WebhookSink() as sink: ...``.

A ``ThreadingHTTPServer`` on 127.0.0.1 and a free port. Every request is recorded (method,
path, headers, raw body, time) *before* it is answered. Each answer is taken from the script
(first in, first out), then ``default``. An action is one of:

- an HTTP status (``200``, ``500`` …) — 2xx answers ``{"id": "remote-<n>"}``;
- ``Reply(status, body, headers)`` — exactly that (body: bytes, str or JSON data);
- ``"hang"`` — no answer for ``hang_seconds`` (longer than the sender's timeout), then 200;
- ``"block"`` — no answer until ``release()`` (or 30 s), then 200: the request arrived,
  the sender never hears back (a worker killed between sending and recording);
- ``"close"`` — the connection is closed without an answer.

``barrier = n`` makes the first ``n`` requests wait for each other (at most 10 s) before they
are answered: proof that ``n`` senders had requests in flight at the same time.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["Received", "Reply", "WebhookSink", "webhook_sink"]


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        from urllib.parse import parse_qs

        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):  # a client that went away: not our problem
        pass


class WebhookSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.default: Any = 200
        self.hang_seconds = 3.0
        self.delay_seconds = 0.0
        self.barrier = 0
        self.received: list[Received] = []
        self._script: deque[Any] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._released = threading.Event()
        self._barrier_waiting = 0
        self._barrier_open = threading.Event()
        self._server = _Server((host, port), self._handler())
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    # --- control ------------------------------------------------------------------------------

    def script(self, *actions: Any) -> WebhookSink:
        with self._lock:
            self._script.extend(actions)
        return self

    def release(self) -> None:
        """Let ``"block"`` requests answer."""
        self._released.set()

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._script.clear()
        self.default = 200
        self._released.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` requests have arrived (False on timeout)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    def idempotency_keys(self) -> list[str | None]:
        return [r.idempotency_key for r in self.received]

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> WebhookSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._barrier_open.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebhookSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- serving ------------------------------------------------------------------------------

    def _next_action(self) -> Any:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def _record(self, received: Received) -> int:
        with self._arrived:
            self.received.append(received)
            self._arrived.notify_all()
            return len(self.received)

    def _wait_at_barrier(self) -> None:
        with self._lock:
            if self._barrier_waiting >= self.barrier:
                return
            self._barrier_waiting += 1
            if self._barrier_waiting >= self.barrier:
                self._barrier_open.set()
        self._barrier_open.wait(10)

    def _handler(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Head and body are two writes: without this, a kept-alive connection's body
            # waits for the client's delayed ACK (40 ms), as servers in front of partners don't.
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                self._handle()

            def do_GET(self):  # noqa: N802
                self._handle()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                number = sink._record(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.time(),
                    )
                )
                if sink.barrier:
                    sink._wait_at_barrier()
                if sink.delay_seconds:
                    time.sleep(sink.delay_seconds)
                action = sink._next_action()
                if action == "hang":
                    time.sleep(sink.hang_seconds)
                    action = 200
                elif action == "block":
                    sink._released.wait(30)
                    action = 200
                elif action == "close":
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)
                    return
                if isinstance(action, int):
                    action = Reply(
                        action,
                        {"id": f"remote-{number}"} if action < 300 else {"error": "scripted"},
                    )
                self._reply(action)

            def _reply(self, reply: Reply):
                body = reply.body
                content_type = "application/json"
                if isinstance(body, str):
                    body, content_type = body.encode("utf-8"), "text/plain; charset=utf-8"
                elif not isinstance(body, bytes):
                    body = json.dumps(body).encode("utf-8")
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": content_type, **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the sender gave up (timeout) or was killed

        return Handler


@pytest.fixture
def webhook_sink():
    """A started ``WebhookSink``, stopped after the test."""
    with WebhookSink() as sink:
        yield sink
