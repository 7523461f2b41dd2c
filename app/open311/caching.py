"""Conditional GET for the public reads (services, a service's definition, the request list,
one request): an ``ETag`` on every answer, ``If-None-Match`` answered with 304 and no body
while it is current, ``Cache-Control: public`` for a short time, and ``Vary: Accept-Language``
(the language of the texts follows it; format and ``locale`` are in the URL).

The list's answers are also kept in this process for their tag (``remembered`` /
``remember``, the last ``KEPT_ANSWERS``): the tag covers everything the body is made of, so a
client asking the same page again without a tag of its own gets the kept bytes after the same
one statement, until a report, an event or the city changes. When something did change, the
page is read again, but each request on it is made anew only where its row changed
(``page_requests``, the last ``KEPT_REQUESTS``): after a new report, the other 49 of the
default page are as they were.

Two kinds of tags. Small answers (services, one request) are built and their body hashed: a
strong tag, exact by construction. The request list is the one that grows with history, so
its tag is weak and made without building it: the question (filters, page, format, language,
host) and ``queries.reports_state()`` — the newest report, the latest change, the latest event
and the city version — so a revalidation costs one statement of index lookups, not the page.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from flask import Response, current_app, request

from app.cities.cache import cached
from app.open311.mapping import current_language, service_requests
from app.open311.params import IF_NONE_MATCH
from app.reports.public_facts import report_facts

REQUESTS_MAX_AGE = 30  # seconds: new reports and status changes show within half a minute
SERVICES_MAX_AGE = 300  # the categories change by an admin's edit only
KEPT_ANSWERS = 64  # list answers kept per process (a page of 200 requests is ~200 kB)
KEPT_REQUESTS = 2000  # requests of list pages kept per process (about 1 kB each)
_KEPT = "qm_open311_kept_answers"
_KEPT_REQUESTS = "open311_kept_requests"
_lock = threading.Lock()


@cache
def _catalogue_digest(translations: str) -> str:
    """The compiled translations: a deployment with new words answers new tags."""
    digest = hashlib.sha256()
    for path in sorted(Path(translations).glob("*/LC_MESSAGES/*.mo")):
        digest.update(path.parent.parent.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def state_tag(*parts: object) -> str:
    """A tag from what the answer is made of (plus the language, host and translations, which
    every answer depends on)."""
    translations = str(Path(current_app.root_path) / "translations")
    key = "\x1f".join(
        str(part)
        for part in (
            _catalogue_digest(translations),
            current_language(),
            request.host_url,
            *parts,
        )
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _cache_headers(response: Response, tag: str, *, weak: bool, max_age: int) -> Response:
    response.set_etag(tag, weak=weak)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Language")
    return response


def is_current(tag: str) -> bool:
    """Whether the client's ``If-None-Match`` holds this tag (weak comparison, ``*`` too)."""
    return IF_NONE_MATCH.read().contains_weak(tag)


def not_modified(tag: str, *, weak: bool, max_age: int) -> Response:
    """304: the client's copy is current (with the headers a 200 would have for caching)."""
    return _cache_headers(Response(status=304), tag, weak=weak, max_age=max_age)


def with_tag(response: Response, tag: str, *, weak: bool, max_age: int) -> Response:
    return _cache_headers(response, tag, weak=weak, max_age=max_age)


def body_tagged(response: Response, *, max_age: int) -> Response:
    """A built answer with a strong tag from its body; 304 instead when the client has it."""
    tag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    if is_current(tag):
        return not_modified(tag, weak=False, max_age=max_age)
    return with_tag(response, tag, weak=False, max_age=max_age)


def _kept() -> OrderedDict[str, tuple[bytes, dict[str, str]]]:
    return current_app.extensions.setdefault(_KEPT, OrderedDict())


def remembered(tag: str) -> Response | None:
    """The list answer kept for this tag, as a new response; None when there is none."""
    with _lock:
        kept = _kept()
        entry = kept.get(tag)
        if entry is None:
            return None
        kept.move_to_end(tag)
    body, headers = entry
    return Response(body, headers=headers)


def remember(tag: str, response: Response) -> None:
    """Keep a built list answer (body and headers) for its tag, the oldest dropped first."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    with _lock:
        kept = _kept()
        kept[tag] = (response.get_data(), headers)
        kept.move_to_end(tag)
        while len(kept) > KEPT_ANSWERS:
            kept.popitem(last=False)


def _kept_requests() -> OrderedDict[tuple[Any, ...], dict[str, Any]]:
    """Kept with the city's cached data: dropped with it when the city changes."""
    return cached(_KEPT_REQUESTS, OrderedDict)


def page_requests(rows: Sequence[Sequence[Any]], *, extensions: bool) -> list[dict[str, Any]]:
    """The requests of a page read as rows (``queries.RequestPage.rows``), in their order.
    Each is kept under its row — every column of the report its public view is made of, its
    released photos, copies, public events and supporters — with what else it depends on: the
    language, the extensions flag and the address the links start with; and with the city's
    cached data (names, departments, rules), so a change of the city drops them all. A row
    that changed is a new key, so only the requests of changed reports are made anew; they
    are made together (one public view of them all)."""
    context = (current_language(), extensions, request.root_url)
    keys = [(context, tuple(row)) for row in rows]
    found: list[dict[str, Any] | None] = []
    kept = _kept_requests()
    with _lock:
        for key in keys:
            entry = kept.get(key)
            if entry is not None:
                kept.move_to_end(key)
            found.append(entry)
    missing = [i for i, entry in enumerate(found) if entry is None]
    if missing:
        made = service_requests(
            report_facts([rows[i] for i in missing]),
            extensions=extensions,
            supporters={rows[i][0]: rows[i][-1] for i in missing},
        )
        with _lock:
            for i, request_ in zip(missing, made, strict=True):
                found[i] = kept[keys[i]] = request_
            while len(kept) > KEPT_REQUESTS:
                kept.popitem(last=False)
    return found  # type: ignore[return-value]  # every entry filled in above


def forget_answers() -> None:
    """Drop the kept list answers and requests of this process (the benchmark measures
    building them)."""
    with _lock:
        _kept().clear()
        _kept_requests().clear()
