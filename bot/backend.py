"""The backend, as the bot sees it: the Open311 GeoReport v2 API and its documented extensions,
over HTTP only, with the bot's own API key. Nothing here imports the backend's code.

The key travels in the ``X-API-Key`` header of every request, never in a URL or a form field:
URLs end up in access logs. A report is posted with an ``Idempotency-Key`` (one per draft, the
same for every attempt), and "nearby" is asked with ``X-Telegram-Chat-Id`` so that the
resident's own reports are left out.

Every request carries the resident's language (the ``locale`` parameter and Accept-Language):
category names, questions, status words, the routing note and refusals come back in it — the
one vocabulary of web, e-mails and bot (German where the city has no text in that language).

Errors: ``BackendUnavailable`` when the backend cannot be reached or fails on its side (the
draft is kept and the resident asked to try again shortly), ``BackendRefused`` when it says no
(the status and its messages, already in the resident's language).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

API = "/open311/v2"
API_KEY_HEADER = "X-API-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
CHAT_HEADER = "X-Telegram-Chat-Id"
CACHE_SECONDS = 300.0


class BackendError(Exception):
    pass


class BackendUnavailable(BackendError):
    """Not reachable, timed out, or a 5xx/429: try again shortly. ``reached`` is False when
    the request certainly never got there (no connection), True when it may have been
    handled although no answer came."""

    def __init__(self, message: str, *, reached: bool = True) -> None:
        super().__init__(message)
        self.reached = reached


@dataclass
class BackendRefused(BackendError):
    status: int
    messages: list[str]

    def __str__(self) -> str:
        return " ".join(self.messages) or f"HTTP {self.status}"


class GeocoderDown(BackendError):
    """The backend is up but its address search is not (503 on geocode)."""


def accept_language(lang: str) -> str:
    """The resident's language first; English, then German, from a backend without it."""
    if lang in ("de", "en"):
        return lang
    return f"{lang}, en;q=0.8, de;q=0.5"


def status_of(request: dict[str, Any]) -> str:
    """A request's status in the backend's words, in the language the bot asked for (the one
    vocabulary of web, e-mails and bot); the bare Open311 status from a backend without them."""
    ext = request.get("extended_attributes") or {}
    return str(ext.get("status_descriptive_name") or request.get("status") or "")


def _messages(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, list):
        return [str(e["description"]) for e in body if isinstance(e, dict) and e.get("description")]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return [str(error["message"])]
        if body.get("description"):
            return [str(body["description"])]
    return []


