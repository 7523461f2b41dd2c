"""The Content-Security-Policy in a real browser: the maps (tiles from the configured tile
server, district outlines, markers) and the pages' scripts work, and Chromium reports no
violation; an inline script is blocked."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from tests.browser.conftest import DESKTOP
from tests.browser.test_inbox import log_in
from tests.browser.test_report_form import choose_category

pytestmark = pytest.mark.browser

# Every violation the page reports, collected from the first moment of the document.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""
TILES_LOADED = "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0"


def _tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def tile_server():
    """A tile server on 127.0.0.1 answering every tile with a small PNG; counts requests."""
    png = _tile_png()
    requests: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def with_tiles(app_ctx, tile_server, monkeypatch):
    url, requests = tile_server
    monkeypatch.setitem(app_ctx.config, "MAP_TILES_URL", url + "/tiles/{z}/{x}/{y}.png")
    return requests


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    context.add_init_script(WATCH_VIOLATIONS)
    yield context
    context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_report_form_and_status_map_work_under_the_policy(
    watched, live_server, with_tiles, make_report
):
    page = watched.new_page()
    page.goto(f"{live_server}/report")
    assert page.evaluate("document.documentElement.classList.contains('js')")
    page.wait_for_selector("#map.leaflet-container")
    page.wait_for_function(TILES_LOADED)
    assert any(path.startswith("/tiles/") for path in with_tiles)
    choose_category(page, "Straßenlaterne aus")
    page.locator("#map").scroll_into_view_if_needed()
    page.locator("#map").click()
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    assert violations(page) == []

    report = make_report()
    page.goto(f"{live_server}/r/{report.reference}")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function(TILES_LOADED)
    assert page.locator(".leaflet-marker-icon, .leaflet-interactive").count() >= 1
    assert violations(page) == []


def test_inbox_maps_work_under_the_policy(watched, live_server, make_user, make_report):
    report = make_report()
    user = make_user("caseworker", ("edg",))
    page = watched.new_page()
    log_in(page, live_server, user)
    page.goto(f"{live_server}/inbox/map")
    page.wait_for_selector(".leaflet-container")
    # the report's marker (district outlines are drawn too, not interactive, and may lie
    # outside the view once the map has zoomed to the report)
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    page.goto(f"{live_server}/inbox/reports/{report.reference}")
    page.wait_for_selector(".leaflet-container")
    assert page.evaluate("document.documentElement.classList.contains('js')")
    assert violations(page) == []


def public_pages(app) -> list[str]:
    """Every public page without path parameters (the public map, statistics, open data, … as
    other features add them), from the URL map."""
    data = (".json", ".geojson", ".csv", ".xml", ".txt")
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and not rule.arguments
            and not rule.endpoint.endswith("static")
            and not rule.rule.endswith(data)
            and not rule.rule.startswith(("/open311", "/api", "/inbox", "/admin"))
            and rule.rule not in ("/r", "/logout", "/healthz", "/readyz")  # redirects, probes
        }
    )


def test_every_public_page_works_under_the_policy(watched, live_server, app_ctx, make_report):
    """Pages of every feature load their scripts and styles from this site."""
    make_report()
    pages = public_pages(app_ctx)
    page = watched.new_page()
    seen = []
    for path in pages:
        response = page.goto(f"{live_server}{path}")
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a JSON endpoint of a page (nearby)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
        seen.append(path)
    assert {"/", "/report", "/about", "/login"} <= set(seen)


def test_an_inline_script_is_blocked(watched, live_server):
    page = watched.new_page()
    page.goto(f"{live_server}/report")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true;";
          document.head.appendChild(script);
        }"""
    )
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in violations(page))
