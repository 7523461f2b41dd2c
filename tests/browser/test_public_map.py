"""The public map /karte in a real browser: clusters and the list, filters, starting a report
at a place on the map with "already reported here", tiles that fail, hotspots, and the page
without JavaScript."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_report_form import choose_category
from tests.publicmap.support import fixed_reports

pytestmark = pytest.mark.browser

README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LOADED = "(n) => Number(document.getElementById('public-map').dataset.loaded || 0) > n"
OUTLINES_DRAWN = """() => [...document.querySelectorAll("#public-map .leaflet-overlay-pane path")]
  .some(path => path.getAttribute("d") !== "M0 0")"""


IDLE = """() => {
  const map = document.getElementById('public-map');
  return map.dataset.loaded !== undefined && map.dataset.loaded === map.dataset.requested;
}"""


def loaded_count(page) -> int:
    """The number of the last answer shown, once no request is under way any more (a popup's
    pan may have started one that would otherwise count as the next)."""
    page.wait_for_function(IDLE)
    return int(page.evaluate("document.getElementById('public-map').dataset.loaded || 0"))


def wait_for_clusters(page, after: int = 0) -> None:
    page.wait_for_function(LOADED, arg=after)


def cluster_numbers(page) -> list[int]:
    texts = page.locator("#public-map .cluster-icon").all_inner_texts()
    return sorted((int(t) for t in texts), reverse=True)


def list_references(page) -> list[str]:
    return page.locator(".report-table tbody td:first-child a").all_inner_texts()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    yield context
    context.close()


def test_clusters_list_and_filters(desktop, live_server, make_report, screenshot):
    reports = fixed_reports(make_report)
    page = desktop.new_page()
    page.goto(f"{live_server}/karte")
    assert page.locator("html").get_attribute("lang") == "de"
    page.wait_for_selector("#public-map.leaflet-container")
    page.wait_for_function(OUTLINES_DRAWN)  # no tiles configured: the district outlines
    wait_for_clusters(page)

    # At the city's zoom: the three reports at the Rathaus and the two at Phoenix See are
    # clusters; Borsigplatz and the unsafe place are single points.
    assert cluster_numbers(page) == [3, 2]
    assert page.locator("#public-map path.report-point").count() == 2
    assert page.locator("#map-status").inner_text() == "7 Meldungen in diesem Kartenausschnitt."
    # The list beside it: all seven, newest first, each linking to its status page.
    assert list_references(page)[:5] == [
        reports[n].reference for n in ("B2", "B1", "A3", "A2", "A1")
    ]
    assert len(list_references(page)) == 7
    # The map region is labelled; the zoom buttons speak German.
    region = page.locator("#public-map")
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("aria-label").startswith("Karte der Meldungen")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Vergrößern"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("aria-label") == "Verkleinern"
    assert page.locator(".leaflet-control-layers").count() == 0  # no hotspots: no layer switch
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_SHOTS / "karte.png"), full_page=True)
    screenshot(page, "karte-desktop")

    # A single point opens its report's summary with a link to the status page.
    page.locator("#public-map path.report-point").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    link = popup.locator("a")
    assert link.inner_text() in {reports["C"].reference, reports["D"].reference}
    assert link.get_attribute("href") == f"/r/{link.inner_text()}"
    page.keyboard.press("Escape")

    # A cluster is a button: with the keyboard, Enter zooms in on it.
    three = page.locator("#public-map .cluster-icon", has_text="3")
    assert three.get_attribute("role") == "button"
    assert three.get_attribute("aria-label") == "3 Meldungen hier – zum Vergrößern auswählen"
    before = loaded_count(page)
    three.focus()
    page.keyboard.press("Enter")
    wait_for_clusters(page, before)
    # Zoomed in on the Rathaus: its three reports stay in sight (some now on their own), with
    # Borsigplatz perhaps at the edge, Phoenix See and the unsafe place not; the list stays.
    assert page.locator("#map-status").inner_text() in {
        "3 Meldungen in diesem Kartenausschnitt.",
        "4 Meldungen in diesem Kartenausschnitt.",
    }
    assert len(list_references(page)) == 7

    # Filter: cleanliness only (the form is a plain GET form).
    page.select_option("#f-group", "sauberkeit")
    page.locator("#apply-filters").click()
    page.wait_for_url(re.compile(r".*/karte\?group=sauberkeit.*"))
    wait_for_clusters(page)
    assert cluster_numbers(page) == [3]  # Rathaus; B2 (wilder Müll) alone at Phoenix See
    assert page.locator("#public-map path.report-point").count() == 1
    assert sorted(list_references(page)) == sorted(
        reports[n].reference for n in ("A1", "A2", "A3", "B2")
    )
    # Status and district together: open reports in Hörde.
    page.select_option("#f-group", "")
    page.select_option("#f-status", "open")
    page.select_option("#f-district", "5")
    page.locator("#apply-filters").click()
    page.wait_for_url(re.compile(r".*status=open&district=5.*"))
    wait_for_clusters(page)
    assert list_references(page) == [reports["B1"].reference]
    assert page.locator("#public-map .cluster-icon").count() == 0
    assert page.locator("#public-map path.report-point").count() == 1


def test_start_a_report_from_the_map(desktop, live_server, make_report):
    rathaus = make_report("papierkorb-voll", (51.5136, 7.4653))  # the map's centre
    make_report("laterne-aus", (51.4886, 7.5126))  # far away
    page = desktop.new_page()
    page.goto(f"{live_server}/karte")
    page.wait_for_selector("#public-map.leaflet-container")
    wait_for_clusters(page)

    # By mouse: a click on an empty spot of the map offers to report there.
    box = page.locator("#public-map").bounding_box()
    page.mouse.click(box["x"] + 120, box["y"] + 120)
    panel = page.locator("#place-panel")
    panel.wait_for(state="visible")
    page.wait_for_selector("#nearby-box .nearby-none")
    assert panel.locator("#nearby-box").inner_text() == "Hier ist noch nichts Offenes gemeldet."
    href = page.locator("#report-here").get_attribute("href")
    chosen = parse_qs(urlsplit(href).query)
    shown = page.locator("#place-text").inner_text()
    assert shown.startswith("Gewählter Ort: ")
    assert f"{float(chosen['lat'][0]):.5f}, {float(chosen['lon'][0]):.5f}" in shown

    # By keyboard: the map's centre, which is where the Rathaus report lies.
    page.locator("#choose-centre").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#nearby-box .nearby-list")
    assert page.evaluate("document.activeElement.id") == "report-here"
    nearby = page.locator("#nearby-box").inner_text()
    assert "Hier schon gemeldet (offen):" in nearby
    assert rathaus.reference in nearby and "Papierkorb voll" in nearby and "0 m entfernt" in nearby
    assert page.locator("#nearby-box a").get_attribute("href") == f"/r/{rathaus.reference}"

    # "Report here" opens the form with the point set.
    page.locator("#report-here").click()
    page.wait_for_url(re.compile(r".*/report\?lat=51\.5136\d*&lon=7\.4653\d*"))
    page.wait_for_selector("#map.leaflet-container")
    assert float(page.locator("#lat").input_value()) == pytest.approx(51.5136, abs=1e-5)
    assert float(page.locator("#lon").input_value()) == pytest.approx(7.4653, abs=1e-5)
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    # …and, once a category is chosen, the form says what is already reported there.
    choose_category(page, "Papierkorb voll")
    page.wait_for_function("(ref) => document.body.innerText.includes(ref)", arg=rathaus.reference)


def test_the_page_without_javascript(browser, live_server, make_report, screenshot):
    reports = fixed_reports(make_report)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/karte")
        assert page.locator(".map-nojs").is_visible()
        assert "Die Karte braucht JavaScript." in page.locator(".map-nojs").inner_text()
        assert not page.locator("#public-map").is_visible()
        assert not page.locator("#choose-centre").is_visible()
        assert len(list_references(page)) == 7
        page.select_option("#f-status", "closed")
        page.locator("#apply-filters").click()
        page.wait_for_url(re.compile(r".*status=closed.*"))
        assert list_references(page) == [reports["B2"].reference]
        assert "1 Meldung, neueste zuerst." in page.locator("#list-count").inner_text()
        page.locator(f"a[href='/r/{reports['B2'].reference}']").click()
        page.wait_for_url(f"**/r/{reports['B2'].reference}")
        screenshot(page, "karte-nojs-phone")
    finally:
        context.close()


@pytest.fixture
def failing_tiles(app_ctx, monkeypatch):
    """A tile server on 127.0.0.1 that answers every tile with 404."""

    class NoTiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoTiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(
        app_ctx.config,
        "MAP_TILES_URL",
        f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png",
    )
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_tiles_that_fail_to_load_are_announced(desktop, live_server, failing_tiles, make_report):
    make_report("papierkorb-voll")
    page = desktop.new_page()
    page.goto(f"{live_server}/karte?lang=en")
    notice = page.locator("#tiles-status")
    notice.wait_for(state="visible")
    assert notice.inner_text().startswith("The map tiles could not be loaded.")
    page.wait_for_function(OUTLINES_DRAWN)
    wait_for_clusters(page)
    assert page.locator("#public-map path.report-point").count() == 1
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom in"


def test_hotspots_of_unsafe_places_are_an_overlay(desktop, live_server, make_report, app_ctx):
    if "hotspots.public_geojson" not in app_ctx.view_functions:
        pytest.skip("no hotspot layer in this build")
    for _ in range(3):
        make_report("unsicherer-ort", (51.4990, 7.4760))
    page = desktop.new_page()
    page.goto(f"{live_server}/karte")
    page.wait_for_function("() => document.getElementById('public-map').dataset.hotspots")
    assert int(page.evaluate("document.getElementById('public-map').dataset.hotspots")) >= 1
    toggle = page.get_by_label("Brennpunkte")
    assert toggle.is_checked()
    hexagons = "#public-map .leaflet-overlay-pane path[stroke='#b3261e']"
    assert page.locator(hexagons).count() >= 1
    toggle.uncheck()
    assert page.locator(hexagons).count() == 0
