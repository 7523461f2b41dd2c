"""The parameters the views read are the parameters the OpenAPI document lists, operation by
operation: every query parameter, header, form field and file the code asks for is
documented, and every documented one is read (unless it is accepted and ignored by design,
like ``jurisdiction_id``). What is read is recorded from the request itself, not taken from
the declarations, so a view that reads a parameter past them is caught as well."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Request
from werkzeug.datastructures import EnvironHeaders, ImmutableMultiDict

from app.open311.params import OPERATIONS
from tests.images import jpeg
from tests.open311.conftest import API, FRIEDENSPLATZ

# Read for every request, whatever the operation: the API key (rate limit and key check, which
# the security schemes document) and the language (the app's locale selector, which also
# takes the web's ?lang=).
EVERYWHERE = {"api_key", "X-API-Key", "Accept-Language", "lang"}
# Headers of HTTP itself, read by Flask and Werkzeug, not parameters of the API.
HTTP_HEADERS = {"content-type", "content-length", "host", "transfer-encoding", "cookie"}
ATTRIBUTE = re.compile(r"^attribute\[[^\[\]]+\](\[\])?$")
CHAT = "123456789"


class Recording(ImmutableMultiDict):
    """Query, form or files that note each name asked for."""

    def __init__(self, values, reads: set[tuple[str, str]], location: str) -> None:
        super().__init__(values)
        self._reads, self._location = reads, location

    def _note(self, key: Any) -> None:
        if isinstance(key, str):  # app/core/edge.py asks for None: a part without a name
            self._reads.add((self._location, key))

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)


class RecordingHeaders(EnvironHeaders):
    def __init__(self, environ, reads: set[tuple[str, str]]) -> None:
        super().__init__(environ)
        self._reads = reads

    def _get_key(self, key: str) -> str:
        self._reads.add(("header", key))
        return super()._get_key(key)

    def getlist(self, key, type=None):
        self._reads.add(("header", key))
        return super().getlist(key, type)


def recording_request(reads: set[tuple[str, str]]) -> type[Request]:
    class RecordingRequest(Request):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.headers = RecordingHeaders(self.environ, reads)

        @property
        def args(self):
            if "_recorded_args" not in self.__dict__:
                self.__dict__["_recorded_args"] = Recording(super().args, reads, "query")
            return self.__dict__["_recorded_args"]

        def _load_form_data(self) -> None:
            super()._load_form_data()
            if not isinstance(self.__dict__["form"], Recording):
                self.__dict__["form"] = Recording(self.__dict__["form"], reads, "form")
                self.__dict__["files"] = Recording(self.__dict__["files"], reads, "file")

    return RecordingRequest


@pytest.fixture
def reads(app_ctx, monkeypatch) -> set[tuple[str, str]]:
    """The (location, name) pairs the app asks the current request for."""
    noted: set[tuple[str, str]] = set()
    monkeypatch.setattr(app_ctx, "request_class", recording_request(noted))
    return noted


def documented(operation: dict[str, Any]) -> set[tuple[str, str]]:
    """(location, name) of what an operation's document lists; form and file fields both as
    "body", attribute fields as one family."""
    names = {(p["in"], p["name"]) for p in operation.get("parameters", []) if p["in"] != "path"}
    body = operation.get("requestBody", {}).get("content", {})
    for content in body.values():
        names |= {("body", field) for field in content["schema"]["properties"]}
    return {(where, _family(name)) for where, name in names}


def _family(name: str) -> str:
    return "attribute[…]" if ATTRIBUTE.match(name) else name


def _as_documented(location: str, name: str, aliases: dict[str, str]) -> tuple[str, str]:
    where = "body" if location in ("form", "file") else location
    return where, _family(aliases.get(name, name))


def operations(document) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_the_views_read_what_the_document_lists(client, api_key, post_report, reads):
    document = client.get(f"{API}/openapi.json").get_json()
    reference = post_report(telegram_chat_id=CHAT, updates="true").get_json()[0][
        "service_request_id"
    ]
    key = {"X-API-Key": api_key}
    point = {"lat": str(FRIEDENSPLATZ[0]), "long": str(FRIEDENSPLATZ[1])}
    # Values that get each request past its first refusal, so that the view reads it all.
    calls: dict[str, dict[str, Any]] = {
        "discovery": {},
        "getServices": {},
        "getServiceDefinition": {"path": {"service_code": "papierkorb-voll"}},
        "postServiceRequest": {
            "data": {
                "service_code": "unsicherer-ort",
                **point,
                "email": "anwohnerin@example.org",
                "attribute[time_of_day]": "night",
                "attribute[reasons][]": ["dark"],
                "media": (io.BytesIO(jpeg()), "photo.jpg"),
            }
        },
        "getServiceRequests": {},
        "getNearbyRequests": {"query": {"service_code": "papierkorb-voll", **point}},
        "getServiceRequest": {"path": {"service_request_id": reference}},
        "geocode": {"query": {"address": "Friedensplatz 1"}},
        "checkLocation": {"query": point},
        "addSupporter": {"path": {"service_request_id": reference}, "data": {}},
        "reopenRequest": {
            "path": {"service_request_id": reference},
            "data": {"telegram_chat_id": CHAT, "comment": "Noch voll."},
        },
        "getResidentRequests": {"path": {"chat_id": CHAT}},
        "deleteResidentData": {"path": {"chat_id": CHAT}, "data": {}},
        "changeResidentLocale": {"path": {"chat_id": CHAT}, "data": {"locale": "en"}},
        "getToken": {"path": {"token": "abc"}},
    }
    found = operations(document)
    assert set(found) == set(calls) == set(OPERATIONS)
    mismatches = []
    for operation_id, call in calls.items():
        method, path, operation = found[operation_id]
        url = "/open311" + path.format(format="json", **call.get("path", {}))
        reads.clear()
        response = client.open(
            url,
            method=method,
            headers=key,
            query_string=call.get("query"),
            data=call.get("data"),
        )
        answer = (operation_id, response.get_data(as_text=True))
        assert str(response.status_code) in operation["responses"], answer
        declared = OPERATIONS[operation_id]
        aliases = {alias: p.name for p in declared for alias in p.aliases}
        ignored = {_family(p.name) for p in declared if p.parser is None}
        read = {
            _as_documented(location, name, aliases)
            for location, name in reads
            if name not in EVERYWHERE
            and not (location == "header" and name.lower() in HTTP_HEADERS)
        }
        listed = {(where, name) for where, name in documented(operation) if name not in EVERYWHERE}
        expected = {(where, name) for where, name in listed if name not in ignored}
        if read - listed or expected - read:
            mismatches.append(
                f"{operation_id}: read, not documented: {sorted(read - listed)}; "
                f"documented, not read: {sorted(expected - read)}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_the_path_parameters_are_the_routes(app_ctx, client):
    """Each documented path is a route of the API with the same variables (``fmt`` in the
    route is ``format`` in the document)."""
    document = client.get(f"{API}/openapi.json").get_json()
    adapter = app_ctx.url_map.bind("localhost")
    for path, item in document["paths"].items():
        variables = set(re.findall(r"{(\w+)}", path))
        url = "/open311" + path.format(**{name: f"x{name}" for name in variables})
        for method, operation in item.items():
            rule, _args = adapter.match(url, method=method.upper(), return_rule=True)
            route = {"format" if name == "fmt" else name for name in rule.arguments}
            assert route == variables, (path, rule.rule)
            parameters = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert parameters == variables, (path, method)


def test_the_readers_keep_the_declared_limits(app_ctx):
    """Bounds, choices and patterns the document shows are the ones the readers check."""
    from werkzeug.datastructures import MultiDict

    from app.open311 import readers
    from app.open311.errors import Open311Error

    declared = {id(p): p for params in OPERATIONS.values() for p in params}.values()
    checked = 0
    for param in declared:
        if param.parser is None:
            continue
        limits: list[tuple[str, bool]] = []
        if param.parser is readers.whole_number:
            limits = [(str(int(param.maximum)), True), (str(int(param.maximum) + 1), False)]
            limits += [(str(int(param.minimum)), True), (str(int(param.minimum) - 1), False)]
        elif param.parser in (readers.choice, readers.statuses):
            limits = [(value, True) for value in param.choices()] + [("fr", False)]
        elif param.pattern is not None and param.location != "header":
            limits = [(param.example, True), ("12a", False)]
        elif param.max_length is not None and param.parser is readers.address:
            limits = [("x" * param.max_length, True), ("x" * (param.max_length + 1), False)]
        for value, accepted in limits:
            try:
                param.parser(MultiDict({param.name: value}), param)
            except Open311Error:
                assert not accepted, (param.name, value)
            else:
                assert accepted, (param.name, value)
            checked += 1
    assert checked >= 20
