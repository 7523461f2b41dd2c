"""Languages in a real browser: Arabic pages laid out right to left, and the report form's
language switch keeping what was typed, with JavaScript and without."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.reports.models import Report
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# Where an element's text starts and ends on the screen, and the box it is laid out in.
TEXT_BOX = """(selector) => {
  const element = document.querySelector(selector);
  const range = document.createRange();
  range.selectNodeContents(element);
  const text = range.getBoundingClientRect();
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return {
    textLeft: text.left, textRight: text.right,
    boxLeft: box.left + parseFloat(style.paddingLeft),
    boxRight: box.right - parseFloat(style.paddingRight),
  };
}"""


@pytest.fixture
def arabic_desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="ar", device_scale_factor=1)
    yield context
    context.close()


def test_an_arabic_page_is_laid_out_right_to_left(arabic_desktop, live_server, screenshot):
    page = arabic_desktop.new_page()
    page.goto(f"{live_server}/about")  # the browser's language: Arabic
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    width = DESKTOP["width"]
    # the header's first item (the name) sits on the right, the navigation on the left
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    assert brand["x"] > width / 2 > nav["x"]
    # a start-aligned heading starts at the right edge of its box
    heading = page.evaluate(TEXT_BOX, "main h1")
    assert heading["textRight"] == pytest.approx(heading["boxRight"], abs=2)
    assert heading["textLeft"] > heading["boxLeft"] + 20
    current = page.locator(".lang-current")
    assert current.inner_text() == "العربية" and current.get_attribute("lang") == "ar"
    screenshot(page, "rtl-about-ar")


def test_the_forms_errors_are_mirrored_in_arabic(arabic_desktop, live_server, screenshot):
    page = arabic_desktop.new_page()
    page.goto(f"{live_server}/report?lang=ar")
    page.locator("form#report-form").evaluate("form => form.noValidate = true")
    page.locator("form#report-form button[type=submit]:not(.lang-link)").last.click()
    page.wait_for_selector("#error-summary")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # the field messages' bar is on the start side: the right
    field_error = page.locator(".field-error").first
    bars = field_error.evaluate(
        "e => [getComputedStyle(e).borderRightWidth, getComputedStyle(e).borderLeftWidth]"
    )
    assert bars == ["4px", "0px"]
    summary = page.locator("#error-summary ul").evaluate(
        "e => [getComputedStyle(e).paddingRight, getComputedStyle(e).paddingLeft]"
    )
    assert summary[0] != "0px" and summary[1] == "0px"
    screenshot(page, "rtl-report-errors-ar")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_language_switch_keeps_what_was_typed(browser, live_server, javascript):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", java_script_enabled=javascript, is_mobile=True
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        assert page.locator("html").get_attribute("lang") == "de"
        page.locator("#address").fill("Friedensplatz 1")
        page.locator("#description").fill("Der Korb quillt über.\nSeit Tagen.")
        page.locator("#email").fill("anwohnerin@example.invalid")
        with page.expect_navigation():
            page.get_by_role("button", name="Türkçe").click()
        assert page.locator("html").get_attribute("lang") == "tr"
        assert page.locator("#address").input_value() == "Friedensplatz 1"
        assert page.locator("#description").input_value() == "Der Korb quillt über.\nSeit Tagen."
        assert page.locator("#email").input_value() == "anwohnerin@example.invalid"
        with page.expect_navigation():
            page.get_by_role("button", name="العربية").click()
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("#address").input_value() == "Friedensplatz 1"
        # remembered: the next page is Arabic too
        page.goto(f"{live_server}/about")
        assert page.locator("html").get_attribute("lang") == "ar"
        db.session.rollback()
        assert db.session.execute(db.select(db.func.count()).select_from(Report)).scalar() == 0
        db.session.rollback()
    finally:
        context.close()


# Where the zoom buttons sit in their map: their centre as a share of the map's width.
ZOOM_PLACE = """(map) => {
  const zoom = map.querySelector('.leaflet-control-zoom').getBoundingClientRect();
  const box = map.getBoundingClientRect();
  return {share: (zoom.left + zoom.width / 2 - box.left) / box.width, top: zoom.top - box.top};
}"""


@pytest.mark.parametrize(
    ("path", "map_selector"), [("/karte", "#public-map"), ("/report", "#map")], ids=["map", "form"]
)
def test_the_zoom_buttons_sit_at_the_start_of_the_map(browser, live_server, path, map_selector):
    """Top left on German pages, top right (the start side) on Arabic ones."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    try:
        page = context.new_page()
        for lang, start_side in (("de", "left"), ("ar", "right")):
            page.goto(f"{live_server}{path}?lang={lang}")
            zoom_in = page.locator(f"{map_selector} .leaflet-control-zoom-in")
            zoom_in.wait_for()
            place = page.locator(map_selector).evaluate(ZOOM_PLACE)
            assert place["top"] < 40, lang
            if start_side == "left":
                assert place["share"] < 0.2, lang
            else:
                assert place["share"] > 0.8, lang
            # the buttons still speak the page's language
            assert zoom_in.get_attribute("title") == ("Vergrößern" if lang == "de" else "تكبير")
    finally:
        context.close()


def test_staff_pages_are_mirrored_in_arabic(arabic_desktop, live_server, make_user, make_report):
    """The inbox and the admin use logical CSS: on an Arabic page the timeline's line and the
    numbers' alignment are on the mirrored side."""
    from tests.browser.test_inbox import log_in

    report = make_report("papierkorb-voll")
    page = arabic_desktop.new_page()
    log_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/inbox/reports/{report.reference}?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    timeline = page.locator("ol.staff-timeline").evaluate(
        "e => [getComputedStyle(e).borderRightWidth, getComputedStyle(e).borderLeftWidth,"
        " getComputedStyle(e).paddingRight, getComputedStyle(e).paddingLeft]"
    )
    assert timeline == ["3px", "0px", "16px", "0px"]
    # an event's dot sits on the line: right of the event's own box
    dot = page.locator("ol.staff-timeline .event").first.evaluate(
        "e => [getComputedStyle(e, '::before').right, getComputedStyle(e, '::before').left]"
    )
    assert dot[0].startswith("-") and not dot[1].startswith("-")  # beyond the right edge

    page.goto(f"{live_server}/admin/departments?lang=ar")
    numbers = page.locator(".admin-table td.num").first
    cell = numbers.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " const t = r.getBoundingClientRect(), b = e.getBoundingClientRect();"
        " return [t.left - b.left, b.right - t.right]; }"
    )
    # a number is aligned to the end: the left on an Arabic page
    assert cell[0] < cell[1]
