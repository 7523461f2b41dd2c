"""Accessibility in a real browser.

WCAG 2.1 A and AA on every public page in every language of the site: axe-core (vendored,
tests/browser/vendor/axe-core) runs in headless Chromium on each page, with the maps drawn
over tiles, and finds no violation. The maps' controls speak the page's language. A report and
a "me too" are made with the keyboard alone, the place set on the map by keys."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_content_security_policy import (  # noqa: F401 (pytest fixtures)
    TILES_LOADED,
    public_pages,
    tile_server,
    with_tiles,
)
from tests.browser.test_public_map import IDLE
from tests.images import encode, noisy

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = TestConfig().LANGUAGES
LITTER = (51.5136, 7.4653)
ELSEWHERE = (51.5233, 7.4817)  # Borsigplatz: nothing reported near it

# axe's run over the whole document, answering one line per violation and element, and one per
# check that axe could not finish (an error inside axe would otherwise pass unseen).
RUN_AXE = """async (tags) => {
  // Leaflet blends its tiles with "plus-lighter", a mode axe cannot compose: it would skip the
  // contrast of everything drawn over the tiles (the attribution, the controls). The tiles are
  // opaque and look the same blended normally.
  document.querySelectorAll("img.leaflet-tile").forEach((tile) => {
    tile.style.mixBlendMode = "normal";
  });
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  const line = (rule, node, text) =>
    `${rule.id} (${rule.impact}): ${node.target.join(" ")} – ${text}`;
  const violations = result.violations.flatMap((rule) =>
    rule.nodes.map((node) => line(rule, node, node.failureSummary)));
  const errors = result.incomplete.flatMap((rule) => rule.nodes.flatMap((node) =>
    [...node.any, ...node.all, ...node.none]
      .filter((check) => check.id === "error-occurred")
      .map((check) => line(rule, node, "axe failed: " + check.data.message))));
  return [...violations, ...errors];
}"""


def axe_violations(page) -> list[str]:
    """The page's WCAG 2.1 A/AA violations as axe reports them (none: an empty list).

    The script goes in through the DevTools protocol (page.evaluate), which the page's
    Content-Security-Policy does not govern, so the page is checked with its real policy."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def is_document(response) -> bool:
    """A whole HTML page (not JSON, not a piece of HTML that a page's script asks for)."""
    return response.headers.get("content-type", "").startswith("text/html") and (
        "<html" in response.text()
    )


def settled(page) -> None:
    """Wait until the page has settled: nothing loading, every map drawn with its tiles."""
    page.wait_for_load_state("networkidle")
    if page.locator(".leaflet-container").count():
        page.wait_for_function(TILES_LOADED)


def translated(app, lang: str, text: str) -> str:
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={lang}"):
        return gettext(text)


@pytest.fixture
def reports(app_ctx, make_report, make_user):
    """A report with a released photo and a public status note, an unsafe place (shown as an
    area), and enough unsafe places at one spot for a hotspot on the public map."""
    from app.core.enums import ReportStatus
    from app.extensions import db
    from app.reports import workflow
    from app.reports.drafts import PhotoUpload

    dispatcher = make_user("dispatcher")
    photo = PhotoUpload(encode(noisy((640, 480)), "JPEG"), "korb.jpg")
    litter = make_report(
        "papierkorb-voll", LITTER, description="Der Korb am Eingang quillt über.", photos=[photo]
    )
    workflow.set_photo_public(litter.photos[0], True, dispatcher)
    workflow.change_status(
        litter, ReportStatus.IN_PROGRESS, dispatcher, public_note="Wird morgen geleert."
    )
    db.session.commit()
    unsafe = make_report("unsicherer-ort", (51.4990, 7.4760))
    for _ in range(2):
        make_report("unsicherer-ort", (51.4990, 7.4760))
    return litter, unsafe


def first_district(app_ctx) -> str:
    from app.extensions import db
    from app.geo.models import District

    return db.session.execute(sa.select(sa.func.min(District.number))).scalar_one()


