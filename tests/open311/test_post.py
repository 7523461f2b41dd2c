"""POST requests: through the one intake service (same validation, routing, photos, events as
the web form), form-encoded and multipart, with every kind of bad input refused cleanly."""

# ruff: noqa: S314 - the XML parsed here is the app's own answer

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from app.core.enums import Channel, ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.open311.keys import revoke_api_key
from app.reports.models import Report, ReporterContact
from tests.conftest import stored_files
from tests.images import jpeg, jpeg_with_gps
from tests.open311.conftest import (
    API,
    BOCHUM_HBF,
    BORSIGPLATZ,
    FRIEDENSPLATZ,
    PHOENIX_SEE,
    UNSAFE_FORM,
)
from tests.other_city import other_city  # noqa: F401  (fixture)

EN = {"Accept-Language": "en"}


def reports() -> list[Report]:
    return list(db.session.execute(db.select(Report).order_by(Report.id)).scalars())


def the_error(response, status: int) -> str:
    assert response.status_code == status, response.data
    [error] = response.get_json()
    assert error["code"] == status
    return error["description"]


def test_a_form_encoded_report_is_taken_routed_and_answered_like_the_spec(post_report, app_ctx):
    response = post_report(service_code="papierkorb-voll", description="Papierkorb quillt über")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    [answer] = response.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] is None
    [report] = reports()
    assert answer["service_request_id"] == report.reference
    assert report.reference.startswith("DO-")
    assert report.channel == Channel.OPEN311
    assert report.status == ReportStatus.NEW
    assert report.department.code == "edg"
    assert report.district.name == "Innenstadt-West"
    # The routing decision in words: department, district and rule.
    assert answer["service_notice"] == report.routing_reason["de"]
    assert "EDG" in answer["service_notice"] and "Innenstadt-West" in answer["service_notice"]
    [event] = db.session.execute(db.select(ReportEvent)).scalars().all()
    assert event.kind == "submitted" and event.actor.startswith("api_client:")


def test_the_service_notice_is_in_the_asked_language(post_report):
    answer = post_report(headers={"Accept-Language": "en"}).get_json()[0]
    assert "rule" in answer["service_notice"] and "Regel" not in answer["service_notice"]


def test_the_answer_can_be_xml(post_report):
    response = post_report("xml")
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id").startswith("DO-")
    assert root.find("request/account_id") is not None


def test_attributes_single_and_multi_value_are_stored_and_route(post_report):
    response = post_report(
        service_code="unsicherer-ort", lat=BORSIGPLATZ[0], long=BORSIGPLATZ[1], **UNSAFE_FORM
    )
    assert response.status_code == 200, response.data
    [report] = reports()
    assert report.attributes == {"time_of_day": "night", "reasons": ["dark", "deserted"]}
    assert report.department.code == "ordnungsamt"
    # Copy rules: Nordstadt quarter management, and the lights for a dark place.
    assert {c.department.code for c in report.copies} == {"qm-nordstadt", "tiefbau-licht"}
    notice = response.get_json()[0]["service_notice"]
    assert "Quartiersmanagement Nordstadt" in notice and "Straßenbeleuchtung" in notice


def test_a_single_multi_value_answer_without_brackets_is_taken_too(post_report):
    response = post_report(
        service_code="unsicherer-ort",
        **{
            "attribute[time_of_day]": "evening",
            "attribute[reasons]": "sightlines",
        },
    )
    assert response.status_code == 200, response.data
    assert reports()[0].attributes["reasons"] == ["sightlines"]


def test_a_report_through_the_api_is_placed_and_routed_like_one_from_the_web_form(
    post_report, client
):
    from tests.web.support import csrf_token

    web_form = client.post(
        "/report",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(client),
            "category": "unsicherer-ort",
            "lat": str(BORSIGPLATZ[0]),
            "lon": str(BORSIGPLATZ[1]),
            "attribute.time_of_day": "night",
            "attribute.reasons": ["dark", "deserted"],
        },
    )
    assert web_form.status_code == 303, web_form.data
    api_answer = post_report(
        service_code="unsicherer-ort", lat=BORSIGPLATZ[0], long=BORSIGPLATZ[1], **UNSAFE_FORM
    )
    assert api_answer.status_code == 200
    db.session.expire_all()
    web, api = reports()
    assert (web.channel, api.channel) == (Channel.WEB, Channel.OPEN311)
    assert api.reference == api_answer.get_json()[0]["service_request_id"]
    assert (api.district_id, api.department_id, api.routing_rule_id) == (
        web.district_id,
        web.department_id,
        web.routing_rule_id,
    )
    assert api.district.name == "Innenstadt-Nord"
    assert api.routing_reason == web.routing_reason
    assert sorted(c.department_id for c in api.copies) == sorted(
        c.department_id for c in web.copies
    )


