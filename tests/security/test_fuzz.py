"""Fuzzing both OpenAPI documents — the Open311 API (``/open311/v2/openapi.json``) and the
partner API (``/api/partner/openapi.json``) — with schemathesis: generated requests, valid
(``positive``) and invalid (``negative``) ones, for every operation, with the credentials of
the parties that use them. Not one may end in a server error, and every answer must be one the
document describes (status code, content type, body schema).

Each case is sent as one of several parties: no credentials, the right one, another party's
(partner B's token on EDG's ticket, API key B on the chat of key A) or a made-up one; and its
path parameters are, now and then, real objects (a ticket sent to EDG, open and resolved
reports, the chat of key A), so that generated bodies get past the look-up into the handlers.

Bounded and deterministic: ``FUZZ_CASES`` cases per document (160 by default, which ``make
test`` runs; ``make fuzz`` runs 4000), shared evenly by its operations and both modes; the
examples are derived from the test, not from the clock (``derandomize``), and nothing is
shrunk. The number of cases each document got and the time it took are printed.
"""

from __future__ import annotations

import math
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.db import utcnow
from app.core.enums import Channel, DeliveryStatus, ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.forwarding.models import Delivery
from app.open311.keys import create_api_key
from app.reports.drafts import ContactDraft, ReportDraft
from app.reports.intake import submit_report
from app.reports.queries import report_by_reference
from app.reports.workflow import apply_status

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
CASES = int(os.environ.get("FUZZ_CASES", "160"))
RATHAUS = (51.5136, 7.4653)
NORDSTADT = (51.5235, 7.4837)


