"""The caseworker inbox in a real browser: a caseworker of EDG works a report from the queue
to another department; a dispatcher places a report from the triage queue."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.enums import ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.reports.drafts import ContactDraft, PhotoUpload
from app.reports.models import Report
from tests.browser.conftest import PHONE
from tests.browser.test_report_form import LABEL_CHECK
from tests.inbox.support import PASSWORD
from tests.web.support import jpeg

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHOENIX_SEE = (51.4886, 7.5126)
OUTLINES_DRAWN = """(id) => [...document.querySelectorAll("#" + id + " .leaflet-overlay-pane path")]
  .some(path => path.getAttribute("d") !== "M0 0")"""


def stored(reference: str) -> tuple[Report, list[str]]:
    db.session.rollback()
    report = db.session.execute(sa.select(Report).where(Report.reference == reference)).scalar_one()
    kinds = (
        db.session.execute(
            sa.select(ReportEvent.kind)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.id)
        )
        .scalars()
        .all()
    )
    report.department  # noqa: B018  (load while the session is fresh)
    return report, list(kinds)


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/inbox/")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/inbox/.*"))


def queue_rows(page) -> list[str]:
    return page.locator("#bulk-form input[name=reference]").evaluate_all(
        "boxes => boxes.map(b => b.value)"
    )


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    yield context
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", device_scale_factor=1, is_mobile=True, has_touch=True
    )
    yield context
    context.close()


def test_a_caseworker_works_a_report_and_sends_it_on(
    desktop, live_server, make_user, make_report, screenshot
):
    worker = make_user("caseworker", ("edg",), name="Erika Entsorger")
    basket = make_report("papierkorb-voll", description="Papierkorb quillt über")
    sofa = make_report(
        "wilder-muell",
        PHOENIX_SEE,
        description="Altes Sofa am Seeufer",
        photos=[PhotoUpload(jpeg(size=(800, 600)))],
        contact=ContactDraft(email="anwohner@example.invalid", consent=True),
    )
    lamp = make_report("laterne-aus")  # another department's
    page = desktop.new_page()
    log_in(page, live_server, worker)
    assert page.locator("html").get_attribute("lang") == "de"
    assert set(queue_rows(page)) == {basket.reference, sofa.reference}
    assert lamp.reference not in page.locator("main").inner_text()
    assert page.evaluate(LABEL_CHECK) == []  # every field has a name
    screenshot(page, "inbox-queue-desktop")

    # Find the report by filter.
    page.select_option("#f-category", "wilder-muell")
    page.locator("#apply-filters").click()
    page.wait_for_url(re.compile(r".*category=wilder-muell.*"))
    assert queue_rows(page) == [sofa.reference]

    # The same filter on the map.
    page.locator("#map-link").click()
    page.wait_for_selector("#queue-map.leaflet-container")
    page.wait_for_function(OUTLINES_DRAWN, arg="queue-map")
    page.wait_for_selector("#queue-map .leaflet-interactive")
    assert "1" in page.locator("#queue-map-status").inner_text()
    screenshot(page, "inbox-map-desktop", full_page=False)
    page.locator("#list-link").click()
    page.wait_for_url(re.compile(r".*/inbox/\?.*category=wilder-muell.*"))

    page.locator(f"a[href='/inbox/reports/{sofa.reference}']").click()
    page.wait_for_url(f"**/inbox/reports/{sofa.reference}")
    page.wait_for_selector("#report-map.leaflet-container")
    page.wait_for_function(OUTLINES_DRAWN, arg="report-map")
    main = page.locator("main").inner_text()
    assert "Altes Sofa am Seeufer" in main and "anwohner@example.invalid" in main
    assert page.locator(".photo-item img").evaluate("img => img.naturalWidth") > 0
    for box in page.locator("details.action-box > summary").all():
        box.click()  # open every action, so the label check sees all fields
    assert page.evaluate(LABEL_CHECK) == []
    page.reload()
    page.wait_for_selector("#report-map.leaflet-container")
    screenshot(page, "inbox-report-desktop")

    # An internal note.
    page.fill("#internal-note", "Sperrmüll – Anwohner hat schon angerufen.")
    page.locator("#note-submit").click()
    page.wait_for_selector(".flash-success")
    assert "Sperrmüll – Anwohner hat schon angerufen." in page.locator("#timeline").inner_text()

    # "In progress" with a public note; the template fills the note first (its script has to
    # be running: the page was just loaded again after the note).
    page.wait_for_load_state("load")
    page.select_option("#template", label="In Bearbeitung (in Bearbeitung)")
    expect(page.locator("#public-note")).to_have_value(re.compile(r"^Vielen Dank"))
    assert page.locator("#status").input_value() == "in_progress"
    page.fill("#public-note", "Die EDG holt das Sofa morgen ab.")
    page.locator("#status-submit").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#current-status").inner_text() == "in Bearbeitung"
    timeline = page.locator("#timeline").inner_text()
    assert "Die EDG holt das Sofa morgen ab." in timeline and "Erika Entsorger" in timeline
    screenshot(page, "inbox-report-after-desktop", full_page=False)

    # Not ours after all: to the Grünflächenamt, with a reason.
    page.select_option("#department", "gruenflaechen")
    page.fill("#reroute-reason", "Das Sofa steht im Park, nicht an der Straße.")
    page.locator("#reroute-submit").click()
    page.wait_for_url(re.compile(r".*/inbox/$"))
    assert page.locator(".flash-success").count() == 2
    assert queue_rows(page) == [basket.reference]

    page.get_by_role("button", name=re.compile("Abmelden|Log out")).click()
    page.wait_for_url(re.compile(r".*/login\?logged_out=1"))
    page.goto(f"{live_server}/inbox/reports/{sofa.reference}")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))

    report, kinds = stored(sofa.reference)
    assert report.status == ReportStatus.IN_PROGRESS
    assert report.department.code == "gruenflaechen"
    # EDG's ticket (never sent: no worker here) is withdrawn with the re-route
    assert kinds == ["submitted", "note_added", "status_changed", "rerouted", "ticket_withdrawn"]


def test_a_dispatcher_places_a_report_from_triage(
    phone, live_server, make_user, make_report, screenshot
):
    dispatcher = make_user("dispatcher", name="Dana Disponentin")
    other = make_report("sonstiges", description="Verkehrsschild verdreht")
    make_report("papierkorb-voll")  # routed by a rule: not in triage
    page = phone.new_page()
    log_in(page, live_server, dispatcher)
    page.get_by_role("link", name=re.compile("^(Sichtung|Triage)$")).first.click()
    page.wait_for_url(re.compile(r".*scope=triage.*"))
    assert queue_rows(page) == [other.reference]
    screenshot(page, "inbox-triage-phone")

    page.locator(f"a[href='/inbox/reports/{other.reference}']").click()
    page.wait_for_selector("#report-map.leaflet-container")
    screenshot(page, "inbox-report-phone")

    page.select_option("#department", "tiefbau")
    page.fill("#reroute-reason", "Verkehrsschild: Straßen und Wege")
    page.locator("#reroute-submit").click()
    page.wait_for_selector(".flash-success")
    assert "Tiefbauamt" in page.locator("#responsible").inner_text()

    # A new place by a click on the map fills the location form.
    page.locator("#location-box > summary").click()
    before = page.locator("#loc-lat").input_value()
    box = page.locator("#report-map").bounding_box()
    page.locator("#report-map").click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.3})
    assert page.locator("#loc-lat").input_value() != before
    screenshot(page, "inbox-report-actions-phone")

    report, kinds = stored(other.reference)
    assert report.department.code == "tiefbau"
    assert kinds == ["submitted", "rerouted"]
