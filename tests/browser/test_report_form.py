"""The report form in a real browser: with JavaScript (map, photo), without it (address),
and an accessibility smoke check."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.reports.models import Report
from tests.browser.conftest import DESKTOP, PHONE
from tests.fakes.nominatim import fake_nominatim  # noqa: F401  (fixture)
from tests.web.support import jpeg

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"DO-\d{4}-\d{5}")
OUTLINES_DRAWN = """() => [...document.querySelectorAll("#map .leaflet-overlay-pane path")]
  .some(path => path.getAttribute("d") !== "M0 0")"""


def choose_category(page, name: str) -> None:
    """Open the category's group (the groups fold open) and choose it."""
    choice = page.get_by_label(name, exact=True)
    group = page.locator("details.category-group", has=choice)
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    choice.check()


def only_report() -> Report:
    db.session.rollback()
    report = db.session.execute(db.select(Report)).scalar_one()
    report.photos  # noqa: B018  (load while the session is fresh)
    db.session.rollback()
    return report


@pytest.fixture
def german_phone(browser):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", device_scale_factor=1, is_mobile=True, has_touch=True
    )
    yield context
    context.close()


def test_with_javascript_map_click_and_photo(german_phone, live_server, screenshot):
    page = german_phone.new_page()
    page.goto(f"{live_server}/report")
    assert page.locator("html").get_attribute("lang") == "de"
    page.wait_for_selector("#map.leaflet-container")
    page.wait_for_function(OUTLINES_DRAWN)  # district outlines: the map without tiles

    choose_category(page, "Straßenlaterne aus")
    mast = page.locator("#attr-mast_number")
    assert mast.is_visible()
    assert not page.locator(".attr-group[data-categories='unsicherer-ort']").is_visible()
    mast.fill("123-456")

    page.locator("#map").scroll_into_view_if_needed()
    page.locator("#map").click()  # the middle of the map: the city centre
    page.wait_for_function("document.getElementById('lat').value !== ''")
    lat = float(page.locator("#lat").input_value())
    lon = float(page.locator("#lon").input_value())
    assert lat == pytest.approx(51.5136, abs=0.005) and lon == pytest.approx(7.4653, abs=0.005)
    assert page.locator("#map .leaflet-marker-icon").count() == 1

    posted = []
    page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    page.set_input_files(
        "#photos",
        files=[
            {"name": "laterne.jpg", "mimeType": "image/jpeg", "buffer": jpeg(size=(800, 600))},
        ],
    )
    page.wait_for_selector("#photos[data-read='1']")  # read in the browser, not sent
    assert page.locator("#use-photo-location").is_hidden()  # no location in this photo
    assert page.locator(".photo-preview").count() == 1

    page.fill("#description", "Die Laterne vor dem Rathaus ist seit drei Tagen dunkel.")
    assert "55" in page.locator("#description-count").inner_text()
    screenshot(page, "form-filled-phone")

    page.locator("#report-form button[type=submit]").click()
    page.wait_for_url("**/submitted")
    assert [url.removeprefix(live_server) for url in posted] == ["/report"]  # the photo once
    text = page.locator("main").inner_text()
    assert REFERENCE.search(text)
    assert "Tiefbauamt – Straßenbeleuchtung" in text
    assert "Innenstadt-West" in text
    screenshot(page, "confirmation-phone")

    report = only_report()
    assert report.lat == pytest.approx(lat, abs=1e-6) and report.lon == pytest.approx(lon, abs=1e-6)
    assert len(report.photos) == 1
    assert report.attributes == {"mast_number": "123-456"}


def test_photo_location_is_offered_on_the_map(german_phone, live_server):
    page = german_phone.new_page()
    page.goto(f"{live_server}/report")
    page.wait_for_selector("#map.leaflet-container")
    choose_category(page, "Papierkorb voll")
    posted = []
    page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    page.set_input_files(
        "#photos",
        files=[
            {"name": "korb.jpg", "mimeType": "image/jpeg", "buffer": jpeg(gps=(51.5233, 7.4817))},
        ],
    )
    offer = page.locator("#use-photo-location")
    offer.wait_for(state="visible")
    offer.click()
    assert float(page.locator("#lat").input_value()) == pytest.approx(51.5233, abs=1e-4)
    assert float(page.locator("#lon").input_value()) == pytest.approx(7.4817, abs=1e-4)
    assert posted == []  # the location was read in the browser: the photo is not sent yet


def test_without_javascript_by_address(
    browser,
    live_server,
    app,
    monkeypatch,
    screenshot,
    fake_nominatim,  # noqa: F811
):
    monkeypatch.setitem(app.config, "GEOCODER_URL", fake_nominatim.url)
    app.extensions.pop("qm_geocoder", None)
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        assert page.locator("noscript").count() >= 1
        # without JavaScript every category's questions are on the page, labelled with them
        assert page.locator(".attr-group[data-categories='unsicherer-ort']").is_visible()
        choose_category(page, "Papierkorb voll")  # the groups fold open without JavaScript too
        page.fill("#address", "Friedensplatz 1")
        page.fill("#description", "Der Papierkorb am Eingang quillt über.")
        screenshot(page, "form-filled-desktop-nojs")
        page.locator("#report-form button[type=submit]").click()
        page.wait_for_url("**/submitted")
        text = page.locator("main").inner_text()
        assert REFERENCE.search(text)
        assert "Innenstadt-West" in text and "EDG Entsorgung Dortmund GmbH" in text
        screenshot(page, "confirmation-desktop-nojs")
        page.locator("main a[href^='/r/']").click()
        assert "Papierkorb voll" in page.locator("main").inner_text()
        screenshot(page, "status-desktop-nojs")
    finally:
        context.close()
        app.extensions.pop("qm_geocoder", None)
    report = only_report()
    assert report.location_source.value == "address"
    assert fake_nominatim.requests_to("/search")


LABEL_CHECK = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter(el => el.type !== "hidden" && el.offsetParent !== null)
  .filter(el => {
    const named = (el.labels && [...el.labels].some(l => l.textContent.trim()))
      || (el.getAttribute("aria-label") || "").trim()
      || (el.getAttribute("aria-labelledby") || "").split(" ").some(
           id => id && document.getElementById(id)
                 && document.getElementById(id).textContent.trim());
    return !named;
  })
  .map(el => el.outerHTML.slice(0, 120))
"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_accessibility_smoke(browser, live_server, screenshot, viewport):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        page.wait_for_selector("#map.leaflet-container")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.evaluate(LABEL_CHECK) == []
        choose_category(page, "Unsafe place")  # shows more questions
        assert page.locator("#sensitive-notice").is_visible()
        assert "110" in page.locator("#sensitive-notice").inner_text()
        page.locator("details#coordinates > summary").click()
        assert page.evaluate(LABEL_CHECK) == []

        page.goto(f"{live_server}/report")
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#error-summary")
        summary = page.locator("#error-summary")
        assert summary.get_attribute("role") == "alert"
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert "Please choose a category." in summary.inner_text()
        assert page.evaluate(LABEL_CHECK) == []
        screenshot(page, f"errors-{'phone' if viewport is PHONE else 'desktop'}", full_page=False)
        # a link in the summary takes the focus to its field
        summary.get_by_role("link", name="Please choose a category.").click()
        assert page.evaluate("document.activeElement.name") == "category"
        place = "Please mark the place on the map or enter an address."
        summary.get_by_role("link", name=place).click()
        assert page.evaluate("document.activeElement.id") == "lat"
    finally:
        context.close()