def fill_form(page, category: str, point: tuple[float, float], *, events: bool) -> None:
    """Fill the report form by script (these tests are about the pages, not the typing):
    the category, the place and an e-mail for updates; with ``events`` the form's script
    hears of it as if typed."""
    page.evaluate(
        """([category, lat, lon, events]) => {
          const form = document.getElementById("report-form");
          const set = (field, change) => {
            change(field);
            if (events) field.dispatchEvent(new Event("change", { bubbles: true }));
          };
          set(form.querySelector(`input[name=category][value='${category}']`),
              (f) => { f.checked = true; });
          set(form.querySelector("[name=lat]"), (f) => { f.value = lat; });
          set(form.querySelector("[name=lon]"), (f) => { f.value = lon; });
          form.querySelector("[name=email]").value = "anwohnerin@example.invalid";
          form.querySelector("[name=consent]").checked = true;
        }""",
        [category, f"{point[0]:.6f}", f"{point[1]:.6f}", events],
    )


def send_form(page) -> None:
    submit(page, "#report-form")


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    yield context
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_meets_wcag_21_aa(
    context, live_server, app_ctx, with_tiles, reports, lang
):
    litter, unsafe = reports
    paths = [
        *public_pages(app_ctx),
        f"/r/{litter.reference}",
        f"/r/{unsafe.reference}",
        f"/statistik/bezirk/{first_district(app_ctx)}",
    ]
    zoom_in = translated(app_ctx, lang, "Zoom in")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for path in paths:
        url = f"{live_server}{path}?lang={lang}"
        if not is_document(page.request.get(url)):
            continue  # a page's JSON, or a fragment for a page's script
        response = page.goto(url)
        assert response is not None, path
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == lang, path
        settled(page)
        for button in page.locator(".leaflet-control-zoom-in").all():
            assert button.get_attribute("title") == zoom_in, path
        found[path] = axe_violations(page)
    assert {"/", "/report", "/karte", "/statistik", "/open-data/", "/about"} <= set(found)

    # The form sent empty: shown again with the error summary and the fields' messages.
    page.goto(f"{live_server}/report?lang={lang}")
    send_form(page)
    assert page.locator("#error-summary").count() == 1
    settled(page)
    found["/report, with errors"] = axe_violations(page)

    # The form with the open reports nearby shown in it, as cards with "me too".
    page.goto(f"{live_server}/report?lang={lang}")
    fill_form(page, "papierkorb-voll", LITTER, events=True)
    page.locator("#nearby button[form=me-too-form]").wait_for()
    settled(page)
    found["/report, with reports nearby"] = axe_violations(page)

    # Sent before the script has shown them: the step of its own with the cards, then "me too".
    page.goto(f"{live_server}/report?lang={lang}")
    fill_form(page, "papierkorb-voll", LITTER, events=False)
    send_form(page)
    me_too = page.locator(f"button[form=me-too-form][value='{litter.reference}']")
    assert me_too.count() == 1
    found["/report (step: reported nearby)"] = axe_violations(page)
    with page.expect_navigation():
        me_too.press("Enter")
    assert "/supported" in page.url
    found[page.url.removeprefix(live_server)] = axe_violations(page)

    # A report of its own: the confirmation page.
    page.goto(f"{live_server}/report?lang={lang}")
    fill_form(page, "papierkorb-voll", ELSEWHERE, events=False)
    send_form(page)
    assert "/submitted" in page.url
    found[page.url.removeprefix(live_server)] = axe_violations(page)

    if "afterwards.not_fixed" in app_ctx.view_functions:
        found.update(afterwards_pages(page, live_server, lang, litter, resolved_report(app_ctx)))

    problems = {path: lines for path, lines in found.items() if lines}
    assert problems == {}, "\n".join(
        f"{path}:\n  " + "\n  ".join(lines) for path, lines in problems.items()
    )


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    yield context
    context.close()


