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

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 30
NEEDS_KEY = {"POST /v2/requests.{format}", "GET /v2/requests/nearby.{format}"}


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
    }
    description = document["info"]["description"]
    for promise in ("consent", "media_url", "coarse", "2000/minute", "extended_attributes"):
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
            # Half of the cases get past the key check into the intake service.
            if isinstance(case.body, dict):
                case.body["api_key"] = api_key
            elif case.query is not None:
                case.query["api_key"] = api_key
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


def test_schemathesis_finds_nothing_the_document_does_not_promise(app_ctx, api_key):
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
    assert len(labels) == 8
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
                assert response.json()[0]["extended_attributes"]["distance_m"] >= 0
