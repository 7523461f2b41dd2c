"""``/karte`` without JavaScript: the filter form, the list (paged, newest first, each linking to
its status page) and what the page says about the map."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.core.enums import ReportStatus
from tests.publicmap.support import D_EXACT, fixed_reports, set_report
from tests.web.support import de, page_text


def listed(body: str) -> list[str]:
    """The references in the list, in page order."""
    return re.findall(r'<td><a href="/r/([A-Z0-9-]+)">', body)


@pytest.fixture
def reports(make_report):
    return fixed_reports(make_report)


def test_the_page_is_german_first_with_the_list_newest_first(client, reports):
    response = client.get("/karte")
    assert response.status_code == 200
    body = page_text(response)
    assert '<html lang="de">' in body
    assert "<h1>Karte der Meldungen</h1>" in body
    # newest first: A1 … B2 were made in January 2026 (A1 first), C and D in March 2025
    order = [reports[name].reference for name in ("B2", "B1", "A3", "A2", "A1")]
    assert listed(body)[:5] == order
    assert set(listed(body)[5:]) == {reports["C"].reference, reports["D"].reference}
    assert "7 Meldungen, neueste zuerst." in body
    b2 = reports["B2"].reference
    row = re.search(rf'<tr>\s*<td><a href="/r/{b2}">.*?</tr>', body, re.S)
    assert row is not None
    cells = re.sub(r"<[^>]+>", "|", row.group(0))
    assert "Wilder Müll" in cells and "Hörde" in cells and de("Resolved") in cells
    assert "09.01.2026" in cells  # created 9 January 2026 (medium German date)
    # the map: a labelled region, the hint without JavaScript, the report form's link
    assert 'role="region"' in body and 'aria-label="Karte der Meldungen;' in body
    assert "Die Karte braucht JavaScript." in body
    # no inline script or style (the content security policy allows none)
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", body)
    assert "style=" not in body and "onclick" not in body


def test_the_page_in_english(client, reports):
    body = page_text(client.get("/karte?lang=en"))
    assert '<html lang="en">' in body
    assert "<h1>Map of reports</h1>" in body
    assert "7 reports, newest first." in body
    assert "Received" in body and "Resolved" in body


def test_the_nav_links_to_the_map(client):
    body = page_text(client.get("/report"))
    assert 'href="/karte">Karte der Meldungen</a>' in body


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("group=sauberkeit", {"A1", "A2", "A3", "B2"}),
        ("group=unsicherer-ort", {"D"}),
        ("status=open", {"A1", "A2", "A3", "B1", "C", "D"}),
        ("status=closed", {"B2"}),
        ("status=resolved", {"B2"}),
        ("district=00", {"A1", "A2", "A3"}),
        ("district=5", {"B1", "B2"}),
        ("from=2025-03-10&to=2025-03-10", {"C", "D"}),
        ("from=2026-01-07", {"A3", "B1", "B2"}),
        ("to=2026-01-06", {"A1", "A2", "C", "D"}),
        ("period=2025-03", {"C", "D"}),
        ("group=sauberkeit&status=open&district=00", {"A1", "A2", "A3"}),
    ],
)
def test_filters_select_the_list(client, reports, query, names):
    body = page_text(client.get(f"/karte?{query}"))
    assert set(listed(body)) == {reports[n].reference for n in names}
    # the map asks for the same reports (a month is sent as its first and last day)
    if "period=" not in query:
        assert f'data-filter="{query}"' in body


def test_the_form_shows_the_chosen_filter_again(client, reports):
    body = page_text(client.get("/karte?group=beleuchtung&status=closed&district=5&period=2026-01"))
    assert '<option value="beleuchtung" selected>' in body
    assert '<option value="closed" selected>' in body
    assert '<option value="5" selected>Hörde</option>' in body
    # a month becomes its first and last day
    assert 'name="from" value="2026-01-01"' in body and 'name="to" value="2026-01-31"' in body
    assert 'href="/karte">Filter zurücksetzen</a>' in body
    assert "Zu diesem Filter gibt es keine Meldungen." in body


def test_unknown_filter_values_are_ignored_and_explained(client, reports):
    response = client.get("/karte?group=keine&status=offen&district=99&from=gestern")
    assert response.status_code == 200
    body = page_text(response)
    assert len(listed(body)) == 7
    notice = re.search(r'<div class="notice" role="status">(.*?)</div>', body, re.S).group(1)
    assert notice.count("<p>") == 4
    assert "Der Filterwert „keine“ für „group“ ist nicht bekannt" in notice
    assert "„offen“ für „status“" in notice and "„99“ für „district“" in notice
    assert "Das Datum „gestern“ wurde nicht verstanden" in notice


def test_the_list_is_paged(client, make_report):
    start = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    made = []
    for i in range(27):
        report = make_report("papierkorb-voll", (51.51 + i * 0.0005, 7.46))
        set_report(report, created=start + timedelta(hours=i))
        made.append(report.reference)
    newest_first = list(reversed(made))
    first = page_text(client.get("/karte"))
    assert listed(first) == newest_first[:25]
    assert "27 Meldungen, neueste zuerst." in first
    match = re.search(r'href="(/karte\?cursor=[^"]+)" rel="next"', first)
    assert match, "no link to the next page"
    second = page_text(client.get(match.group(1).replace("&amp;", "&")))
    assert listed(second) == newest_first[25:]
    assert 'rel="next"' not in second
    assert ">Erste Seite</a>" in second
    # a mangled cursor starts at the first page
    assert listed(page_text(client.get("/karte?cursor=%%%"))) == newest_first[:25]


def test_paging_keeps_the_filter(client, make_report):
    for i in range(26):
        report = make_report("laterne-aus", (51.51 + i * 0.0005, 7.46))
        if i % 2:
            set_report(report, status=ReportStatus.RESOLVED)
    make_report("papierkorb-voll")
    body = page_text(client.get("/karte?group=beleuchtung"))
    assert "26 Meldungen" in body
    match = re.search(r'href="(/karte\?[^"]+)" rel="next"', body)
    assert "group=beleuchtung" in match.group(1)


def test_the_list_never_shows_a_place_or_text(client, make_report):
    report = make_report(
        "unsicherer-ort", D_EXACT, description="Hinter dem Kiosk, Herr Beispiel wohnt dort"
    )
    body = page_text(client.get("/karte"))
    assert report.reference in body
    assert "Kiosk" not in body and "Beispiel" not in body
    assert "51.499" not in body and "7.476" not in body


def test_the_report_form_opens_with_the_point_from_the_map(client):
    body = page_text(client.get("/report?lat=51.513600&lon=7.465300"))
    assert 'id="lat" name="lat"' in body
    assert 'value="51.513600"' in body and 'value="7.465300"' in body
