"""The statistics pages in a real browser: charts with accessible names, tables with headers,
CSV downloads, the period and district form, no JavaScript needed, usable on a phone. Saves
docs/screenshots/statistik.png for the README."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.enums import Channel, ReportStatus
from app.extensions import db
from app.reports.due import due_date
from app.reports.models import Report
from app.reports.residents import add_supporter
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "statistik.png"
# Points inside Dortmund's districts.
POINTS = [
    (51.50486, 7.42514),
    (51.53428, 7.47349),
    (51.50645, 7.49169),
    (51.56454, 7.46733),
    (51.55911, 7.55057),
    (51.529, 7.57358),
    (51.48463, 7.56405),
    (51.45846, 7.51577),
    (51.46472, 7.43704),
    (51.50036, 7.35807),
    (51.53194, 7.39208),
    (51.56679, 7.39058),
]
CATEGORIES = [
    ("papierkorb-voll", 6),
    ("wilder-muell", 5),
    ("littering", 3),
    ("laterne-aus", 4),
    ("unsicherer-ort", 3),
    ("spielplatz", 1),
    ("strassenschaden", 2),
    ("sonstiges", 1),
]
REASONS = ["dark", "deserted", "sightlines", "harassment", "drugs_alcohol", "neglect"]
TIMES = ["evening", "night", "night", "always", "day"]


@pytest.fixture
def two_years(app_ctx, make_report):
    """About 240 reports over 2024 and 2025, with outcomes, made through the intake."""
    rng = random.Random(9)  # noqa: S311 (repeatable test data)
    names, weights = zip(*CATEGORIES, strict=True)
    start = datetime(2024, 1, 1, 7, tzinfo=UTC)
    made = []
    for _ in range(240):
        code = rng.choices(names, weights)[0]
        lat, lon = rng.choice(POINTS)
        fields = {}
        if code == "unsicherer-ort":
            fields["attributes"] = {
                "time_of_day": rng.choice(TIMES),
                "reasons": rng.sample(REASONS, rng.choice([1, 1, 2, 3])),
            }
        made.append(make_report(code, (lat + rng.uniform(-2e-3, 2e-3), lon), **fields))
    for report in made:
        report = db.session.get(Report, report.id)
        received = start + timedelta(days=rng.uniform(0, 730), hours=rng.uniform(0, 12))
        if rng.random() < 0.15:
            add_supporter(report, Channel.WEB)  # while it is open
        report.created_at = received
        report.due_at = due_date(report.category, received)
        fast = report.category.group.code == "sauberkeit"
        days = rng.expovariate(1 / (2.5 if fast else 9))
        closed = received + timedelta(days=days)
        if closed < datetime(2025, 12, 31, tzinfo=UTC) and rng.random() < 0.93:
            report.status = rng.choices(
                [ReportStatus.RESOLVED, ReportStatus.NOT_RESOLVABLE, ReportStatus.DUPLICATE],
                [90, 5, 5],
            )[0]
            report.closed_at = closed
    db.session.commit()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    yield context
    context.close()


CHARTS_NAMED = """() => [...document.querySelectorAll("svg[role=img]")].map(svg => {
  const ids = (svg.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
  return ids.map(id => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
})"""
TABLES_HEADED = """() => [...document.querySelectorAll("main table")].map(table => ({
  caption: (table.caption || {}).textContent || "",
  columns: table.querySelectorAll("thead th[scope=col]").length,
  rows: table.querySelectorAll("tbody tr").length,
  rowHeaders: table.querySelectorAll("tbody th[scope=row]").length,
}))"""


def check_charts_and_tables(page) -> None:
    names = page.evaluate(CHARTS_NAMED)
    assert len(names) >= 7
    assert all(len(name) > 20 for name in names), names  # title and description
    month_chart = page.get_by_role("img", name=re.compile("Eingegangene Meldungen je Monat"))
    assert month_chart.is_visible()
    tables = page.evaluate(TABLES_HEADED)
    assert len(tables) >= 7
    for table in tables:
        assert table["caption"].strip()
        assert table["columns"] >= 2
        assert table["rowHeaders"] == table["rows"] > 0


def test_the_statistics_page_at_a_glance(desktop, live_server, two_years, screenshot):
    page = desktop.new_page()
    page.goto(f"{live_server}/statistik?period=2025")
    assert page.locator("h1").inner_text() == "Statistik"
    assert page.get_by_text("Zeitraum: 2025, verglichen mit 2024.").is_visible()
    tiles = page.locator(".stats-tile")
    assert tiles.count() == 6
    assert "Eingegangene Meldungen" in tiles.first.inner_text()
    check_charts_and_tables(page)
    district_chart = page.get_by_role("img", name=re.compile("nach Stadtbezirk"))
    assert district_chart.first.is_visible()
    # The description names every district with its figure (the chart's text alternative).
    assert "Innenstadt-Nord:" in page.locator("#chart-districts-received desc").text_content()

    screenshot(page, "statistik-full")  # the whole page, for looking at
    page.set_viewport_size({"width": 1280, "height": 1500})
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size < 300_000

    csv_link = page.locator("#groups a[download]")
    response = page.request.get(live_server + csv_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text().startswith("group,group_name,received,")

    # The form leads to a quarter in a district, beside the city.
    page.select_option("#stats-period", "2025-Q2")
    page.select_option("#stats-district", label="Innenstadt-Nord")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_url(re.compile(r".*/statistik/bezirk/04\?period=2025-Q2"))
    assert page.locator("h1").inner_text() == "Statistik: Innenstadt-Nord"
    assert page.get_by_role("img", name=re.compile("Innenstadt-Nord und die Stadt")).count() == 2
    page.get_by_role("link", name="Statistik der ganzen Stadt").click()
    page.wait_for_url(re.compile(r".*/statistik\?period=2025-Q2$"))


def test_without_javascript_and_on_a_phone(browser, live_server, two_years):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", java_script_enabled=False, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{live_server}/statistik/bezirk/04?period=2025")
    check_charts_and_tables(page)
    # Wide tables scroll inside their own region; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    region = page.get_by_role("region", name=re.compile("nach Kategoriegruppe"))
    assert region.get_attribute("tabindex") == "0"
    context.close()
