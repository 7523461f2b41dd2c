"""Confirmation, public status page, about, error pages and the form's small JSON helpers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from app.core.enums import ReportStatus
from app.extensions import db
from app.geo.index import coarse_point
from app.reports.models import Report
from tests.conftest import stored_files
from tests.fakes.nominatim import fake_nominatim  # noqa: F401  (fixture)
from tests.other_city import other_city  # noqa: F401  (fixture)
from tests.web.support import (
    BORSIGPLATZ,
    RATHAUS,
    csrf_token,
    de,
    jpeg,
    page_text,
    report_count,
)


@pytest.fixture
def geocoder_on(app, monkeypatch, fake_nominatim):  # noqa: F811
    monkeypatch.setitem(app.config, "GEOCODER_URL", fake_nominatim.url)
    app.extensions.pop("qm_geocoder", None)
    yield fake_nominatim
    app.extensions.pop("qm_geocoder", None)


def send(client, **fields) -> Report:
    data = {"csrf_token": csrf_token(client), **fields}
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, page_text(response)[:3000]
    reference = response.headers["Location"].split("/")[-2]
    report = db.session.execute(db.select(Report).where(Report.reference == reference)).scalar_one()
    return report


# --- public status page -----------------------------------------------------------------------


def test_status_page_of_an_ordinary_report(client, geocoder_on):
    report = send(
        client,
        category="papierkorb-voll",
        address="Friedensplatz 1",
        description="Der Korb am Eingang quillt über.",
        email="bernd@example.org",
        consent="1",
        photos=[(io.BytesIO(jpeg(size=(640, 480))), "korb.jpg")],
    )
    assert report.address.startswith("Friedensplatz 1")
    report.photos[0].is_public = False  # not released (litter bins' anonymised photos would be)
    db.session.commit()
    response = client.get(f"/r/{report.reference}")
    assert response.status_code == 200
    body = page_text(response)
    assert report.reference in body
    assert "Papierkorb voll" in body and "Innenstadt-West" in body
    assert de("Received") in body
    # street level only: no house number
    assert "Friedensplatz, 44135 Dortmund" in body and "Friedensplatz 1" not in body
    assert "Der Korb am Eingang quillt über." in body
    assert de("Photos will be published after review.") in body
    assert "/photos/" not in body and ".jpg" not in body
    assert "bernd" not in body  # never the contact
    assert de("Report received") in body
    assert 'href="/r/' + report.reference + '?lang=en"' in body


def test_status_page_of_an_unsafe_place_shows_only_the_coarse_area(client, geocoder_on):
    exact = ("51.52331", "7.48172")
    report = send(
        client,
        category="unsicherer-ort",
        lat=exact[0],
        lon=exact[1],
        description="Hinter dem Kiosk lungern nachts Leute herum.",
        **{"attribute.time_of_day": "night", "attribute.reasons": ["dark"]},
    )
    assert report.address and "Borsigplatz" in report.address  # stored for the office
    body = page_text(client.get(f"/r/{report.reference}"))
    coarse = coarse_point(report.lat, report.lon)
    assert (report.public_lat, report.public_lon) == coarse
    assert coarse != (report.lat, report.lon)
    assert f'data-lat="{round(coarse[0], 4)}" data-lon="{round(coarse[1], 4)}"' in body
    assert 'data-approximate="true"' in body
    for secret in (exact[0], exact[1], "Borsigplatz", "Kiosk", "51.5233,", "7.4817)"):
        assert secret not in body
    assert "Unsicherer Ort (Angstraum)" in body and "Innenstadt-Nord" in body


def test_status_page_history_and_local_time(client, make_user):
    from app.reports import workflow

    report = send(client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1])
    report.created_at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 July in Berlin
    db.session.commit()
    dispatcher = make_user("dispatcher")
    workflow.change_status(
        report, ReportStatus.IN_PROGRESS, dispatcher, public_note="Die EDG ist informiert."
    )
    workflow.add_note(report, "intern: nicht zeigen", dispatcher)
    db.session.commit()
    body = page_text(client.get(f"/r/{report.reference}"))
    assert "2. Juli 2026" in body and "00:30" in body
    assert de("In progress") in body
    assert de("Status: %(status)s", status=de("In progress")) in body
    assert "Die EDG ist informiert." in body
    assert "intern" not in body
    english = page_text(client.get(f"/r/{report.reference}?lang=en"))
    assert "July 2, 2026" in english and "In progress" in english


def test_unknown_reference_is_a_friendly_404(client):
    for url in ("/r/DO-2026-99999", "/report/DO-2026-99999/submitted", "/gibt-es-nicht"):
        response = client.get(url)
        assert response.status_code == 404
        body = page_text(response)
        assert de("Page not found") in body and 'href="/report"' in body
    english = client.get("/gibt-es-nicht", headers={"Accept-Language": "en"})
    assert "Page not found" in page_text(english)


def test_reference_lookup_form(client):
    report = send(client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1])
    response = client.get(f"/r?reference={report.reference.lower()}")
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_api_paths_keep_their_own_errors(client):
    response = client.get("/open311/v2/gibt-es-nicht.json")
    assert response.status_code == 404
    assert "site-header" not in response.get_data(as_text=True)


# --- other pages ------------------------------------------------------------------------------


def test_landing_and_about_pages(client, app):
    landing = page_text(client.get("/"))
    assert 'href="/report"' in landing and 'href="/?lang=en"' in landing
    about = client.get("/about")
    assert about.status_code == 200
    body = page_text(about)
    from app.cities.settings import city

    assert city().attribution in body
    assert "OpenStreetMap" in body
    assert 'href="/about?lang=en"' in body


def test_about_credits_map_tiles_only_when_they_are_shown(client, app, monkeypatch):
    credit = de("Map tiles: %(attribution)s", attribution="© Kachel-Anbieter")
    monkeypatch.setitem(app.config, "MAP_TILES_ATTRIBUTION", "© Kachel-Anbieter")
    monkeypatch.setitem(app.config, "MAP_TILES_URL", "")
    assert "Kachel-Anbieter" not in page_text(client.get("/about"))
    monkeypatch.setitem(app.config, "MAP_TILES_URL", "http://127.0.0.1:9/{z}/{x}/{y}.png")
    assert credit in page_text(client.get("/about"))


def test_confirmation_without_the_session_has_no_private_notes(client, app):
    data = {
        "csrf_token": csrf_token(client),
        "category": "papierkorb-voll",
        "use_photo_location": "1",
        "photos": [(io.BytesIO(jpeg(gps=(51.5233, 7.4817))), "korb.jpg")],
    }
    location = client.post("/report", data=data, content_type="multipart/form-data").headers[
        "Location"
    ]
    note = de("The location was taken from your photo.")
    assert note in page_text(client.get(location))
    with app.test_client() as stranger:
        body = page_text(stranger.get(location))
    assert "EDG Entsorgung Dortmund GmbH" in body and note not in body


# --- JSON helpers of the form -----------------------------------------------------------------


def test_photo_location(client, photo_dir):
    token = csrf_token(client)

    def ask(content, name="foto.jpg", headers=None):
        return client.post(
            "/report/photo-location",
            data={"photo": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
            headers={"X-CSRFToken": token} if headers is None else headers,
        )

    found = ask(jpeg(gps=(51.5233, 7.4817)))
    assert found.status_code == 200
    assert found.get_json() == pytest.approx({"lat": 51.5233, "lon": 7.4817}, abs=1e-4)
    assert ask(jpeg()).get_json() == {}
    refused = ask(b"<html></html>")
    assert refused.status_code == 422 and "error" in refused.get_json()
    no_token = ask(jpeg(), headers={})
    assert no_token.status_code == 400 and "error" in no_token.get_json()
    assert stored_files(photo_dir) == [] and report_count() == 0


def test_nearby(client):
    report = send(client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1])
    answer = client.get("/report/nearby?category=littering&lat=51.51365&lon=7.46535").get_json()
    assert [r["reference"] for r in answer["reports"]] == [report.reference]
    assert answer["reports"][0]["url"] == f"/r/{report.reference}"
    assert set(answer["reports"][0]) == {"reference", "url", "status", "distance_m"}
    far = client.get("/report/nearby?category=littering&lat=51.53&lon=7.40").get_json()
    assert far["reports"] == []
    assert client.get("/report/nearby?category=littering&lat=x&lon=7").status_code == 400


def test_district_outlines_for_the_map(client):
    answer = client.get("/report/districts.geojson").get_json()
    assert answer["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in answer["features"]}
    assert {"Innenstadt-West", "Innenstadt-Nord", "Hörde"} <= names
    assert len(names) == 12


def test_sensitive_nearby_reports_point_only_to_the_status_page(client):
    send(
        client,
        category="unsicherer-ort",
        lat=BORSIGPLATZ[0],
        lon=BORSIGPLATZ[1],
        description="geheim",
        **{"attribute.time_of_day": "night", "attribute.reasons": ["dark"]},
    )
    answer = client.get(
        f"/report/nearby?category=unsicherer-ort&lat={BORSIGPLATZ[0]}&lon={BORSIGPLATZ[1]}"
    ).get_json()
    assert len(answer["reports"]) == 1
    assert "geheim" not in str(answer) and BORSIGPLATZ[0] not in str(answer)
    assert answer["reports"][0]["distance_m"] is None  # distances would give the place away
