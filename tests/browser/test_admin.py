"""The admin area in a real browser: an admin adds a routing rule, tests where a point would
go, and a resident's report sent through the web form follows the new rule."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category
from app.extensions import db
from app.reports.models import Report
from app.routing.models import Department
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_report_form import choose_category

pytestmark = pytest.mark.browser

PASSWORD = "a long test password"
HOERDE = ("51.4886", "7.5126")  # Phoenix-See, in the Stadtbezirk Hörde


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/admin/")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/admin/$"))


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    yield context
    context.close()


def test_an_admin_adds_a_rule_and_a_new_report_follows_it(
    desktop, browser, reseed_city, live_server, make_user, screenshot
):
    admin = make_user("admin", name="Ada Admin")
    page = desktop.new_page()
    log_in(page, live_server, admin)
    assert page.locator("html").get_attribute("lang") == "de"
    screenshot(page, "admin-overview")

    # the rules, in order; then a new one at the top
    page.locator(".admin-nav a[href='/admin/rules']").click()
    page.wait_for_url("**/admin/rules")
    assert page.locator("tr[id^=rule-]").count() == 8
    page.locator("a[href='/admin/rules/new']").click()
    page.wait_for_url("**/admin/rules/new")
    assert page.locator("#action-route").is_checked()
    page.select_option("#target", label="Papierkorb voll")
    page.select_option("#district", label="Hörde")
    page.select_option("#department", label="Grünflächenamt")
    page.fill("#position", "1")
    page.fill("#note", "Am Phoenix-See leert das Grünflächenamt die Körbe")
    screenshot(page, "admin-rule-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/admin/rules#rule-\d+$"))
    first = page.locator("tr[id^=rule-]").first
    row = re.sub(r"\s+", " ", first.inner_text())
    assert row.startswith("1")
    assert "Papierkorb voll" in row and "Hörde" in row and "Grünflächenamt" in row
    assert page.locator("tr[id^=rule-]").count() == 9
    assert page.locator(".flash-success").count() == 1
    screenshot(page, "admin-rules")

    # the test box: where would a full litter bin at the Phoenix-See go?
    page.select_option("#test-category", label="Papierkorb voll")
    page.fill("#test-lat", HOERDE[0])
    page.fill("#test-lon", HOERDE[1])
    page.locator("#test-form button[type=submit]").click()
    page.wait_for_url("**/admin/rules/test?**")
    assert page.locator("#result-department").inner_text() == "Grünflächenamt"
    reason = page.locator("#result-reason").inner_text()
    assert "Papierkorb voll in Hörde → Grünflächenamt" in reason
    assert "Regel 1" in reason
    screenshot(page, "admin-rule-test")
    # the same category in the city centre still goes to EDG
    page.fill("#test-lat", "51.5136")
    page.fill("#test-lon", "7.4653")
    page.locator("#test-form button[type=submit]").click()
    page.wait_for_selector("#result-department")
    assert page.locator("#result-department").inner_text() == "EDG Entsorgung Dortmund GmbH"

    # a resident reports a full litter bin there, without JavaScript
    resident = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="de-DE")
    try:
        form = resident.new_page()
        form.goto(f"{live_server}/report")
        choose_category(form, "Papierkorb voll")
        form.locator("details#coordinates > summary").click()
        form.fill("#lat", HOERDE[0])
        form.fill("#lon", HOERDE[1])
        form.fill("#description", "Der Papierkorb am Seeufer quillt über.")
        form.locator("#report-form button[type=submit]").click()
        form.wait_for_url("**/submitted")
        text = form.locator("main").inner_text()
        assert "Grünflächenamt" in text
        assert "Hörde" in text
        assert "Regel 1" in text
        screenshot(form, "admin-report-confirmation")
    finally:
        resident.close()

    db.session.rollback()
    report = db.session.execute(sa.select(Report)).scalar_one()
    assert report.department.code == "gruenflaechen"
    assert report.district.name == "Hörde"
    db.session.rollback()


def test_admin_pages_look_right(browser, reseed_city, live_server, make_user, screenshot):
    """Screenshots of the other pages (desktop and phone), a form with errors, and no
    unlabelled form field anywhere."""
    admin = make_user("admin", name="Ada Admin")
    make_user("caseworker", ("edg", "umweltamt"), name="Carla Case")
    unlabelled = """() => [...document.querySelectorAll("main input, main select, main textarea")]
      .filter(el => el.type !== "hidden" && el.offsetParent !== null)
      .filter(el => !(el.labels && [...el.labels].some(l => l.textContent.trim())))
      .map(el => el.outerHTML.slice(0, 120))"""
    db.session.rollback()
    unsafe = db.session.execute(sa.select(Category.id).where(Category.code == "unsicherer-ort"))
    unsafe_id = unsafe.scalar_one()
    green = db.session.execute(sa.select(Department.id).where(Department.code == "gruenflaechen"))
    green_id = green.scalar_one()
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="de-DE", device_scale_factor=1)
        try:
            page = context.new_page()
            log_in(page, live_server, admin)
            pages = ["categories", "departments", "users", "response-templates", "rules"]
            if name == "desktop":
                pages += [
                    f"categories/{unsafe_id}",
                    f"categories/{unsafe_id}/questions/new",
                    "users/new",
                    "rules/test",
                    f"departments/{green_id}",
                ]
            for path in pages:
                page.goto(f"{live_server}/admin/{path}")
                assert page.evaluate(unlabelled) == [], path
                slug = re.sub(r"\d+", "n", path).replace("/", "-")
                screenshot(page, f"admin-{slug}-{name}")
            if name == "desktop":
                page.goto(f"{live_server}/admin/categories/new")
                page.fill("#code", "Hunde Kot")
                page.locator("main form button[type=submit]").click()
                page.wait_for_selector("#error-summary")
                assert page.locator(".field-error").count() >= 3
                assert page.evaluate(unlabelled) == []
                screenshot(page, "admin-category-errors-desktop")
        finally:
            context.close()
