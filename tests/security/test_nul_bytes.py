"""A NUL character (``%00``) in a path, a query parameter, a form field or a JSON body is refused
with 400 and a clear message before any view runs (PostgreSQL cannot store one and answered
500 before). Every route of the URL map is tried, as a visitor and as an admin; the Open311 API
drops them from its input itself, as its clients expect."""

from __future__ import annotations

import io
import re

import pytest

from tests.inbox.support import login
from tests.web.support import de, en, jpeg, page_text

MESSAGE = (
    "The address or a field of this request contains a NUL character (a zero byte), which is "
    "not allowed. Please check the link or your entries."
)
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def concrete(rule: str, value: str) -> str:
    """The rule's path with ``value`` for each text argument (numbers stay numbers)."""

    def fill(match: re.Match) -> str:
        converter = match.group(1) or "default"
        return "1" if converter in ("int", "float") else value

    return ARGUMENT.sub(fill, rule)


def routes(app, method: str) -> list[str]:
    """Every route for ``method``, except files and the Open311 API (which cleans its input)."""
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if method in rule.methods
            and not rule.endpoint.endswith("static")
            and not rule.endpoint.startswith("open311.")
        }
    )


def assert_refused(response, path: str) -> None:
    """400, with the message in the format of the route: the partner API's error object, or
    this site's message as JSON or as a page."""
    assert response.status_code == 400, (path, response.status_code)
    if not response.is_json:
        assert de(MESSAGE) in page_text(response), path
        return
    body = response.get_json()
    if isinstance(body["error"], dict):  # partner API
        assert body["error"]["status"] == 400, path
    else:
        assert body["error"] == de(MESSAGE), path


@pytest.fixture
def admin_client(client, make_user):
    login(client, make_user("admin"))
    return client


@pytest.mark.parametrize("who", ["visitor", "admin"])
def test_every_get_route_refuses_nul_in_path_and_query(app_ctx, client, make_user, who):
    if who == "admin":
        login(client, make_user("admin"))
    for rule in routes(app_ctx, "GET"):
        plain = concrete(rule, "x")
        assert_refused(client.get(plain, query_string={"q": "\x00"}), plain)
        if "<" in rule:
            with_nul = concrete(rule, "%00")
            if with_nul != concrete(rule, "1"):
                assert_refused(client.get(with_nul), with_nul)


def test_every_post_route_refuses_nul_in_a_field(app_ctx, admin_client):
    for rule in routes(app_ctx, "POST"):
        path = concrete(rule, "x")
        response = admin_client.post(path, data={"description": "Müll\x00"})
        assert_refused(response, path)
        response = admin_client.post(path, data={"field\x00": "x"})
        assert_refused(response, path)


def test_json_bodies_are_checked_too(client):
    response = client.post("/api/partner/tickets/x/done", json={"note": ["ok", {"a": "\x00"}]})
    assert_refused(response, "/api/partner/tickets/x/done")


def test_upload_names_are_checked_too(client):
    photo = (io.BytesIO(jpeg()), "a\x00.jpg")
    response = client.post("/report/photo-location", data={"photo": photo})
    assert_refused(response, "/report/photo-location")


def test_the_reported_500s_are_400s_with_a_clear_page(client, make_report):
    """The paths of the security review, on SQLite and PostgreSQL alike."""
    report = make_report()
    for path in ("/r/%00", "/report/%00/submitted", "/r?reference=%00"):
        response = client.get(path)
        assert response.status_code == 400
        assert de(MESSAGE) in page_text(response)
        assert "<h1>" in response.get_data(as_text=True)  # the site's error page
    english = client.get("/r/%00", query_string={"lang": "en"})
    assert en(MESSAGE) in page_text(english)
    assert client.get(f"/r/{report.reference}").status_code == 200  # nothing else changes


def test_the_inbox_filters_and_exports(admin_client):
    for name in ("q", "category", "district", "department", "status"):
        for path in ("/inbox/", "/inbox/export.csv", "/inbox/export.geojson", "/inbox/map"):
            response = admin_client.get(path, query_string={name: "Müll\x00"})
            assert response.status_code == 400, (path, name)
    page = admin_client.get("/inbox/", query_string={"q": "\x00"})
    assert de(MESSAGE) in page_text(page)
    assert 'href="/inbox/"' in page.get_data(as_text=True)  # the staff page, with its menu
    assert admin_client.get("/inbox/", query_string={"q": "Müll"}).status_code == 200


def test_open311_cleans_its_own_input_and_never_fails(client):
    """The Open311 API drops NUL characters itself (its clients rely on that; see
    tests/open311): never a server error, whatever the database."""
    response = client.get("/open311/v2/requests.json", query_string={"service_code": "\x00"})
    assert response.status_code == 200
    assert client.get("/open311/v2/requests/%00.xml").status_code == 404
    posted = client.post("/open311/v2/requests.json", data={"api_key": "\x00"})
    assert posted.status_code == 403


def test_the_json_endpoints_of_the_form_answer_json(client):
    response = client.get(
        "/report/nearby", query_string={"category": "\x00", "lat": "51.5", "lon": "7.4"}
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": de(MESSAGE)}
