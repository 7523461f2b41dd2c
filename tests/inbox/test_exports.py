"""Exports of the current filter: CSV and GeoJSON, the user's scope only, no contact data."""

from __future__ import annotations

import csv
import html
import io
import json

import sqlalchemy as sa

from app.core.enums import ReportStatus
from app.extensions import db
from app.inbox.exports import COLUMNS
from app.reports.drafts import ContactDraft
from app.reports.models import Report, ReportSupporter
from tests.inbox.support import login
from tests.web.support import de

PHOENIX_SEE = (51.4886, 7.5126)
CONTACT = ContactDraft(
    email="private@example.invalid", name="Paula Privat", phone="0231 555", consent=True
)


def reports_for_export(make_report):
    basket = make_report("papierkorb-voll", description='=HYPERLINK("http://x")', contact=CONTACT)
    sofa = make_report(
        "wilder-muell", PHOENIX_SEE, description='Sofa, "alt"\nam See', contact=CONTACT
    )
    lamp = make_report("laterne-aus", contact=CONTACT)
    db.session.add(
        ReportSupporter(report_id=sofa.id, channel="web", email="supporter@example.invalid")
    )
    db.session.commit()
    return basket, sofa, lamp


def test_csv_export_of_the_filter(client, make_user, make_report):
    basket, sofa, lamp = reports_for_export(make_report)
    login(client, make_user("caseworker", ("edg",)))
    response = client.get("/inbox/export.csv?order=oldest")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert ".csv" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(body)))
    assert tuple(table[0].keys()) == COLUMNS
    assert [r["reference"] for r in table] == [basket.reference, sofa.reference]
    first, second = table
    assert first["description"] == '\'=HYPERLINK("http://x")'  # no formula for spreadsheets
    assert second["description"] == 'Sofa, "alt"\nam See'
    assert (second["category_code"], second["district"], second["department_code"]) == (
        "wilder-muell",
        "Hörde",
        "edg",
    )
    assert (float(second["lat"]), float(second["lon"])) == PHOENIX_SEE
    assert (second["supporters"], second["status"], second["channel"]) == ("1", "new", "web")
    for needle in ("@", "Paula", "0231 555"):
        assert needle not in body
    # The filter applies.
    only = client.get("/inbox/export.csv?category=wilder-muell").data.decode("utf-8-sig")
    assert [r["reference"] for r in csv.DictReader(io.StringIO(only))] == [sofa.reference]


def test_geojson_export_is_valid_geojson_without_contact_data(client, make_user, make_report):
    basket, sofa, lamp = reports_for_export(make_report)
    db.session.execute(
        sa.update(Report).where(Report.id == basket.id).values(status=ReportStatus.IN_PROGRESS)
    )
    db.session.commit()
    login(client, make_user("dispatcher"))
    response = client.get("/inbox/export.geojson?scope=all")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    raw = response.data.decode("utf-8")
    data = json.loads(raw)
    assert data["type"] == "FeatureCollection"
    assert {f["id"] for f in data["features"]} == {basket.reference, sofa.reference, lamp.reference}
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert 7.2 < lon < 7.7 and 51.4 < lat < 51.6  # [lon, lat], as GeoJSON wants
        assert set(feature["properties"]) == set(COLUMNS) - {"lat", "lon"}
    assert "@" not in raw and "Paula" not in raw and "0231 555" not in raw
    by_id = {f["id"]: f["properties"] for f in data["features"]}
    assert by_id[basket.reference]["status"] == "in_progress"
    filtered = json.loads(client.get("/inbox/export.geojson?scope=all&status=in_progress").data)
    assert [f["id"] for f in filtered["features"]] == [basket.reference]


def test_exports_and_the_map_keep_to_the_users_scope(client, make_user, make_report):
    basket, sofa, lamp = reports_for_export(make_report)
    login(client, make_user("caseworker", ("tiefbau-licht",)))
    exported = client.get("/inbox/export.csv?scope=all").data.decode("utf-8-sig")
    assert [r["reference"] for r in csv.DictReader(io.StringIO(exported))] == [lamp.reference]
    shown = json.loads(client.get("/inbox/map.geojson?scope=all").data)
    assert [f["id"] for f in shown["features"]] == [lamp.reference]
    assert shown["truncated"] is False
    assert shown["features"][0]["properties"]["url"] == f"/inbox/reports/{lamp.reference}"


def test_the_queue_says_that_exports_have_no_contact_data(client, make_user, make_report):
    make_report()
    login(client, make_user("caseworker", ("edg",)))
    page = client.get("/inbox/?category=papierkorb-voll").get_data(as_text=True)
    assert 'href="/inbox/export.csv?scope=mine&amp;category=papierkorb-voll"' in page
    assert 'href="/inbox/map?scope=mine&amp;category=papierkorb-voll"' in page
    assert de(
        "Exports contain the reports of this filter without the reporters' contact data."
    ) in html.unescape(page)
