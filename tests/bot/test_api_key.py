"""The bot sends its API key in the ``X-API-Key`` header of every request to the backend —
never in a URL (access logs print URLs) and never in a form field. Checked on the wire: the
bot's backend client talks to a real local HTTP server that records every request."""

from __future__ import annotations

import asyncio

from bot.backend import Backend
from tests.fakes.webhook_sink import webhook_sink  # noqa: F401 (fixture)

KEY = "qm_the-bots-key-0123456789abcdef"


def test_every_call_carries_the_key_in_the_header_only(webhook_sink):  # noqa: F811
    async def every_call() -> None:
        backend = Backend(webhook_sink.url, KEY, timeout=5.0)
        try:
            await backend.geocode("Friedensplatz 1", "de")
            await backend.nearby("papierkorb-voll", 51.5136, 7.4653, "de")
            await backend.create_request(
                {"service_code": "papierkorb-voll", "lat": "51.5136", "long": "7.4653"},
                [b"\xff\xd8 a photo"],
                "de",
            )
            await backend.request("DO-2026-00001", "de")
            await backend.support("DO-2026-00001", 123456789, updates=True, locale="tr", lang="tr")
            await backend.reopen("DO-2026-00001", 123456789, "Noch immer voll.", "de")
            await backend.my_requests(123456789, "de")
            await backend.delete_contact(123456789, "de")
        finally:
            await backend.aclose()

    asyncio.run(every_call())
    received = webhook_sink.received
    assert [(r.method, r.path.split("?")[0].rsplit("/", 1)[-1]) for r in received] == [
        ("GET", "geocode.json"),
        ("GET", "nearby.json"),
        ("POST", "requests.json"),
        ("GET", "DO-2026-00001.json"),
        ("POST", "supporters.json"),
        ("POST", "reopen.json"),
        ("GET", "requests.json"),
        ("POST", "delete.json"),
    ]
    for request in received:
        assert request.headers.get("x-api-key") == KEY, request.path
        assert "api_key" not in request.path and KEY not in request.path, request.path
        assert b"api_key" not in request.body and KEY.encode() not in request.body, request.path
