"""Security headers on every response, and pages that need no inline script or style for them.

The browser side (the maps still work under the policy, no violation is reported) is in
``tests/browser/test_content_security_policy.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.headers import content_security_policy, tile_source
from tests.inbox.support import login

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    found = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        found[name] = sources
    return found


def assert_protected(response) -> None:
    csp = directives(response)
    for name in ("script-src", "style-src", "default-src"):
        assert csp[name] == ["'self'"], (name, csp[name])
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = response.headers["Permissions-Policy"]
    assert "geolocation=(self)" in permissions  # "use my location" on the report form
    assert "camera=()" in permissions and "microphone=()" in permissions


def test_resident_pages_api_and_files_carry_the_headers(client, make_report):
    report = make_report()
    for path in (
        "/",
        "/report",
        f"/r/{report.reference}",
        f"/report/{report.reference}/submitted",
        "/about",
        "/report/nearby?category=papierkorb-voll&lat=51.5136&lon=7.4653",
        "/report/districts.geojson",
        "/open311/v2/services.json",
        "/assets/js/has-js.js",
        "/no-such-page",
        "/login",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_protected(response)


def test_the_inbox_and_admin_cannot_be_framed(client, make_user):
    admin = make_user("admin")
    login(client, admin)
    for path in ("/inbox/", "/inbox/map", "/admin/", "/inbox/export.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_protected(response)


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/report").headers


def test_hsts_in_production(client, monkeypatch, app_ctx):
    # ProductionConfig sets HSTS_MAX_AGE to a year (tests/security/test_production_config.py).
    monkeypatch.setitem(app_ctx.config, "HSTS_MAX_AGE", 31536000)
    response = client.get("/report")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_map_tiles_are_allowed_as_images_from_their_server_only(client, monkeypatch, app_ctx):
    monkeypatch.setitem(
        app_ctx.config, "MAP_TILES_URL", "https://tiles.example.invalid/{z}/{x}/{y}.png"
    )
    csp = directives(client.get("/report"))
    assert csp["img-src"] == ["'self'", "data:", "https://tiles.example.invalid"]
    assert csp["connect-src"] == ["'self'"]  # tiles are images, never fetched by script


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
        ("/tiles/{z}/{x}/{y}.png", None),  # this site: 'self'
        ("", None),
    ],
)
def test_tile_source(template, source):
    assert tile_source(template) == source
    if source:
        assert source in content_security_policy(template)


# --- no inline script or style anywhere in the pages ---------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def inline_code(html: str) -> list[str]:
    found = []
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("style attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
        ("inline event handler", EVENT_HANDLER),
        ("javascript: URL", JS_URL),
    ):
        found += [f"{name}: {m.group(0).strip()}" for m in pattern.finditer(html)]
    return found


def web_templates() -> list[Path]:
    """Every template served as a page (e-mail templates are not: mail clients need inline
    styles, and no Content-Security-Policy applies to them)."""
    return [
        path
        for path in sorted(APP_DIR.glob("**/templates/**/*.html"))
        if "email" not in path.relative_to(APP_DIR).parts
    ]


def test_no_template_has_inline_script_style_or_handlers():
    assert web_templates()
    problems = {
        str(path.relative_to(APP_DIR)): found
        for path in web_templates()
        if (found := inline_code(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_inline_code_check_finds_what_the_policy_blocks():
    assert inline_code('<script>document.documentElement.className += " js";</script>')
    assert inline_code('<p style="color:red">')
    assert inline_code("<style>p{}</style>")
    assert inline_code('<button onclick="go()">')
    assert inline_code('<a href="javascript:go()">')
    assert not inline_code('<script src="/assets/js/has-js.js"></script>')
    assert not inline_code('<script type="application/json" id="x">{}</script>')
    assert not inline_code('<p class="note" data-style="x">')


def test_rendered_pages_have_no_inline_code(client, make_report, make_user):
    report = make_report("unsicherer-ort")
    pages = [
        "/",
        "/report",
        "/report?lang=en",
        f"/r/{report.reference}",
        f"/report/{report.reference}/submitted",
        "/about",
        "/login",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.get_data(as_text=True)) == [], path
    login(client, make_user("admin"))
    for path in ("/inbox/", "/inbox/map", f"/inbox/reports/{report.reference}", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.get_data(as_text=True)) == [], path