def fuzz(app, document: str, prepare) -> tuple[int, list[str]]:
    """``CASES`` generated cases against ``document``; the number run and what failed."""
    schema = schemathesis.openapi.from_wsgi(document, app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{document} describes no operation"
    per_run = max(2, math.ceil(CASES / (len(operations) * len(MODES))))
    ran = 0
    failures: list[str] = []
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for mode in MODES:

            @settings(
                max_examples=per_run,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
            def run(case, data):
                nonlocal ran
                prepare(case, data.draw)
                ran += 1
                case.call_and_validate(checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collect all
                failures.append(f"{label} ({mode.value}): {described(failure)}")
    return ran, failures


def described(failure: BaseException) -> str:
    """The failure with what it groups (Hypothesis reports a failure that did not repeat —
    the database changed in between — as a group around the original)."""
    text = str(failure)
    if isinstance(failure, BaseExceptionGroup):
        text += "".join(f"\n  - {described(inner)}" for inner in failure.exceptions)
    return text


def report(category: str, point, **fields) -> str:
    result = submit_report(
        ReportDraft(
            channel=Channel.WEB, category_code=category, lat=point[0], lon=point[1], **fields
        ),
        Actor("resident", "web"),
    )
    db.session.commit()
    return result.report.reference


def resolve(reference: str) -> None:
    db.session.rollback()
    apply_status(
        report_by_reference(reference), ReportStatus.RESOLVED, Actor("user", "1"), "Erledigt."
    )
    db.session.commit()


def post_through_key(app, key: str, chat: str) -> str:
    client = app.test_client()
    with app.app_context():
        response = client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": "papierkorb-voll",
                "lat": str(RATHAUS[0]),
                "long": str(RATHAUS[1]),
                "telegram_chat_id": chat,
                "updates": "true",
            },
        )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def summary(capsys, name: str, ran: int, seconds: float) -> None:
    with capsys.disabled():
        print(f"\nfuzz {name}: {ran} cases in {seconds:.1f} s (FUZZ_CASES={CASES})")


def test_the_open311_api_survives_fuzzing(app_ctx, geocoding, capsys):
    """With a (fake) geocoder, so that GET geocode gets past its documented 503."""
    _row, key_a = create_api_key("fuzz A")
    _row, key_b = create_api_key("fuzz B")
    db.session.commit()
    chat = "424242"
    mine = post_through_key(app_ctx, key_a, chat)
    resolved = post_through_key(app_ctx, key_a, chat)
    resolve(resolved)
    unsafe = report(
        "unsicherer-ort",
        NORDSTADT,
        attributes={"time_of_day": "night", "reasons": ["dark"]},
        description="Unterführung ohne Licht",
    )
    references = [mine, resolved, unsafe]
    keys = [None, key_a, key_b, "qm_made-up"]

    def prepare(case, draw) -> None:
        # The same draws whatever the case (a replayed failure must draw alike), and new dicts
        # rather than changed ones (schemathesis may hand out one object twice).
        key = draw(st.sampled_from(keys))
        in_header = draw(st.booleans())  # the header, as the bot sends it; else the parameter
        reference = draw(st.sampled_from([None, *references]))
        their_chat = draw(st.booleans())
        if key is not None and in_header:
            case.headers = {**(case.headers or {}), "X-API-Key": key}
        elif key is not None and case.method.upper() == "POST" and isinstance(case.body, dict):
            case.body = {**case.body, "api_key": key}
        elif key is not None:
            case.query = {**(case.query or {}), "api_key": key}
        path = dict(case.path_parameters or {})
        if "service_request_id" in path and reference is not None:
            path["service_request_id"] = reference
        if "chat_id" in path and their_chat:
            path["chat_id"] = chat
        case.path_parameters = path

    started = time.perf_counter()
    ran, failures = fuzz(app_ctx, "/open311/v2/openapi.json", prepare)
    summary(capsys, "Open311", ran, time.perf_counter() - started)
    assert not failures, "\n\n".join(failures)
    assert ran >= min(CASES, 100)


@pytest.fixture
def partner_tokens(app_ctx):
    """EDG's and Tiefbauamt's partner tokens; the departments as seeded again afterwards."""
    from app.forwarding.api import rotate_partner_token
    from app.routing.models import Department

    departments = {
        d.code: d
        for d in db.session.execute(
            db.select(Department).where(Department.code.in_(["edg", "tiefbau-licht"]))
        ).scalars()
    }
    tokens = (
        rotate_partner_token(departments["edg"]),
        rotate_partner_token(departments["tiefbau-licht"]),
    )
    db.session.commit()
    yield tokens
    db.session.rollback()
    for department in departments.values():
        db.session.merge(department).partner_token_hash = None
    db.session.commit()


def test_the_partner_api_survives_fuzzing(app_ctx, partner_tokens, capsys):
    edg, other = partner_tokens
    tickets = []
    for _ in range(3):  # one for each way to close a ticket, so that some cases find it open
        reference = report(
            "papierkorb-voll",
            RATHAUS,
            description="Papierkorb voll",
            contact=ContactDraft(email="anwohnerin@example.invalid", consent=True),
        )
        tickets.append(reference)
    for delivery in db.session.execute(db.select(Delivery)).scalars():
        if delivery.purpose == "forward":
            delivery.status, delivery.sent_at, delivery.attempts = DeliveryStatus.SENT, utcnow(), 1
    db.session.commit()
    lighting = report("laterne-aus", RATHAUS)  # a report with no ticket for EDG
    references = [*tickets, lighting]
    tokens = [None, edg, other, "qmp_made-up"]

    def prepare(case, draw) -> None:
        token = draw(st.sampled_from(tokens))
        reference = draw(st.sampled_from([None, *references]))
        if token is not None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        path = dict(case.path_parameters or {})
        if "reference" in path and reference is not None:
            path["reference"] = reference
        case.path_parameters = path

    started = time.perf_counter()
    ran, failures = fuzz(app_ctx, "/api/partner/openapi.json", prepare)
    summary(capsys, "partner API", ran, time.perf_counter() - started)
    assert not failures, "\n\n".join(failures)
    assert ran >= min(CASES, 100)
