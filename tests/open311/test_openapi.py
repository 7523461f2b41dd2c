"""The OpenAPI document is true to the code: schemathesis generates requests for every
operation from it and finds no server error and no answer the document does not describe
(status code, content type, body shape). Bounded: a few dozen examples per operation."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.enums import Channel, ReportStatus
from app.core.events import Actor, record_event
from app.extensions import db
from app.reports.drafts import ReportDraft
from app.reports.intake import submit_report
from tests.images import jpeg
from tests.open311.conftest import API, BORSIGPLATZ, FRIEDENSPLATZ
from tests.other_city import other_city  # noqa: F401  (fixture)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 30
NEEDS_KEY = {
    "POST /v2/requests.{format}",
    "GET /v2/requests/nearby.{format}",
    "GET /v2/geocode.{format}",
    "POST /v2/requests/{service_request_id}/supporters.{format}",
    "POST /v2/requests/{service_request_id}/reopen.{format}",
    "GET /v2/residents/telegram/{chat_id}/requests.{format}",
    "POST /v2/residents/telegram/{chat_id}/delete.{format}",
    "GET /v2/locations/check.{format}",
    "POST /v2/residents/telegram/{chat_id}/locale.{format}",
}


def test_the_document_is_served_and_describes_every_route(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/discovery.{format}",
        "/v2/services.{format}",
        "/v2/services/{service_code}.{format}",
        "/v2/requests.{format}",
        "/v2/requests/nearby.{format}",
        "/v2/requests/{service_request_id}.{format}",
        "/v2/tokens/{token}.{format}",
        "/v2/geocode.{format}",
        "/v2/requests/{service_request_id}/supporters.{format}",
        "/v2/requests/{service_request_id}/reopen.{format}",
        "/v2/residents/telegram/{chat_id}/requests.{format}",
        "/v2/residents/telegram/{chat_id}/delete.{format}",
        "/v2/locations/check.{format}",
        "/v2/residents/telegram/{chat_id}/locale.{format}",
    }
    description = document["info"]["description"]
    for promise in (
        "consent",
        "media_url",
        "coarse",
        "2000/minute",
        "extended_attributes",
        "telegram_chat_id",
        "updates=true",
    ):
        assert promise in description
    post = document["paths"]["/v2/requests.{format}"]["post"]["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "multipart/form-data"} <= set(post)
    assert (
        "attribute[time_of_day]"
        in post["application/x-www-form-urlencoded"]["schema"]["properties"]
    )


def fuzz(operation, mode: schemathesis.GenerationMode, api_key: str) -> None:
    """Run generated cases of one operation; raises on the first failing check."""
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), with_key=st.booleans())
    def run(case, with_key):
        if with_key and label in NEEDS_KEY:
            # Half of the cases get past the key check into the intake service: the header
            # (which wins over a generated api_key field or parameter).
            case.headers = {**(case.headers or {}), "X-API-Key": api_key}
        case.call_and_validate(checks=CHECKS)

    run()


def some_reports() -> list[str]:
    """An ordinary and an unsafe-place report, one with a public status change."""
    references = []
    for code, point, attributes in (
        ("papierkorb-voll", FRIEDENSPLATZ, {}),
        ("unsicherer-ort", BORSIGPLATZ, {"time_of_day": "night", "reasons": ["dark"]}),
    ):
        report = submit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code=code,
                lat=point[0],
                lon=point[1],
                attributes=attributes,
                description="Beschreibung",
            ),
            Actor("resident", "web"),
        ).report
        references.append(report.reference)
    report.status = ReportStatus.IN_PROGRESS
    record_event(
        report.id,
        "status_changed",
        Actor("user", "1"),
        is_public=True,
        public_note="Wir kümmern uns.",
        to="in_progress",
    )
    db.session.commit()
    return references


def test_schemathesis_finds_nothing_the_document_does_not_promise(app_ctx, api_key, geocoding):
    # With a (fake) geocoder, so that GET geocode gets past its documented 503 "switched off".
    some_reports()  # so that lists have items to check against the document
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app_ctx)
    failures: list[str] = []
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(f"{operation.method.upper()} {operation.path}")
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, api_key)
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collect all findings
                failures.append(f"{labels[-1]} ({mode.value}): {failure}")
    assert len(labels) == 15
    assert not failures, "\n\n".join(failures)


def test_real_answers_conform_to_the_document(app_ctx, api_key):
    """Requests that succeed (which generated data rarely does), checked the same way."""
    references = some_reports()
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app_ctx)
    post = schema["/v2/requests.{format}"]["POST"]
    get_list = schema["/v2/requests.{format}"]["GET"]
    get_one = schema["/v2/requests/{service_request_id}.{format}"]["GET"]
    nearby = schema["/v2/requests/nearby.{format}"]["GET"]
    form = {
        "api_key": api_key,
        "service_code": "unsicherer-ort",
        "lat": BORSIGPLATZ[0],
        "long": BORSIGPLATZ[1],
        "attribute[time_of_day]": "evening",
        "attribute[reasons][]": ["dark", "deserted"],
        "email": "a@example.org",
    }
    for fmt in ("json", "xml"):
        cases = [
            post.Case(
                path_parameters={"format": fmt},
                body=form,
                media_type="application/x-www-form-urlencoded",
            ),
            post.Case(
                path_parameters={"format": fmt},
                body={**form, "media": [jpeg()]},
                media_type="multipart/form-data",
            ),
            get_list.Case(path_parameters={"format": fmt}, query={"extensions": "true"}),
            get_one.Case(path_parameters={"format": fmt, "service_request_id": references[1]}),
            nearby.Case(
                path_parameters={"format": fmt},
                query={
                    "api_key": api_key,
                    "service_code": "unsicherer-ort",
                    "lat": BORSIGPLATZ[0],
                    "long": BORSIGPLATZ[1],
                },
            ),
        ]
        for case in cases:
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code == 200, response.text
            if fmt == "json" and case.operation is nearby:
                # An unsafe place: compared by its cell, no distance given.
                assert response.json()[0]["extended_attributes"]["distance_m"] is None


def test_the_bot_extensions_answer_as_documented(app_ctx, api_key, geocoding):
    """The messenger extensions' successes and refusals, checked against the document."""
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app_ctx)
    post = schema["/v2/requests.{format}"]["POST"]
    geocode = schema["/v2/geocode.{format}"]["GET"]
    supporters = schema["/v2/requests/{service_request_id}/supporters.{format}"]["POST"]
    reopen = schema["/v2/requests/{service_request_id}/reopen.{format}"]["POST"]
    mine = schema["/v2/residents/telegram/{chat_id}/requests.{format}"]["GET"]
    delete = schema["/v2/residents/telegram/{chat_id}/delete.{format}"]["POST"]
    check = schema["/v2/locations/check.{format}"]["GET"]
    locale = schema["/v2/residents/telegram/{chat_id}/locale.{format}"]["POST"]
    chat = "987654321"
    form = "application/x-www-form-urlencoded"

    def call(operation, status: int, fmt: str = "json", *, path=None, checks=CHECKS, **kwargs):
        case = operation.Case(path_parameters={"format": fmt, **(path or {})}, **kwargs)
        response = case.call_and_validate(checks=checks)
        assert response.status_code == status, response.text
        return response

    def resolve(reference: str) -> None:
        from app.reports.queries import report_by_reference
        from app.reports.workflow import apply_status

        db.session.expire_all()
        apply_status(
            report_by_reference(reference), ReportStatus.RESOLVED, Actor("user", "1"), "Erledigt."
        )
        db.session.commit()

    new_report = {
        "api_key": api_key,
        "service_code": "papierkorb-voll",
        "lat": FRIEDENSPLATZ[0],
        "long": FRIEDENSPLATZ[1],
        "telegram_chat_id": chat,
        "updates": "true",
        "locale": "tr",
    }
    reference = call(post, 200, body=new_report, media_type=form).json()[0]["service_request_id"]
    call(post, 200, "xml", body=new_report, media_type="multipart/form-data")
    me_too = {"api_key": api_key, "telegram_chat_id": "111", "updates": "true", "locale": "en"}
    for fmt in ("json", "xml"):
        for point in (FRIEDENSPLATZ, (51.4785, 7.2232)):  # inside; Bochum, outside
            call(check, 200, fmt, query={"api_key": api_key, "lat": point[0], "long": point[1]})
        call(check, 400, fmt, query={"api_key": api_key, "lat": 91, "long": 7.4})
        path = {"chat_id": chat}
        call(
            locale, 200, fmt, path=path, body={"api_key": api_key, "locale": "en"}, media_type=form
        )
        call(
            locale, 400, fmt, path=path, body={"api_key": api_key, "locale": "fr"}, media_type=form
        )
        call(geocode, 200, fmt, query={"api_key": api_key, "address": "Friedensplatz 1"})
        call(geocode, 404, fmt, query={"api_key": api_key, "address": "Nirgendwo 1"})
        path = {"service_request_id": reference}
        call(supporters, 201, fmt, path=path, body=me_too, media_type=form)
        call(mine, 200, fmt, path={"chat_id": chat}, query={"api_key": api_key})
        resolve(reference)
        call(supporters, 409, fmt, path=path, body=me_too, media_type=form)
        not_fixed = {"api_key": api_key, "telegram_chat_id": chat, "comment": "Noch voll."}
        call(reopen, 200, fmt, path=path, body=not_fixed, media_type=form)
        call(reopen, 409, fmt, path=path, body=not_fixed, media_type=form)
    geocoding.mode = "down"
    # The documented 503 (with Retry-After): everything but "no 5xx at all" is checked.
    documented = [c for c in CHECKS if c is not not_a_server_error]
    call(geocode, 503, query={"api_key": api_key, "address": "Borsigplatz"}, checks=documented)
    for fmt in ("json", "xml"):
        call(delete, 200, fmt, path={"chat_id": chat}, body={"api_key": api_key}, media_type=form)


def test_the_examples_come_from_the_city(client, other_city):
    """Another city's API documents (Open311 and partner) show its prefix and nothing of
    Dortmund."""
    for url in (f"{API}/openapi.json", "/api/partner/openapi.json"):
        response = client.get(url)
        assert response.status_code == 200
        document = response.get_data(as_text=True)
        for dortmund in ("Dortmund", "EDG", "DO-20", "Friedensplatz", "44135", "51.5136"):
            assert dortmund not in document, (url, dortmund)
        assert "MS-2026-00042" in document
