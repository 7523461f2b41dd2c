"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

Usage::

    from tests.fakes.smtp import smtp_server  # noqa: F401  (pytest fixture)

    def test_x(smtp_server):            # the app's SMTP_HOST/SMTP_PORT point at it
        smtp_server.stop()              # "down": connections are refused
        smtp_server.start()             # up again, same port
        smtp_server.fail_data = 2       # answer the next two messages with 451
        smtp_server.refuse.add("x@example.invalid")  # 550 for this recipient
        [message] = smtp_server.messages_to("meldungen@edg.example.invalid")

or without pytest: ``with SmtpSink() as sink: ...``. Messages are parsed with the standard
library (``email.policy.default``); ``received`` keeps the envelopes and raw bytes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

__all__ = ["Received", "SmtpSink", "smtp_server"]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """The aiosmtpd handler and its controller; ``stop``/``start`` keep the port."""

    host = "127.0.0.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.fail_data = 0  # answer DATA of the next n messages with a temporary error
        self.refuse: set[str] = set()  # recipients answered with 550
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    # -- aiosmtpd handler hooks ------------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in {a.lower() for a in self.refuse}:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self._lock:
            if self.fail_data > 0:
                self.fail_data -= 1
                return "451 4.3.0 Temporary failure, try again later"
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted"

    # -- control ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        # A fresh controller each time: a stopped one has closed its event loop.
        controller = Controller(
            self, hostname=self.host, port=self.port, server_hostname="localhost", ready_timeout=10
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- reading ------------------------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [item.message for item in self.received]

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            items = list(self.received)
        return [
            item.message for item in items if address.lower() in (r.lower() for r in item.rcpt_tos)
        ]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def clear(self) -> None:
        with self._lock:
            self.received.clear()


@pytest.fixture
def smtp_server(app_ctx, monkeypatch):
    """A running SMTP sink; the app sends its e-mail there (short timeout)."""
    sink = SmtpSink()
    sink.start()
    monkeypatch.setitem(app_ctx.config, "SMTP_HOST", sink.host)
    monkeypatch.setitem(app_ctx.config, "SMTP_PORT", sink.port)
    monkeypatch.setitem(app_ctx.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app_ctx.config, "SMTP_USERNAME", "")
    monkeypatch.setitem(app_ctx.config, "SENDER_TIMEOUT", 5.0)
    try:
        yield sink
    finally:
        sink.stop()