def test_a_report_through_the_api_has_a_web_status_page(post_report, client, app_ctx):
    reference = post_report().get_json()[0]["service_request_id"]
    page = client.get(f"/r/{reference}")
    assert page.status_code == 200
    assert reference in page.get_data(as_text=True)


def test_multipart_with_a_photo_goes_through_the_photo_pipeline(post_report, photo_dir):
    photo = jpeg_with_gps(51.5, 7.45)
    response = post_report(files={"media": (io.BytesIO(photo), "bild.jpg")}, description="mit Foto")
    assert response.status_code == 200, response.data
    [report] = reports()
    assert len(report.photos) == 1
    files = stored_files(photo_dir)
    assert len(files) == 2  # the image and its thumbnail
    for path in files:
        assert b"Exif" not in path.read_bytes()[:4096]  # metadata removed by re-encoding


def test_several_photos_as_media_array(post_report):
    response = post_report(
        files={"media[]": [(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(jpeg((300, 200))), "b.jpg")]}
    )
    assert response.status_code == 200, response.data
    assert len(reports()[0].photos) == 2


def test_an_email_is_the_consent_for_updates_and_stored_apart(post_report):
    response = post_report(
        email="anwohnerin@example.org",
        first_name="Anna",
        last_name="Muster",
        phone="0231 123456",
        device_id="dev-1",
        account_id="acc-9",
        media_url="http://example.invalid/x.jpg",
    )
    assert response.status_code == 200, response.data
    assert response.get_json()[0]["account_id"] is None
    [contact] = db.session.execute(db.select(ReporterContact)).scalars().all()
    assert contact.email == "anwohnerin@example.org"
    assert contact.name == "Anna Muster" and contact.phone == "0231 123456"
    assert contact.wants_updates is True


def test_without_email_no_contact_data_is_stored(post_report):
    response = post_report(first_name="Anna", last_name="Muster", phone="0231 123456")
    assert response.status_code == 200
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReporterContact)).scalar() == 0


def test_a_bad_email_is_refused(post_report):
    assert "e-mail" in the_error(post_report(email="not-an-address", headers=EN), 400)
    assert reports() == []


def test_an_address_string_is_geocoded(post_report, geocoding):
    response = post_report(
        lat=None, long=None, address_string="Borsigplatz, Dortmund", service_code="littering"
    )
    assert response.status_code == 200, response.data
    [report] = reports()
    assert report.district.name == "Innenstadt-Nord"


# --- bad input -------------------------------------------------------------------------------


def test_missing_api_key_is_403(client):
    response = client.post(
        f"{API}/requests.json",
        headers=EN,
        data={"service_code": "littering", "lat": "51.5136", "long": "7.4653"},
    )
    assert "api_key" in the_error(response, 403)
    assert reports() == []


def test_an_unknown_api_key_is_403(post_report):
    the_error(post_report(api_key="qm_made-up"), 403)
    assert reports() == []


def test_a_revoked_api_key_is_403(post_report, app_ctx):
    revoke_api_key("test client")
    db.session.commit()
    response = post_report(headers=EN)
    assert "revoked" in the_error(response, 403)
    assert reports() == []


def test_a_403_is_xml_when_xml_was_asked(client):
    response = client.post(f"{API}/requests.xml", data={"service_code": "littering"})
    assert response.status_code == 403
    root = ET.fromstring(response.data)
    assert root.findtext("error/code") == "403"


def test_unknown_service_code_is_404(post_report):
    assert "no-such" in the_error(post_report(service_code="no-such"), 404)
    assert reports() == []


def test_missing_service_code_is_400(post_report):
    the_error(post_report(service_code=None), 400)


def test_missing_required_attribute_is_400(post_report):
    response = post_report(service_code="unsicherer-ort", **{"attribute[reasons][]": ["dark"]})
    assert response.status_code == 400
    descriptions = [e["description"] for e in response.get_json()]
    assert any("Wann fühlen Sie sich dort unsicher?" in d for d in descriptions)
    assert reports() == []