def test_the_main_pages_meet_wcag_21_aa_on_a_phone(phone, live_server, with_tiles, reports):
    """The narrow layout (folded navigation, stacked form, maps across the screen) as well."""
    litter, _unsafe = reports
    page = phone.new_page()
    found = {}
    for lang in LANGUAGES:
        for path in ("/", "/report", "/karte", f"/r/{litter.reference}"):
            page.goto(f"{live_server}{path}?lang={lang}")
            settled(page)
            found[f"{path} ({lang})"] = axe_violations(page)
    problems = {path: lines for path, lines in found.items() if lines}
    assert problems == {}, "\n".join(
        f"{path}:\n  " + "\n  ".join(lines) for path, lines in problems.items()
    )


def resolved_report(app_ctx):
    """A resolved report whose reporter left an e-mail address, and their "not fixed?" link."""
    from app.core.enums import Channel, ReportStatus
    from app.core.events import SYSTEM, Actor
    from app.extensions import db
    from app.forwarding.links import reopen_token
    from app.reports.drafts import ContactDraft, ReportDraft
    from app.reports.intake import submit_report
    from app.reports.workflow import apply_status

    report = submit_report(
        ReportDraft(
            channel=Channel.WEB,
            category_code="papierkorb-voll",
            lat=51.4886,
            lon=7.5126,
            contact=ContactDraft(email="anwohner@example.invalid", consent=True),
        ),
        Actor("resident", "test"),
    ).report
    apply_status(report, ReportStatus.RESOLVED, SYSTEM, None)
    db.session.commit()
    return reopen_token(f"contact:{report.contact.id}", report.id)


def afterwards_pages(page, base: str, lang: str, report, token: str) -> dict[str, list[str]]:
    """ "Follow this report" sent empty and filled in; "not fixed?" from the e-mail's link, and
    sent without a comment."""
    found = {}
    page.goto(f"{base}/r/{report.reference}?lang={lang}")
    submit(page, ".follow-form")
    found["follow, with errors"] = axe_violations(page)
    page.goto(f"{base}/r/{report.reference}?lang={lang}")
    page.fill("#follow-email", "nachbarin@example.invalid")
    page.check("#follow-consent")
    submit(page, ".follow-form")
    found["follow, done"] = axe_violations(page)
    page.goto(f"{base}/not-fixed/{token}?lang={lang}")
    found["not fixed?"] = axe_violations(page)
    submit(page, ".not-fixed-form")
    assert page.locator("#error-summary").count() == 1
    found["not fixed?, with errors"] = axe_violations(page)
    return found


def submit(page, form: str) -> None:
    with page.expect_navigation():
        page.evaluate("(form) => document.querySelector(form).submit()", form)


# --- the keyboard alone ----------------------------------------------------------------------

FOCUSED = "(selector) => document.activeElement && document.activeElement.matches(selector)"


