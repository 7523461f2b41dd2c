"""A client nobody here wrote: the published ``georeport`` package (PyPI) reads services, a
service definition, request lists and one request from the running app, in JSON and XML; and
reports are posted with raw HTTP exactly as the spec's examples do."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import httpx
import pytest
from georeport import GeoReport

from app.extensions import db
from app.reports.models import Report
from tests.images import jpeg
from tests.open311.conftest import BORSIGPLATZ, FRIEDENSPLATZ


@pytest.fixture
def georeport(live_server):
    def client(fmt: str) -> GeoReport:
        return GeoReport(
            f"{live_server.url}/open311/v2", jurisdiction="dortmund.de", output_format=fmt
        )

    return client


def post_form(url: str, body: str) -> tuple[int, bytes]:
    """POST a form-encoded body as given, like the spec's example request."""
    request = urllib.request.Request(
        url,
        data=body.encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def spec_example_body(
    api_key: str, service_code: str, lat: float, lon: float, attributes: list[tuple[str, str]]
) -> str:
    """The spec's example request (field for field), pointed at Dortmund."""
    fields = [
        ("api_key", api_key),
        ("jurisdiction_id", "dortmund.de"),
        ("service_code", service_code),
        ("lat", str(lat)),
        ("long", str(lon)),
        ("address_string", "Borsigplatz"),
        ("email", "smit333@example.org"),
        ("device_id", "tt222111"),
        ("account_id", "123456"),
        ("first_name", "john"),
        ("last_name", "smith"),
        ("phone", "111111111"),
        ("description", "A large sinkhole is destroying the street"),
        ("media_url", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"),
        *attributes,
    ]
    # As in the spec's example: values form-encoded, keys (attribute[CODE]) with bare brackets.
    return "&".join(f"{key}={urllib.parse.quote_plus(value)}" for key, value in fields)


def test_georeport_reads_services_and_a_definition_in_json_and_xml(georeport):
    for fmt in ("json", "xml"):
        client = georeport(fmt)
        services = client.get_service_list()
        by_code = {s["service_code"]: s for s in services}
        assert by_code["wilder-muell"]["service_name"] == "Wilder Müll"
        assert str(by_code["unsicherer-ort"]["metadata"]).lower() == "true"
        definition = client.get_service_definition("unsicherer-ort")
        assert definition["service_code"] == "unsicherer-ort"
        attributes = definition["attributes"]
        if fmt == "xml":
            attributes = attributes["attribute"]
        codes = [a["code"] for a in attributes]
        assert codes == ["time_of_day", "reasons"]


def test_the_spec_example_post_then_georeport_reads_the_request(
    live_server, georeport, api_key, app_ctx
):
    body = spec_example_body(
        api_key,
        "unsicherer-ort",
        *BORSIGPLATZ,
        [
            ("attribute[time_of_day]", "night"),
            ("attribute[reasons][]", "dark"),
            ("attribute[reasons][]", "harassment"),
        ],
    )
    status, raw = post_form(f"{live_server.url}/open311/v2/requests.xml", body)
    assert status == 200, raw
    root = ET.fromstring(raw)
    reference = root.findtext("request/service_request_id")
    assert reference.startswith("DO-")
    assert "Ordnungsamt" in root.findtext("request/service_notice")

    db.session.expire_all()
    report = db.session.execute(db.select(Report).where(Report.reference == reference)).scalar_one()
    assert report.attributes == {"time_of_day": "night", "reasons": ["dark", "harassment"]}
    assert report.contact.email == "smit333@example.org"

    for fmt in ("json", "xml"):
        client = georeport(fmt)
        one = client.get_service_request(reference)
        assert one["service_request_id"] == reference
        assert one["status"] == "open"
        assert one["service_code"] == "unsicherer-ort"
        assert "smit333" not in json.dumps(one) and "john" not in json.dumps(one)
        listed = client.get_service_requests(service_code="unsicherer-ort", status="open")
        if fmt == "xml":  # xmltodict: one <request> is a dict, several a list
            listed = [listed] if isinstance(listed, dict) else listed
        assert [r["service_request_id"] for r in listed] == [reference]
        by_id = client.get_service_requests(service_request_id=reference)
        if fmt == "xml":
            by_id = [by_id] if isinstance(by_id, dict) else by_id
        assert by_id[0]["service_request_id"] == reference


def test_a_multipart_post_with_a_photo_like_the_v2_1_draft(live_server, api_key, app_ctx):
    response = httpx.post(
        f"{live_server.url}/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "service_code": "wilder-muell",
            "lat": str(FRIEDENSPLATZ[0]),
            "long": str(FRIEDENSPLATZ[1]),
            "description": "Sperrmüll am Rathaus",
        },
        files={"media": ("sperrmuell.jpg", jpeg(), "image/jpeg")},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    [answer] = response.json()
    db.session.expire_all()
    report = db.session.execute(
        db.select(Report).where(Report.reference == answer["service_request_id"])
    ).scalar_one()
    assert len(report.photos) == 1
    assert report.department.code == "edg"


def test_georeport_sees_errors_as_http_errors(georeport):
    import requests

    with pytest.raises(requests.HTTPError) as info:
        georeport("json").get_service_definition("no-such-service")
    assert info.value.response.status_code == 404
    assert info.value.response.json()[0]["code"] == 404
