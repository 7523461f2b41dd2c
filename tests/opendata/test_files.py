"""The open-data files: content against hand-made rows, privacy, validators, streaming."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.http import http_date, parse_date

from app.core.enums import ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.opendata.export import FIELD_NAMES
from app.reports.residents import add_supporter
from app.reports.workflow import apply_status

FRIEDENSPLATZ = (51.5115, 7.4650)  # Innenstadt-West
NORDSTADT = (51.5233, 7.4817)  # Innenstadt-Nord (unsafe place: a 250 m cell centre)
HOERDE = (51.4855, 7.5135)

CREATED = datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC)


@pytest.fixture
def reports(make_report):
    """Three reports with fixed times: litter (open, 2 supporters), an unsafe place with a
    description and an address, and a resolved street light."""
    from app.core.enums import Channel

    litter = make_report(
        "papierkorb-voll",
        FRIEDENSPLATZ,
        description="Papierkorb quillt über, neben Haus Nr. 3",
        address="Friedensplatz 3, 44135 Dortmund",
    )
    unsafe = make_report(
        "unsicherer-ort",
        NORDSTADT,
        description="Hier wohnt Frau X, abends dunkel",
        address="Mallinckrodtstraße 12, 44145 Dortmund",
    )
    light = make_report("laterne-aus", HOERDE)
    add_supporter(litter, Channel.WEB, email="one@example.invalid", wants_updates=True)
    add_supporter(litter, Channel.WEB, email="two@example.invalid", wants_updates=True)
    for n, report in enumerate((litter, unsafe, light)):
        report.created_at = CREATED.replace(minute=15 + n)
    light.status = ReportStatus.RESOLVED
    light.closed_at = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    db.session.commit()
    return litter, unsafe, light


def get(client, url, **kwargs):
    """A response read to its end (a streamed body keeps its request open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_csv_rows_are_the_public_view(client, reports):
    litter, unsafe, light = reports
    response = client.get("/open-data/reports.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    rows = read_csv(response)
    assert tuple(rows[0]) == FIELD_NAMES
    assert [row["reference"] for row in rows] == [r.reference for r in reports]

    first = rows[0]
    assert first == {
        "reference": litter.reference,
        "category_code": "papierkorb-voll",
        "category_name": "Papierkorb voll",
        "group_code": "sauberkeit",
        "group_name": "Sauberkeit",
        "status": "forwarded" if litter.status == ReportStatus.FORWARDED else litter.status.value,
        "status_text": first["status_text"],
        "is_open": "true",
        "district_number": litter.district.number,
        "district_name": litter.district.name,
        "department_code": "edg",
        "department_name": "EDG Entsorgung Dortmund GmbH",
        "department_name_local": "EDG Entsorgung Dortmund GmbH",  # a German file
        "lat": f"{round(FRIEDENSPLATZ[0], 6)}",
        "lon": f"{round(FRIEDENSPLATZ[1], 6)}",
        "is_coarse": "false",
        "created_at": "2026-03-02T09:15:30Z",
        "updated_at": first["updated_at"],
        "closed_at": "",
        "supporters": "2",
    }
    assert first["status_text"] in {"Eingegangen", "Weitergeleitet an die zuständige Stelle"}
    assert first["updated_at"].endswith("Z")

    last = rows[2]
    assert (last["status"], last["status_text"], last["is_open"]) == (
        "resolved",
        "Erledigt",
        "false",
    )
    assert last["closed_at"] == "2026-03-05T12:00:00Z"
    assert last["department_code"] == "tiefbau-licht"
    assert last["supporters"] == "0"


def test_sensitive_reports_only_with_their_cell_point(client, reports):
    _litter, unsafe, _light = reports
    assert (unsafe.public_lat, unsafe.public_lon) != (unsafe.lat, unsafe.lon)
    for url in ("/open-data/reports.csv", "/open-data/reports.geojson"):
        text = client.get(url).get_data(as_text=True)
        for secret in (
            "Frau X",
            "Papierkorb quillt",
            "Mallinckrodt",
            "Friedensplatz 3",
            "@example.invalid",
            f"{unsafe.lat}",
            f"{round(unsafe.lat, 6)}",
            f"{round(unsafe.lon, 6)}",
        ):
            assert secret not in text, (url, secret)
    row = read_csv(client.get("/open-data/reports.csv"))[1]
    assert (row["category_code"], row["is_coarse"]) == ("unsicherer-ort", "true")
    assert (float(row["lat"]), float(row["lon"])) == (
        round(unsafe.public_lat, 6),
        round(unsafe.public_lon, 6),
    )
    assert row["district_name"] == "Innenstadt-Nord"


def test_geojson_is_a_valid_feature_collection(client, reports):
    litter, unsafe, light = reports
    response = client.get("/open-data/reports.geojson?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 3
    for feature, report in zip(data["features"], reports, strict=True):
        assert feature["type"] == "Feature"
        assert feature["id"] == report.reference
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert (lat, lon) == (round(report.public_lat, 6), round(report.public_lon, 6))
        assert set(feature["properties"]) == set(FIELD_NAMES) - {"lat", "lon"}
    props = data["features"][0]["properties"]
    assert props["category_name"] == "Litter bin full"
    assert props["group_name"] == "Cleanliness"
    assert props["is_open"] is True and props["supporters"] == 2 and props["closed_at"] is None
    assert data["features"][1]["properties"]["is_coarse"] is True
    assert data["features"][2]["properties"]["status_text"] == "Resolved"


def test_an_empty_city_gives_a_header_and_an_empty_collection(client):
    assert client.get("/open-data/reports.csv").get_data(as_text=True) == (
        ",".join(FIELD_NAMES) + "\r\n"
    )
    assert client.get("/open-data/reports.geojson").get_json() == {
        "type": "FeatureCollection",
        "features": [],
    }


@pytest.mark.parametrize("url", ["/open-data/reports.csv", "/open-data/reports.geojson"])
def test_etag_last_modified_and_304(client, reports, url):
    litter, _unsafe, _light = reports
    first = get(client, url)
    etag = first.headers["ETag"]
    last_modified = first.headers["Last-Modified"]
    assert etag.startswith('"') and len(etag) > 10
    assert "max-age=60" in first.headers["Cache-Control"]

    again = get(client, url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    since = get(client, url, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    assert get(client, url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    a_second_before = http_date(parse_date(last_modified) - timedelta(seconds=1))
    assert get(client, url, headers={"If-Modified-Since": a_second_before}).status_code == 200

    # A caseworker's change to a report makes the validators move on.
    apply_status(litter, ReportStatus.IN_PROGRESS, Actor("staff", "test"), "Wird geleert.")
    db.session.commit()
    changed = get(client, url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_head_gives_the_headers_without_a_body(client, reports):
    full = get(client, "/open-data/reports.geojson")
    head = client.head("/open-data/reports.geojson")
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["ETag"] == full.headers["ETag"]
    assert head.mimetype == "application/geo+json"
    assert client.get("/open-data/reports.geojson").get_json()["features"]


def test_a_new_supporter_changes_the_etag(client, reports):
    from app.core.enums import Channel

    litter, _unsafe, _light = reports
    etag = get(client, "/open-data/reports.csv").headers["ETag"]
    add_supporter(litter, Channel.WEB)
    db.session.commit()
    response = get(client, "/open-data/reports.csv", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert read_csv(response)[0]["supporters"] == "3"


def test_languages_have_their_own_etag(client, reports):
    german = get(client, "/open-data/reports.csv").headers["ETag"]
    english = get(client, "/open-data/reports.csv?lang=en").headers["ETag"]
    assert german != english
    # The visitor's remembered page language does not change what a file URL means.
    client.get("/open-data/?lang=en")
    assert get(client, "/open-data/reports.csv").headers["ETag"] == german


@pytest.mark.parametrize("url", ["/open-data/reports.csv", "/open-data/reports.geojson"])
def test_files_are_streamed_in_batches(app_ctx, make_report, monkeypatch, url):
    monkeypatch.setitem(app_ctx.config, "OPEN_DATA_BATCH", 3)
    made = [
        make_report("papierkorb-voll", (51.5115 + i * 0.0005, 7.4650)).reference for i in range(8)
    ]
    client = app_ctx.test_client()
    response = client.get(url, buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    response.close()
    # more rows than one batch: header/opening, three batches (3 + 3 + 2), closing at most
    assert len(chunks) >= 4
    text = b"".join(chunks).decode()
    if url.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert [row["reference"] for row in rows] == made
    else:
        features = json.loads(text)["features"]
        assert [f["id"] for f in features] == made


def test_rows_are_read_through_a_server_side_cursor_on_postgresql(app_ctx, make_report):
    import sqlalchemy as sa

    from app.opendata import export

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's cursor reads row by row anyway; PostgreSQL needs a named cursor")
    for i in range(5):
        make_report("papierkorb-voll", (51.5115 + i * 0.0005, 7.4650))
    cursors = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if "report_supporter" in statement:
            cursors.append(type(cursor).__name__)

    sa.event.listen(db.engine, "before_cursor_execute", spy)
    try:
        with app_ctx.test_request_context("/"):
            lines = "".join(export.csv_chunks("de", 2)).splitlines()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", spy)
    assert len(lines) == 6
    assert cursors == ["ServerCursor"]
