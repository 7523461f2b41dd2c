"""The statistics of the fixed data set (see conftest.py) against values worked out by hand,
read the way a reader gets them: from the CSV downloads and the pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reports.models import Report
from app.statistics.models import StatCell, StatCellDetail, StatReport
from tests.statistics.conftest import BERLIN, local


def table(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\u00a0", " ")


def by(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


def test_due_dates_skip_the_nrw_holidays(data_set):
    # S1: Wednesday before Fronleichnam (Thu 19 June 2025): two working days are Fri and Mon.
    assert data_set["S1"].due_at.astimezone(BERLIN) == local(2025, 6, 23, 10, 0)
    # L1: ten working days from Mon 2 June skip Pfingstmontag (9 June): Tue 17 June.
    assert data_set["L1"].due_at.astimezone(BERLIN) == local(2025, 6, 17, 10, 0)
    # U1: from Thu 5 June, skipping Pfingstmontag and Fronleichnam: Mon 23 June.
    assert data_set["U1"].due_at.astimezone(BERLIN).date().isoformat() == "2025-06-23"


def test_key_figures_of_a_month_beside_the_year_before(client, data_set):
    rows = by(table(client, "/statistik/overview.csv?period=2025-06"), "key")
    assert rows["received"]["value"] == "10"  # S1–S5, L1–L2, U1–U3 (Z1 is July, local time)
    assert rows["received"]["year_before"] == "2"
    # In time: S1, S2, L2, U1 of S1–S4, L1–L2, U1–U3 (S5 a duplicate): 4 / 9.
    assert rows["in_time"]["value"] == "44.4"
    assert rows["in_time"]["year_before"] == "50.0"  # P1 in time, P2 late
    # Days of the resolved: 0, 5, 6, 13, 15, 28 → (6 + 13) / 2; a year before (1 + 27) / 2.
    assert rows["median_days"]["value"] == "9.5"
    assert rows["median_days"]["year_before"] == "14.0"
    assert rows["resolved"]["value"] == "6"
    # Open at the end of June 2025: S4, U2, and L2 (resolved in July).
    assert rows["backlog"]["value"] == "3"
    assert rows["backlog"]["year_before"] == "0"
    assert rows["supporters"]["value"] == "3"


def test_by_category_group(client, data_set):
    rows = by(table(client, "/statistik/groups.csv?period=2025-06"), "group")
    clean = rows["sauberkeit"]
    assert clean["group_name"] == "Sauberkeit"
    assert (clean["received"], clean["received_year_before"]) == ("5", "1")
    assert (clean["in_time"], clean["in_time_year_before"]) == ("50.0", "100.0")  # S1, S2 of 4
    assert (clean["median_days"], clean["median_days_year_before"]) == ("5.0", "1.0")
    assert (clean["backlog"], clean["supporters"]) == ("1", "2")
    light = rows["beleuchtung"]
    assert (light["received"], light["in_time"], light["median_days"]) == ("2", "50.0", "20.5")
    assert light["backlog"] == "1"  # L2, resolved in July
    unsafe = rows["unsicherer-ort"]
    assert (unsafe["received"], unsafe["received_year_before"]) == ("3", "1")
    assert (unsafe["in_time"], unsafe["in_time_year_before"]) == ("33.3", "0.0")
    assert (unsafe["median_days"], unsafe["median_days_year_before"]) == ("15.0", "27.0")
    assert rows["gruen"]["received"] == "0"  # G1 was in April
    assert rows["sonstiges"]["in_time"] == ""  # nothing to measure


def test_by_district(client, data_set):
    rows = by(table(client, "/statistik/districts.csv?period=2025-06"), "district")
    west, north = rows["00"], rows["04"]
    assert west["district_name"] == "Innenstadt-West"
    # West: S1, S2, S5, L2, U2; in time S1, S2, L2 of S1, S2, L2, U2; days 0, 5, 13.
    assert (west["received"], west["in_time"], west["median_days"]) == ("5", "75.0", "5.0")
    assert (west["backlog"], west["supporters"], west["received_year_before"]) == ("2", "1", "1")
    # North: S3, S4, L1, U1, U3; in time only U1; days 6, 15, 28.
    assert (north["received"], north["in_time"], north["median_days"]) == ("5", "20.0", "15.0")
    assert (north["backlog"], north["supporters"]) == ("1", "2")
    assert rows["5"]["received"] == "0"  # Hörde: no reports


def test_departments_passed_on_and_returned(client, data_set):
    rows = by(table(client, "/statistik/departments.csv?period=2025-06"), "department")
    edg = rows["edg"]
    # S1–S5 were all routed to EDG and sent as tickets; S3 re-routed, S2 returned.
    assert (edg["reached"], edg["passed_on"], edg["returned"], edg["tickets"]) == (
        "5",
        "1",
        "1",
        "5",
    )
    assert edg["elsewhere_share"] == "40.0"
    assert (rows["tiefbau"]["reached"], rows["tiefbau"]["passed_on"]) == ("1", "0")
    assert rows["tiefbau-licht"]["reached"] == "2"  # L1, L2 (copies of U1, U3 are not theirs)
    assert rows["ordnungsamt"]["reached"] == "3"
    assert "qm-nordstadt" not in rows  # informed by copy only


def test_unsafe_places_by_reason_time_of_day_and_lighting_checks(client, data_set):
    reasons = by(table(client, "/statistik/answers-reasons.csv?period=2025-06"), "answer")
    assert (reasons["dark"]["reports"], reasons["dark"]["share"]) == ("2", "66.7")
    assert reasons["dark"]["answer_name"] == "zu dunkel"
    assert (reasons["deserted"]["reports"], reasons["deserted"]["share"]) == ("2", "66.7")
    assert reasons["harassment"]["reports"] == "0"
    assert (reasons["dark"]["reports_year_before"], reasons["dark"]["share_year_before"]) == (
        "1",
        "100.0",
    )
    times = by(table(client, "/statistik/answers-time_of_day.csv?period=2025-06"), "answer")
    assert (times["night"]["reports"], times["evening"]["reports"]) == ("2", "1")
    lighting = by(table(client, "/statistik/lighting.csv?period=2025-06"), "outcome")
    assert (lighting["resolved"]["reports"], lighting["not_resolvable"]["reports"]) == ("1", "1")
    assert lighting["open"]["reports"] == "0"
    assert lighting["resolved"]["share"] == "50.0"
    assert lighting["resolved"]["reports_year_before"] == "1"  # P2


def test_months_follow_local_time(client, data_set):
    rows = by(table(client, "/statistik/months.csv?period=2025-07"), "month")
    assert list(rows)[0] == "2024-08" and list(rows)[-1] == "2025-07"
    assert rows["2025-07"]["received"] == "1"  # Z1: 30 June 22:30 UTC is 1 July in Dortmund
    assert rows["2025-06"]["received"] == "10"
    assert rows["2025-04"]["received"] == "1"
    assert (rows["2025-06"]["year_before_month"], rows["2025-06"]["received_year_before"]) == (
        "2024-06",
        "2",
    )


def test_quarter_and_year_compare_with_the_same_period_a_year_before(client, data_set):
    quarter = by(table(client, "/statistik/overview.csv?period=2025-Q2"), "key")
    assert (quarter["received"]["value"], quarter["received"]["year_before"]) == ("11", "2")
    assert quarter["in_time"]["value"] == "44.4"  # G1 was rejected: no change
    assert quarter["backlog"]["value"] == "3"
    year = by(table(client, "/statistik/overview.csv?period=2025"), "key")
    assert (year["received"]["value"], year["received"]["year_before"]) == ("12", "2")
    # At the end of 2025: S4, U2 and Z1 are still open.
    assert year["backlog"]["value"] == "3"


def test_a_district_beside_the_city(client, data_set):
    rows = by(table(client, "/statistik/comparison.csv?period=2025-06&district=04"), "key")
    assert (rows["received"]["district"], rows["received"]["city"]) == ("5", "10")
    assert (rows["in_time"]["district"], rows["in_time"]["city"]) == ("20.0", "44.4")
    assert (rows["median_days"]["district"], rows["median_days"]["city"]) == ("15.0", "9.5")
    assert rows["received"]["district_year_before"] == "1"  # P2
    groups = by(
        table(client, "/statistik/group-comparison.csv?period=2025-06&district=04"), "group"
    )
    assert (groups["sauberkeit"]["received"], groups["sauberkeit"]["share_of_city"]) == (
        "2",
        "40.0",
    )
    assert (groups["sauberkeit"]["in_time"], groups["sauberkeit"]["in_time_city"]) == (
        "0.0",
        "50.0",
    )
    reasons = by(
        table(client, "/statistik/answers-reasons.csv?period=2025-06&district=04"), "answer"
    )
    # North: U1 (dark, deserted), U3 (dark); the city: U1, U2 (deserted), U3.
    assert (reasons["dark"]["share"], reasons["dark"]["share_city"]) == ("100.0", "66.7")
    assert (reasons["deserted"]["share"], reasons["deserted"]["share_city"]) == ("50.0", "66.7")


def test_the_district_page_shows_district_and_city(client, data_set):
    page = page_text(client, "/statistik/bezirk/04?period=2025-06")
    assert "Statistik: Innenstadt-Nord" in page
    assert "20,0 %" in page and "44,4 %" in page  # in time: district, city
    assert "Stadt: 44,4 %" in page


def test_the_city_page_in_german_and_english(client, data_set):
    page = page_text(client, "/statistik?period=2025-06")
    assert "Juni 2025" in page and "Juni 2024" in page
    assert "44,4 %" in page and "9,5" in page
    assert 'href="/statistik/bezirk/04?period=2025-06"' in page
    english = page_text(client, "/statistik?period=2025-06&lang=en")
    assert "June 2025" in english and "44.4%" in english


def test_group_filter(client, data_set):
    rows = by(table(client, "/statistik/overview.csv?period=2025-06&group=beleuchtung"), "key")
    assert (rows["received"]["value"], rows["median_days"]["value"]) == ("2", "20.5")
    page = client.get("/statistik?period=2025-06&group=beleuchtung").get_data(as_text=True)
    assert 'id="unsafe-places"' not in page  # the unsafe-place section only for its group


def test_the_cube_per_month_district_and_group(client, data_set):
    rows = table(client, "/statistik.csv?period=2025-Q2")
    cell = {(r["month"], r["district"], r["group"]): r for r in rows}
    north_clean = cell["2025-06", "04", "sauberkeit"]
    assert north_clean["district_name"] == "Innenstadt-Nord"
    assert north_clean["group_name"] == "Sauberkeit"
    assert {k: north_clean[k] for k in ("received", "with_target", "decided")} == {
        "received": "2",
        "with_target": "2",
        "decided": "2",
    }
    assert (north_clean["resolved_in_time"], north_clean["in_time_pct"]) == ("0", "0.0")
    assert (north_clean["resolved"], north_clean["median_days"]) == ("1", "6.0")
    assert (north_clean["backlog_end_of_month"], north_clean["supporters"]) == ("1", "2")
    assert cell["2025-06", "04", "unsicherer-ort"]["lighting_checks"] == "2"
    assert cell["2025-04", "00", "gruen"]["received"] == "1"
    # G1 closed in April: no backlog in May, and no row where nothing happened.
    assert ("2025-05", "00", "gruen") not in cell
    # The district's cube is the same rows of that district.
    district_rows = table(client, "/statistik/bezirk/04.csv?period=2025-Q2")
    assert {r["district"] for r in district_rows} == {"04"}
    assert [r for r in rows if r["district"] == "04"] == district_rows


def test_csv_downloads_have_a_name_and_are_utf8(client, data_set):
    response = client.get("/statistik/group-comparison.csv?period=2025-06&district=04")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="statistik-group-comparison-2025-06-bezirk-04.csv"'
    )
    assert "Grünfläche, Spielplatz, Baum" in response.get_data(as_text=True)


def test_reports_still_open_before_their_due_date_are_not_counted_yet(client, data_set):
    report = db.session.get(type(data_set["S4"]), data_set["S4"].id)
    report.due_at = datetime.now(UTC) + timedelta(days=366)  # a year on (replace() fails on 29 Feb)
    db.session.commit()
    rows = by(table(client, "/statistik/overview.csv?period=2025-06"), "key")
    assert rows["in_time"]["value"] == "50.0"  # S4 not yet decided: 4 of 8


def test_the_rollup_follows_status_changes_and_equals_a_rebuild(client, data_set, make_user):
    from app.core.enums import ReportStatus
    from app.reports.workflow import change_status
    from app.statistics.rollup import rebuild

    dispatcher = make_user(role="dispatcher")
    s4 = db.session.get(type(data_set["S4"]), data_set["S4"].id)
    change_status(s4, ReportStatus.RESOLVED, dispatcher)
    db.session.commit()
    rows = by(table(client, "/statistik/overview.csv?period=2025-06"), "key")
    assert rows["resolved"]["value"] == "7"
    # S4 resolved today: still open at the end of June 2025, and late.
    assert (rows["backlog"]["value"], rows["in_time"]["value"]) == ("3", "44.4")

    def snapshot():
        return (
            sorted(
                tuple(sorted((k, v) for k, v in r._mapping.items() if k != "version"))
                for r in db.session.execute(sa.select(StatCell.__table__)).all()
            ),
            sorted(tuple(r) for r in db.session.execute(sa.select(StatCellDetail.__table__)).all()),
            sorted(
                (r.report_id, r.month, r.district_id, r.category_id, sorted(r.counts.items()))
                for r in db.session.execute(sa.select(StatReport.__table__)).all()
            ),
        )

    before = snapshot()
    assert before[0] and before[1] and len(before[2]) == len(data_set)
    rebuild(db.session, chunk=3)
    db.session.commit()
    assert snapshot() == before


def test_a_report_moved_to_another_district_leaves_its_old_cell(client, data_set, make_user):
    from app.reports.workflow import change_location
    from tests.statistics.conftest import NORTH

    dispatcher = make_user(role="dispatcher")
    s1 = db.session.get(type(data_set["S1"]), data_set["S1"].id)
    change_location(s1, *NORTH, dispatcher)
    db.session.commit()
    rows = by(table(client, "/statistik/districts.csv?period=2025-06"), "district")
    assert (rows["00"]["received"], rows["04"]["received"]) == ("4", "6")


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/statistik?period=2025-13", 400, "ist kein Zeitraum"),
        ("/statistik?period=last-year", 400, "2026-Q1"),
        ("/statistik?period=2999", 400, "hat noch nicht begonnen"),
        ("/statistik?period=1999", 400, "ist kein Zeitraum"),
        ("/statistik?group=nonsense", 400, "Kategoriegruppe „nonsense“"),
        ("/statistik?district=99", 404, "„99“"),
        ("/statistik/bezirk/99", 404, "„99“"),
        ("/statistik/nonsense.csv", 404, "„nonsense“"),
        ("/statistik/comparison.csv", 404, "„comparison“"),  # only for a district
        ("/statistik.csv?period=2025-00", 400, "ist kein Zeitraum"),
        ("/statistik/bezirk/99.csv", 404, "„99“"),
        ("/statistik/groups.csv?district=abc", 404, "„abc“"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    if url.split("?")[0].endswith(".csv"):
        assert response.mimetype == "text/plain"


def test_the_form_leads_to_the_districts_page(client):
    response = client.get("/statistik?period=2025&district=04&group=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/statistik/bezirk/04?period=2025"


def test_lighting_checks_stay_when_the_copy_rule_is_deleted(
    client, data_set, make_user, reseed_city
):
    from app.routing.models import RoutingRule
    from app.routing.rules import delete_rule
    from app.statistics.rollup import rebuild

    admin = make_user(role="admin")
    rule = db.session.execute(
        sa.select(RoutingRule).filter_by(key="unsicherer-ort-dunkel")
    ).scalar_one()
    delete_rule(admin, rule)
    db.session.commit()
    rebuild(db.session)
    db.session.commit()
    lighting = by(table(client, "/statistik/lighting.csv?period=2025-06"), "outcome")
    assert (lighting["resolved"]["reports"], lighting["not_resolvable"]["reports"]) == ("1", "1")


def test_a_bulk_status_change_with_a_refused_report_counts_the_others(client, data_set, make_user):
    from app.core.enums import ReportStatus
    from app.reports.workflow import bulk_change_status

    dispatcher = make_user(role="dispatcher")
    reports = [db.session.get(Report, data_set[ref].id) for ref in ("S4", "S5", "U2")]
    outcomes = bulk_change_status(reports, ReportStatus.RESOLVED, dispatcher)
    assert [o.error is None for o in outcomes] == [True, False, True]  # S5: a duplicate
    db.session.commit()
    rows = by(table(client, "/statistik/overview.csv?period=2025-06"), "key")
    assert (rows["resolved"]["value"], rows["backlog"]["value"]) == ("8", "3")


def test_a_rolled_back_savepoint_keeps_the_changes_made_before_it(client, data_set):
    from app.core.enums import ReportStatus

    s4 = db.session.get(Report, data_set["S4"].id)
    s4.status = ReportStatus.RESOLVED
    s4.closed_at = datetime(2025, 6, 30, 8, tzinfo=UTC)
    savepoint = db.session.begin_nested()  # flushes the change above first
    savepoint.rollback()
    db.session.commit()
    rows = by(table(client, "/statistik/overview.csv?period=2025-06"), "key")
    assert (rows["resolved"]["value"], rows["backlog"]["value"]) == ("7", "2")