class Backend:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._client = httpx.AsyncClient(
            base_url=self.base_url + API,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            headers={"User-Agent": "Quartiersmelder-Telegram-Bot/1.0", API_KEY_HEADER: api_key},
        )
        self._cache: dict[tuple, tuple[float, Any]] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- plumbing -----------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        lang: str,
        *,
        params: dict | None = None,
        data: dict | None = None,
        files: list | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> Any:
        # The resident's language, for names, questions, status words, notices and messages:
        # the ``locale`` parameter (it wins at the backend) and Accept-Language.
        params = {"locale": lang, **(params or {})}
        headers = {
            "Accept-Language": accept_language(lang),
            "Accept": "application/json",
            **(headers or {}),
        }
        try:
            response = await self._client.request(
                method, path, params=params, data=data, files=files, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("Backend %s %s failed: %r", method, path, exc)
            reached = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            raise BackendUnavailable(repr(exc), reached=reached) from exc
        if response.status_code in ok:
            try:
                return response.json()
            except ValueError as exc:
                raise BackendUnavailable(f"{path}: answer is not JSON") from exc
        if response.status_code >= 500 or response.status_code == 429:
            if response.status_code == 503 and path == "/geocode.json":
                raise GeocoderDown(" ".join(_messages(response)))
            log.warning("Backend %s %s: HTTP %s", method, path, response.status_code)
            raise BackendUnavailable(f"HTTP {response.status_code}")
        raise BackendRefused(response.status_code, _messages(response))

    async def _cached(self, key: tuple, fetch) -> Any:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        value = await fetch()
        self._cache[key] = (now, value)
        return value

    # -- services -----------------------------------------------------------------------------
    async def services(self, lang: str) -> list[dict[str, Any]]:
        return await self._cached(
            ("services", lang), lambda: self._call("GET", "/services.json", lang)
        )

    async def service_definition(self, code: str, lang: str) -> dict[str, Any]:
        return await self._cached(
            ("service", code, lang), lambda: self._call("GET", f"/services/{code}.json", lang)
        )

    # -- places -------------------------------------------------------------------------------
    async def geocode(self, address: str, lang: str) -> dict[str, Any]:
        return await self._call("GET", "/geocode.json", lang, params={"address": address})

    async def check_location(self, lat: float, lon: float, lang: str) -> dict[str, Any]:
        """``{"inside": bool, "district": …, "message": …}`` — the message to show when the
        point lies outside the city, in the resident's language where the backend has it."""
        answer = await self._call(
            "GET", "/locations/check.json", lang, params={"lat": f"{lat:.7f}", "long": f"{lon:.7f}"}
        )
        return answer if isinstance(answer, dict) else {}

    async def nearby(
        self, code: str, lat: float, lon: float, lang: str, *, chat_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Open reports of this category near the point; with ``chat_id`` without those the
        chat made or supports already (no "me too" on one's own report)."""
        answer = await self._call(
            "GET",
            "/requests/nearby.json",
            lang,
            params={
                "service_code": code,
                "lat": f"{lat:.7f}",
                "long": f"{lon:.7f}",
            },
            headers={CHAT_HEADER: str(chat_id)} if chat_id is not None else None,
        )
        return answer if isinstance(answer, list) else []

    # -- requests -----------------------------------------------------------------------------
    async def create_request(
        self,
        fields: dict[str, Any],
        photos: list[bytes],
        lang: str,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Post a report. Every attempt for the same draft carries the same
        ``idempotency_key`` with the same fields: if an earlier attempt was saved although
        its answer never came, the backend answers that report again instead of a second."""
        data = dict(fields)
        files = [
            ("media", (f"telegram-{n}.jpg", blob, "image/jpeg"))
            for n, blob in enumerate(photos, start=1)
        ]
        answer = await self._call(
            "POST",
            "/requests.json",
            lang,
            data=data,
            files=files or None,
            headers={IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None,
        )
        return answer[0] if isinstance(answer, list) and answer else {}

    async def request(self, reference: str, lang: str) -> dict[str, Any] | None:
        answer = await self._call("GET", f"/requests/{reference}.json", lang)
        return answer[0] if isinstance(answer, list) and answer else None

    async def support(
        self, reference: str, chat_id: int, *, updates: bool, locale: str, lang: str
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            f"/requests/{reference}/supporters.json",
            lang,
            data={
                "telegram_chat_id": str(chat_id),
                "updates": "true" if updates else "false",
                "locale": locale,
            },
        )

    async def reopen(self, reference: str, chat_id: int, comment: str, lang: str) -> Any:
        return await self._call(
            "POST",
            f"/requests/{reference}/reopen.json",
            lang,
            data={"telegram_chat_id": str(chat_id), "comment": comment},
        )

    # -- the resident -------------------------------------------------------------------------
    async def my_requests(self, chat_id: int, lang: str) -> list[dict[str, Any]]:
        answer = await self._call(
            "GET",
            f"/residents/telegram/{chat_id}/requests.json",
            lang,
        )
        return answer if isinstance(answer, list) else []

    async def delete_contact(self, chat_id: int, lang: str) -> int:
        answer = await self._call(
            "POST",
            f"/residents/telegram/{chat_id}/delete.json",
            lang,
        )
        return int(answer.get("deleted", 0)) if isinstance(answer, dict) else 0

    async def set_locale(self, chat_id: int, locale: str, lang: str) -> int:
        """The language of the chat's later status messages, on all its reports and "me too"
        entries; returns how many entries changed."""
        answer = await self._call(
            "POST",
            f"/residents/telegram/{chat_id}/locale.json",
            lang,
            data={"locale": locale},
        )
        return int(answer.get("updated", 0)) if isinstance(answer, dict) else 0