@pytest.mark.parametrize(
    "answers",
    [
        {"attribute[time_of_day]": "sometimes", "attribute[reasons][]": ["dark"]},
        {"attribute[time_of_day]": "night", "attribute[reasons][]": ["dark", "ghosts"]},
    ],
    ids=["single-value-list", "multi-value-list"],
)
def test_a_value_outside_the_list_is_400(post_report, answers):
    response = post_report(service_code="unsicherer-ort", **answers)
    description = the_error(response, 400)
    assert "sometimes" in description or "ghosts" in description
    assert reports() == []


def test_lat_without_long_is_400(post_report):
    description = the_error(post_report(long=None, headers=EN), 400)
    assert description == "Please give both latitude and longitude."
    assert reports() == []


@pytest.mark.parametrize(("lat", "lon"), [("north", "7.46"), ("51.5", "7,4x"), ("nan", "inf")])
def test_non_numeric_coordinates_are_400(post_report, lat, lon):
    response = post_report(lat=lat, long=lon)
    assert response.status_code == 400
    assert reports() == []


def test_a_point_outside_the_city_is_400_and_says_so(post_report):
    description = the_error(post_report(lat=BOCHUM_HBF[0], long=BOCHUM_HBF[1]), 400)
    assert "Dortmund" in description
    assert reports() == []


def test_no_location_at_all_is_400(post_report):
    the_error(post_report(lat=None, long=None), 400)


def test_a_media_file_that_is_not_an_image_is_400_and_leaves_nothing(post_report, photo_dir):
    html = b"<!doctype html><html><body>not a photo</body></html>"
    response = post_report(files={"media": (io.BytesIO(html), "photo.jpg")})
    description = the_error(response, 400)
    assert "photo.jpg" in description
    assert reports() == [] and stored_files(photo_dir) == []


def test_a_media_file_over_the_size_limit_is_413(post_report, app_ctx, monkeypatch, photo_dir):
    monkeypatch.setitem(app_ctx.config, "PHOTO_MAX_BYTES", 10_000)
    response = post_report(files={"media": (io.BytesIO(jpeg((1600, 1200))), "big.jpg")})
    the_error(response, 413)
    assert reports() == [] and stored_files(photo_dir) == []


def test_a_request_over_the_body_limit_is_413_in_the_error_format(
    post_report, app_ctx, monkeypatch
):
    monkeypatch.setitem(app_ctx.config, "MAX_CONTENT_LENGTH", 50_000)
    response = post_report("xml", files={"media": (io.BytesIO(b"x" * 80_000), "big.jpg")})
    assert response.status_code == 413
    assert ET.fromstring(response.data).findtext("error/code") == "413"


def test_a_description_over_the_limit_is_400(post_report):
    the_error(post_report(description="x" * 5000), 400)


def test_several_problems_give_several_errors(post_report):
    response = post_report(
        service_code="unsicherer-ort", lat="51.5", long=None, description="x" * 5000
    )
    assert response.status_code == 400
    assert len(response.get_json()) >= 3  # two attributes, location, description


def test_the_web_form_and_the_api_share_phoenix_see_routing(post_report):
    """A lighting report in Hörde goes to the lighting department, as from the web."""
    response = post_report(
        service_code="laterne-aus",
        lat=PHOENIX_SEE[0],
        long=PHOENIX_SEE[1],
        **{"attribute[mast_number]": "123-456"},
    )
    assert response.status_code == 200
    [report] = reports()
    assert report.department.code == "tiefbau-licht"
    assert report.district.name == "Hörde"
    assert report.attributes == {"mast_number": "123-456"}


def test_coordinates_with_an_address_string_keep_the_point(post_report):
    response = post_report(address_string="am Rathaus", lat=FRIEDENSPLATZ[0], long=FRIEDENSPLATZ[1])
    assert response.status_code == 200
    [report] = reports()
    assert (report.lat, report.lon) == FRIEDENSPLATZ


def test_nul_characters_are_dropped_from_the_input(post_report):
    response = post_report(description="Papier\x00korb", **{"attribute[x\x00]": "a\x00"})
    assert response.status_code == 200, response.data
    assert reports()[0].description == "Papierkorb"


def test_the_coordinate_error_gives_the_citys_own_example(post_report, other_city):
    from tests.other_city import CENTER_TEXT

    description = the_error(post_report(lat="north", long="7", headers=EN), 400)
    assert description == "The coordinates must be numbers, e.g. {} and {}.".format(*CENTER_TEXT)
    assert reports() == []
