"""The report form on a phone (390 × 844): the place and the category within the first two
screens, photo previews that can be removed, and "me too" on a report nearby — with the
script (cards in the form) and without it (a step before sending). Takes the README's phone
screenshots (docs/screenshots/formular-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.reports import workflow
from app.reports.drafts import PhotoUpload
from app.reports.models import Report, ReportSupporter
from tests.browser.conftest import PHONE
from tests.browser.test_report_form import choose_category
from tests.images import encode, noisy

pytestmark = pytest.mark.browser

README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREEN = PHONE["height"]
RATHAUS = (51.5136, 7.4653)
NEAR_RATHAUS = (51.51362, 7.46533)  # about 3 m away
# The top of an element on the page (not in the viewport), in CSS pixels.
PAGE_TOP = "(element) => element.getBoundingClientRect().top + window.scrollY"
NEARBY_ANSWERED = "() => document.getElementById('offer-nearby').value === '0'"


def phone(browser, **options):
    return browser.new_context(
        viewport=PHONE,
        locale="de-DE",
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        **options,
    )


def readme_shot(page, name: str) -> None:
    """A phone screen (the viewport, not the whole page) for the README."""
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_SHOTS / name))
    assert (README_SHOTS / name).stat().st_size < 300_000


@pytest.fixture
def full_bin(make_report, make_user):
    """An open "litter bin full" at the Rathaus with a description and a released photo."""
    report = make_report(
        "papierkorb-voll",
        RATHAUS,
        description="Der Papierkorb am Eingang des Rathauses quillt seit dem Wochenende über.",
        photos=[PhotoUpload(encode(noisy((640, 480)), "JPEG"), "korb.jpg")],
    )
    workflow.set_photo_public(report.photos[0], True, make_user("dispatcher"))
    db.session.commit()
    return report


def supporters_of(report: Report) -> list[ReportSupporter]:
    db.session.rollback()
    found = list(
        db.session.execute(
            db.select(ReportSupporter).where(ReportSupporter.report_id == report.id)
        ).scalars()
    )
    db.session.rollback()
    return found


def reports() -> int:
    db.session.rollback()
    count = db.session.execute(db.select(db.func.count()).select_from(Report)).scalar_one()
    db.session.rollback()
    return count


def test_place_and_category_are_on_the_first_two_screens(browser, live_server):
    context = phone(browser)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        page.wait_for_selector("#map.leaflet-container")
        place = page.locator("#use-my-location")
        place.wait_for(state="visible")
        tops = {
            "use my location": place.evaluate(PAGE_TOP),
            "map": page.locator("#map").evaluate(PAGE_TOP),
            "address": page.locator("#address").evaluate(PAGE_TOP),
            "categories": page.locator("#category-fieldset").evaluate(PAGE_TOP),
            "last group": page.locator(".category-group-summary").last.evaluate(PAGE_TOP),
        }
        assert all(top < 2 * SCREEN for top in tops.values()), tops
        assert tops["use my location"] < SCREEN and tops["map"] < SCREEN  # where: on screen one
        readme_shot(page, "formular-telefon.png")

        # What: a group folds open, one at a time; a category's description on demand.
        page.locator("summary", has_text="Sauberkeit").click()
        about = page.get_by_role("button", name="Papierkorb voll", exact=False)
        hint = page.locator("#category-papierkorb-voll-hint")
        assert hint.is_hidden()
        about.click()
        assert hint.is_visible() and about.get_attribute("aria-expanded") == "true"
        page.get_by_label("Papierkorb voll", exact=True).check()
        group = page.locator("details.category-group", has_text="Sauberkeit")
        assert "Papierkorb voll" in group.locator(".category-group-chosen").inner_text()
        page.locator("#category-fieldset").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -8)")
        readme_shot(page, "formular-kategorie.png")
        page.locator("summary", has_text="Beleuchtung").click()  # another group: the first closes
        assert group.get_attribute("open") is None
        assert page.get_by_label("Papierkorb voll", exact=True).is_checked()
    finally:
        context.close()


def test_photo_preview_and_removing_one(browser, live_server):
    context = phone(browser)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        page.wait_for_selector("#map.leaflet-container")
        page.set_input_files(
            "#photos",
            files=[
                {
                    "name": "erstes.jpg",
                    "mimeType": "image/jpeg",
                    "buffer": encode(noisy((400, 300)), "JPEG"),
                },
                {
                    "name": "zweites.png",
                    "mimeType": "image/png",
                    "buffer": encode(noisy((300, 400)), "PNG"),
                },
            ],
        )
        page.wait_for_selector("#photos[data-read='1']")
        previews = page.locator(".photo-preview")
        assert previews.count() == 2
        page.wait_for_function(
            "() => [...document.querySelectorAll('.photo-preview img')]"
            ".every(img => !img.hidden && img.naturalWidth > 0)"
        )
        page.get_by_role("button", name="erstes.jpg").click()
        page.wait_for_selector("#photos[data-read='2']")
        assert previews.count() == 1 and "zweites.png" in previews.inner_text()
        assert page.evaluate("document.getElementById('photos').files.length") == 1
        assert "erstes.jpg" in page.locator("#photo-status").inner_text()  # said aloud
    finally:
        context.close()


def test_me_too_with_the_script(browser, live_server, full_bin):
    context = phone(
        browser,
        geolocation={"latitude": NEAR_RATHAUS[0], "longitude": NEAR_RATHAUS[1]},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        page.wait_for_selector("#map.leaflet-container")
        page.locator("#use-my-location").click()
        page.wait_for_function("() => document.getElementById('lat').value !== ''")
        choose_category(page, "Papierkorb voll")
        page.wait_for_function(NEARBY_ANSWERED)
        cards = page.locator("#nearby")
        assert cards.is_visible()
        card = cards.locator(".nearby-card")
        assert card.count() == 1
        text = card.inner_text()
        assert "Papierkorb voll" in text and "quillt seit dem Wochenende" in text
        assert "etwa 3 m entfernt" in text
        photo = card.locator("img.nearby-card-photo")
        page.wait_for_function(
            "() => document.querySelector('img.nearby-card-photo').naturalWidth > 0"
        )
        assert f"/r/{full_bin.reference}/photos/" in photo.get_attribute("src")
        button = card.get_by_role("button", name="Das ist es — ich bin auch betroffen")
        assert button.is_visible()
        cards.evaluate("(e) => e.scrollIntoView({block: 'start'})")
        readme_shot(page, "formular-auch-betroffen.png")

        page.locator(".me-too-updates > summary").click()
        page.fill("#me-too-email", "nachbar@example.invalid")
        page.check("#me-too-consent")
        button.click()
        page.wait_for_url(f"**/report/{full_bin.reference}/supported")
        assert "Danke!" in page.locator("h1").inner_text()
        assert full_bin.reference in page.locator("main").inner_text()
    finally:
        context.close()
    [supporter] = supporters_of(full_bin)
    assert supporter.email == "nachbar@example.invalid" and supporter.wants_updates
    assert reports() == 1  # no new report: a supporter instead


def test_me_too_step_without_javascript_keeps_the_photo(browser, live_server, full_bin):
    context = phone(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/report")
        page.locator("details#coordinates > summary").click()
        page.fill("#lat", str(NEAR_RATHAUS[0]))
        page.fill("#lon", str(NEAR_RATHAUS[1]))
        choose_category(page, "Papierkorb voll")
        page.set_input_files(
            "#photos",
            files=[
                {
                    "name": "korb.jpg",
                    "mimeType": "image/jpeg",
                    "buffer": encode(noisy((200, 150)), "JPEG"),
                }
            ],
        )
        page.fill("#description", "Der Korb ist voll.\nUnd daneben liegt Müll.")
        page.locator("#report-form button[type=submit]").click()
        page.wait_for_selector("#nearby-title")
        assert "Das ist es — ich bin auch betroffen" in page.locator("main").inner_text()
        assert reports() == 1
        page.get_by_role("button", name="Trotzdem eigene Meldung senden").click()
        page.wait_for_url("**/submitted")
    finally:
        context.close()
    assert reports() == 2
    db.session.rollback()
    newest = db.session.execute(db.select(Report).order_by(Report.id.desc())).scalars().first()
    assert len(newest.photos) == 1  # held for the step, not asked for again
    assert newest.description == "Der Korb ist voll.\nUnd daneben liegt Müll."
    db.session.rollback()
