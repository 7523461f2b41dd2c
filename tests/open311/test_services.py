"""Discovery, services and service definitions, in JSON and XML, German and English; the
format suffix; the spec's error body for everything unknown."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.catalogue.models import Category
from app.extensions import db
from tests.open311.conftest import API
from tests.other_city import other_city  # noqa: F401  (fixture)


def xml_of(response) -> ET.Element:
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def test_discovery_in_json_and_xml_names_the_v2_endpoint(client):
    body = client.get("/open311/discovery.json").get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2/"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert "tokens" in endpoint["description"] and "404" in endpoint["description"]
    assert body["changeset"] and body["contact"] and body["key_service"]

    root = xml_of(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_every_active_category_with_the_spec_fields(client, app_ctx):
    response = client.get(f"{API}/services.json")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    services = response.get_json()
    codes = (
        db.session.execute(db.select(Category.code).where(Category.is_active.is_(True)))
        .scalars()
        .all()
    )
    assert sorted(s["service_code"] for s in services) == sorted(codes)
    for service in services:
        assert set(service) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
            "sensitive",
            "emergency_number",
        }
        assert service["type"] == "realtime"
        assert service["emergency_number"] == "110"  # Dortmund's, from its city.json
    by_code = {s["service_code"]: s for s in services}
    assert by_code["wilder-muell"]["service_name"] == "Wilder Müll"  # German by default
    assert by_code["wilder-muell"]["group"] == "Sauberkeit"
    assert by_code["wilder-muell"]["metadata"] is False
    assert by_code["unsicherer-ort"]["metadata"] is True
    assert by_code["unsicherer-ort"]["sensitive"] is True
    assert by_code["wilder-muell"]["sensitive"] is False
    assert "Sperrmüll" in by_code["wilder-muell"]["keywords"]


def test_accept_language_english_names_services_and_groups_in_english(client):
    services = client.get(f"{API}/services.json", headers={"Accept-Language": "en"}).get_json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["wilder-muell"]["service_name"] == "Illegal dumping"
    assert by_code["wilder-muell"]["group"] == "Cleanliness"
    assert by_code["wilder-muell"]["description"].startswith("Dumped bulky waste")


def test_services_in_xml_follow_the_spark_convention(client):
    root = xml_of(client.get(f"{API}/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
        "sensitive",
        "emergency_number",
    ]
    assert first.findtext("metadata") in {"true", "false"}


def test_service_definition_lists_the_attributes_with_values(client):
    body = client.get(f"{API}/services/unsicherer-ort.json").get_json()
    assert body["service_code"] == "unsicherer-ort"
    attrs = {a["code"]: a for a in body["attributes"]}
    time_of_day, reasons = attrs["time_of_day"], attrs["reasons"]
    assert time_of_day["datatype"] == "singlevaluelist"
    assert time_of_day["required"] is True and time_of_day["variable"] is True
    assert time_of_day["order"] == 1 and reasons["order"] == 2
    assert time_of_day["description"] == "Wann fühlen Sie sich dort unsicher?"
    assert {"key": "night", "name": "nachts"} in time_of_day["values"]
    assert reasons["datatype"] == "multivaluelist"
    assert {"key": "dark", "name": "zu dunkel"} in reasons["values"]

    english = client.get(
        f"{API}/services/unsicherer-ort.json", headers={"Accept-Language": "en"}
    ).get_json()
    assert {"key": "night", "name": "at night"} in english["attributes"][0]["values"]


def test_service_definition_in_xml(client):
    root = xml_of(client.get(f"{API}/services/laterne-aus.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "mast_number"
    assert attribute.findtext("datatype") == "string"
    assert attribute.findtext("required") == "false"
    assert attribute.findtext("datatype_description").startswith("Steht meist")


def test_a_category_without_attributes_has_an_empty_definition(client):
    assert client.get(f"{API}/services/wilder-muell.json").get_json() == {
        "service_code": "wilder-muell",
        "attributes": [],
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404_with_the_spec_error_body(client, fmt):
    response = client.get(f"{API}/services/no-such-thing.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        [error] = response.get_json()
        assert error["code"] == 404 and "no-such-thing" in error["description"]
    else:
        root = xml_of(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert "no-such-thing" in root.findtext("error/description")


@pytest.mark.parametrize(
    "path",
    [
        "/services.html",
        "/services",
        "/services/wilder-muell.yaml",
        "/requests.csv",
        "/requests/DO-2026-00001.txt",
        "/discovery.json",  # discovery lives one level up
        "/nothing/here.json",
    ],
)
def test_unknown_format_suffix_or_path_is_404_with_the_error_body(client, path):
    response = client.get(API + path)
    assert response.status_code == 404
    assert response.content_type == "application/json; charset=utf-8"
    [error] = response.get_json()
    assert error["code"] == 404 and error["description"]


def test_a_post_with_an_unknown_suffix_is_404_too(client, api_key):
    response = client.post(f"{API}/requests.html", data={"api_key": api_key})
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404


def test_a_wrong_method_is_405_with_the_error_body_and_allow(client):
    response = client.delete(f"{API}/services.xml")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert xml_of(response).findtext("error/code") == "405"


def test_tokens_answer_404_as_discovery_says(client):
    response = client.get(f"{API}/tokens/12345.xml")
    assert response.status_code == 404
    assert "service_request_id" in xml_of(response).findtext("error/description")


def test_error_descriptions_are_in_the_asked_language(client, app_ctx):
    from flask_babel import force_locale

    from app.open311.views import _l

    english = client.get(f"{API}/services/nope.json", headers={"Accept-Language": "en"})
    german = client.get(f"{API}/services/nope.json", headers={"Accept-Language": "de"})
    message = _l("There is no category “%(code)s”.", code="nope")
    with app_ctx.test_request_context(), force_locale("en"):
        assert english.get_json()[0]["description"] == str(message)
    with app_ctx.test_request_context(), force_locale("de"):
        assert german.get_json()[0]["description"] == str(message)
    assert german.get_json() != english.get_json()
    default = client.get(f"{API}/services/nope.json")
    assert default.get_json() == german.get_json()  # German unless asked otherwise


def test_the_api_needs_no_csrf_token_and_sets_no_session(client):
    response = client.get(f"{API}/services.json")
    assert "Set-Cookie" not in response.headers


def test_services_carry_the_citys_emergency_number(client, other_city):
    services = client.get(f"{API}/services.json").get_json()
    assert {s["emergency_number"] for s in services} == {"112"}
