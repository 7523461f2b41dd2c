"""Every admin route refuses anonymous visitors (to the log-in) and staff without the admin
role (403) – found by walking ``app.url_map``, so routes added later are covered too."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.admin.conftest import Browser, csrf_token, log_in


def admin_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every admin route; ids that may not exist are fine: the
    guard answers before any lookup."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin."):
                continue
            values = dict.fromkeys(rule.arguments, 1)
            if rule.endpoint == "admin.static":
                values = {"filename": "admin.css"}
            url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def test_the_admin_area_has_routes(app):
    endpoints = {endpoint for endpoint, _m, _u in admin_routes(app)}
    assert {
        "admin.index",
        "admin.categories",
        "admin.departments",
        "admin.rules",
        "admin.rule_test",
        "admin.users",
        "admin.templates",
    } <= endpoints
    assert len(admin_routes(app)) > 30


def test_anonymous_visitors_are_sent_to_the_login(client, app):
    token = csrf_token(client)
    for endpoint, method, url in admin_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), (endpoint, method)


@pytest.mark.parametrize("role", ["caseworker", "dispatcher"])
def test_staff_without_the_admin_role_get_403(client, app, make_user, role):
    user = make_user(role)
    log_in(client, user.email)
    browser = Browser(client, user)
    for endpoint, method, url in admin_routes(app):
        response = browser.get(url) if method == "GET" else browser.post(url)
        assert response.status_code == 403, (endpoint, method, response.status_code)
    page = browser.text(client.get("/inbox/"))
    assert "/admin/" not in page  # no "Admin" link for them


def test_admins_see_every_list_page_and_the_nav_link(as_admin):
    for path in (
        "/admin/",
        "/admin/categories",
        "/admin/departments",
        "/admin/rules",
        "/admin/rules/test",
        "/admin/users",
        "/admin/response-templates",
        "/admin/categories/new",
        "/admin/departments/new",
        "/admin/rules/new",
        "/admin/users/new",
        "/admin/response-templates/new",
        "/admin/assets/admin.css",
    ):
        response = as_admin.get(path)
        assert response.status_code == 200, path
    assert 'href="/admin/"' in as_admin.text(as_admin.get("/inbox/"))


def test_unknown_ids_are_404_for_admins(as_admin):
    for path in (
        "/admin/categories/999999",
        "/admin/departments/999999",
        "/admin/rules/999999",
        "/admin/users/999999",
        "/admin/response-templates/999999",
        "/admin/categories/1/questions/999999",
    ):
        assert as_admin.get(path).status_code == 404, path
    assert as_admin.post("/admin/rules/999999/move", {"direction": "up"}).status_code == 404


def test_posts_without_a_csrf_token_are_refused(as_admin, reseed_city):
    response = as_admin.client.post(
        "/admin/departments/new", data={"code": "neu", "name": "Neu", "kind": "internal"}
    )
    assert response.status_code == 400


def test_the_admin_area_speaks_german_by_default(client, admin):
    log_in(client, admin.email)
    page = client.get("/admin/").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Verwaltung" in page  # the nav link, already in the German catalog