def tab_to(page, selector: str, *, limit: int = 300) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate(FOCUSED, selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def focused(page, selector: str) -> bool:
    return page.evaluate(FOCUSED, selector)


def map_moves(page) -> int:
    return int(page.evaluate("Number(document.getElementById('map').dataset.moves || 0)"))


def choose_category(page, code: str) -> None:
    """Open the category's group (its summary, by Enter) and choose it (arrow keys, Space)."""
    group = page.locator("details.category-group", has=page.locator(f"#category-{code}"))
    if group.count() and not group.evaluate("(details) => details.open"):
        tab_to(page, f"details.category-group:has(#category-{code}) > summary")
        page.keyboard.press("Enter")
    tab_to(page, "input[name=category]")
    for _ in range(40):
        if focused(page, f"#category-{code}"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator(f"#category-{code}").is_checked()


def mark_on_map(page, *, pan: bool) -> tuple[float, float]:
    """Tab to the form's map, move it with an arrow key (with ``pan``), and set the marker at
    its centre with Enter."""
    tab_to(page, "#map")
    # A clear focus, and the cross at the centre that Enter will mark.
    outline = page.evaluate("getComputedStyle(document.getElementById('map')).outlineStyle")
    assert outline != "none"
    assert page.locator("#map .map-crosshair").is_visible()
    if pan:
        moves = map_moves(page)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(n) => Number(document.getElementById('map').dataset.moves || 0) > n", arg=moves
        )
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('lat').value !== ''")
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    assert focused(page, "#map")  # the focus stays on the map, to move the marker again
    return float(page.input_value("#lat")), float(page.input_value("#lon"))


SEND = "#report-form button[type=submit]:not([name]):not([formaction])"


@pytest.fixture
def german(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    yield context
    context.close()


def test_a_report_by_keyboard_alone(german, live_server, app_ctx):
    from app.extensions import db
    from app.reports.models import Report

    page = german.new_page()
    page.goto(f"{live_server}/report")
    page.wait_for_selector("#map.leaflet-container")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Vergrößern"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Verkleinern"
    centre = float(page.get_attribute("#report-form", "data-center-lon"))

    lat, lon = mark_on_map(page, pan=True)
    assert lon > centre  # the arrow key moved the map east before the marker was set
    # The place is said in the live region next to the map.
    said = page.locator("#map-status").inner_text()
    assert said.startswith("Markierung gesetzt bei ")
    said_lat, said_lon = (float(n) for n in said.removesuffix(".").split(" bei ")[1].split(", "))
    assert (said_lat, said_lon) == pytest.approx((lat, lon), abs=1e-5)
    # The way without the map is always there: the address, and the coordinates the map filled.
    assert page.locator("#address").is_visible()
    assert page.locator("#coordinates summary").is_visible()
    choose_category(page, "papierkorb-voll")

    tab_to(page, SEND)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/submitted" in page.url
    report = db.session.execute(sa.select(Report)).scalar_one()
    assert report.category.code == "papierkorb-voll"
    assert (float(report.lat), float(report.lon)) == pytest.approx((lat, lon), abs=1e-6)


def test_me_too_by_keyboard_alone(german, live_server, app_ctx, make_report):
    if "web.me_too" not in app_ctx.view_functions:
        pytest.skip("no web 'me too' in this build")
    from app.extensions import db
    from app.reports.models import ReportSupporter

    page = german.new_page()
    page.goto(f"{live_server}/report")
    page.wait_for_selector("#map.leaflet-container")
    # An open report of the same kind where the map's centre is.
    form = page.locator("#report-form")
    centre = (
        float(form.get_attribute("data-center-lat")),
        float(form.get_attribute("data-center-lon")),
    )
    existing = make_report("papierkorb-voll", centre)

    mark_on_map(page, pan=False)
    choose_category(page, "papierkorb-voll")

    button = f"#nearby button[form=me-too-form][value='{existing.reference}']"
    page.locator(button).wait_for()
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/report/{existing.reference}/supported")
    supporters = db.session.execute(
        sa.select(sa.func.count()).select_from(ReportSupporter)
    ).scalar_one()
    assert supporters == 1


def test_the_public_map_by_keyboard_alone(german, live_server, with_tiles):
    page = german.new_page()
    page.goto(f"{live_server}/karte")
    page.wait_for_selector("#public-map.leaflet-container")
    settled(page)
    tab_to(page, "#public-map")
    outline = page.evaluate("getComputedStyle(document.getElementById('public-map')).outlineStyle")
    assert outline != "none"
    assert page.locator("#public-map .map-crosshair").is_visible()
    assert page.locator("#public-map").get_attribute("aria-describedby").split() == [
        "map-help",
        "public-map-keys",
    ]
    moves = int(page.evaluate("Number(document.getElementById('public-map').dataset.moves || 0)"))
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "(n) => Number(document.getElementById('public-map').dataset.moves || 0) > n", arg=moves
    )
    page.wait_for_function(IDLE)  # the reports of the new view are counted (in #map-status)
    page.keyboard.press("Enter")
    page.locator("#place-panel").wait_for()
    said = page.locator("#map-status").inner_text()
    assert said.startswith("Gewählter Ort: ")
    assert said == page.locator("#place-text").inner_text()
    assert page.locator("#report-here").get_attribute("href").startswith("/report?lat=")
