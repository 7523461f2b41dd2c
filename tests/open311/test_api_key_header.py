"""API keys stay out of URLs and logs: the key is taken from the ``X-API-Key`` header (the
``api_key`` form field and query parameter still work, as GeoReport v2 clients send them), the
OpenAPI document describes the header, and a key that does come in a URL is written to the
access logs of werkzeug and gunicorn as ``[redacted]``."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import httpx

from tests.open311.conftest import API, FRIEDENSPLATZ

CHAT = "987654321"
MINE = f"{API}/residents/telegram/{CHAT}/requests.json"


def test_the_key_in_the_header_opens_every_keyed_route(client, api_key):
    header = {"X-API-Key": api_key}
    assert client.get(MINE, headers=header).status_code == 200
    posted = client.post(
        f"{API}/requests.json",
        headers=header,
        data={
            "service_code": "papierkorb-voll",
            "lat": str(FRIEDENSPLATZ[0]),
            "long": str(FRIEDENSPLATZ[1]),
            "telegram_chat_id": CHAT,
            "updates": "true",
        },
    )
    assert posted.status_code == 200, posted.data
    reference = posted.get_json()[0]["service_request_id"]
    [item] = client.get(MINE, headers=header).get_json()
    assert item["service_request_id"] == reference
    supported = client.post(
        f"{API}/requests/{reference}/supporters.json",
        headers=header,
        data={"telegram_chat_id": "24680", "updates": "true"},
    )
    assert supported.status_code == 201
    nearby = client.get(
        f"{API}/requests/nearby.json",
        headers=header,
        query_string={
            "service_code": "papierkorb-voll",
            "lat": FRIEDENSPLATZ[0],
            "long": FRIEDENSPLATZ[1],
        },
    )
    assert [r["service_request_id"] for r in nearby.get_json()] == [reference]
    deleted = client.post(f"{API}/residents/telegram/{CHAT}/delete.json", headers=header)
    assert deleted.get_json() == {"deleted": 1}


def test_a_wrong_or_missing_header_is_refused(client, api_key):
    for headers in ({}, {"X-API-Key": ""}, {"X-API-Key": "qm_not-a-key"}):
        response = client.get(MINE, headers={**headers, "Accept-Language": "en"})
        assert response.status_code == 403
    # The header wins over a valid key in the query string: a client sends one key.
    wrong = client.get(
        MINE, headers={"X-API-Key": "qm_not-a-key"}, query_string={"api_key": api_key}
    )
    assert wrong.status_code == 403


def test_the_open311_field_and_parameter_still_work(client, api_key):
    assert client.get(MINE, query_string={"api_key": api_key}).status_code == 200
    deleted = client.post(f"{API}/residents/telegram/{CHAT}/delete.json", data={"api_key": api_key})
    assert deleted.status_code == 200


def test_the_document_describes_the_header(client):
    document = client.get(f"{API}/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["ApiKeyHeader"]["description"],
    }
    assert schemes["ApiKeyQuery"]["in"] == "query" and schemes["ApiKeyQuery"]["name"] == "api_key"
    keyed = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert keyed == {
        "POST /v2/requests.{format}",
        "GET /v2/requests/nearby.{format}",
        "GET /v2/geocode.{format}",
        "GET /v2/locations/check.{format}",
        "POST /v2/residents/telegram/{chat_id}/locale.{format}",
        "POST /v2/requests/{service_request_id}/supporters.{format}",
        "POST /v2/requests/{service_request_id}/reopen.{format}",
        "GET /v2/residents/telegram/{chat_id}/requests.{format}",
        "POST /v2/residents/telegram/{chat_id}/delete.{format}",
    }
    geocode = document["paths"]["/v2/geocode.{format}"]["get"]
    assert {"ApiKeyHeader": []} in geocode["security"]
    assert "api_key" not in {p["name"] for p in geocode["parameters"]}
    post = document["paths"]["/v2/requests.{format}"]["post"]["requestBody"]["content"]
    form = post["application/x-www-form-urlencoded"]["schema"]
    assert "api_key" in form["properties"] and "api_key" not in form["required"]
    assert "X-API-Key" in document["info"]["description"]


def test_a_key_in_the_url_is_redacted_in_the_development_servers_log(live_server, api_key, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    url = f"{live_server.url}{MINE}?api_key={api_key}&limit=5"
    assert httpx.get(url).status_code == 200
    assert httpx.get(f"{live_server.url}{MINE}", headers={"X-API-Key": api_key}).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("api_key=[redacted]&limit=5" in line for line in lines), lines
    assert all(api_key not in line for line in lines)
    assert api_key not in caplog.text


def test_a_key_in_the_url_is_redacted_in_gunicorns_access_log(app, api_key, tmp_path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    access_log = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(access_log))
    logger = Logger(config)  # gunicorn's own access logger, as a worker uses it
    try:
        query = f"api_key={api_key}&address=Friedensplatz"
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"{API}/geocode.json?{query}",
            "PATH_INFO": f"{API}/geocode.json",
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        response = SimpleNamespace(status="200 OK", headers=[], sent=42)
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    finally:
        for handler in list(logger.access_log.handlers):
            handler.close()
            logger.access_log.removeHandler(handler)
    written = access_log.read_text()
    assert "GET /open311/v2/geocode.json?api_key=[redacted]&address=Friedensplatz" in written
    assert api_key not in written
