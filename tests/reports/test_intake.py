"""The one intake service: validation, placing, routing, storing — and nothing left behind
when a draft is refused."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.catalogue.models import Category
from app.core.enums import Channel, LocationSource, ReportStatus
from app.core.errors import DraftInvalid
from app.core.events import Actor, ReportEvent
from app.extensions import db
from app.reports.drafts import ContactDraft, PhotoUpload, ReportDraft
from app.reports.intake import submit_report
from app.reports.models import Report, ReporterContact
from app.reports.nearby import find_nearby_open_reports
from tests.conftest import stored_files
from tests.images import jpeg, jpeg_with_gps, png_bomb, truncated_jpeg

RESIDENT = Actor("resident", "test")
FRIEDENSPLATZ = (51.5136, 7.4653)  # Innenstadt-West
BORSIGPLATZ = (51.5235, 7.4837)  # Innenstadt-Nord
PHOENIX_SEE = (51.4886, 7.5126)  # Hörde
BOCHUM_HBF = (51.4785, 7.2232)  # outside Dortmund

# Every Dortmund category and the department it must reach (None: triage queue).
EXPECTED_DEPARTMENT = {
    "wilder-muell": "edg",
    "littering": "edg",
    "papierkorb-voll": "edg",
    "container-verschmutzt": "edg",
    "gefaehrliche-abfaelle": "umweltamt",
    "laterne-aus": "tiefbau-licht",
    "laterne-flackert": "tiefbau-licht",
    "laterne-tagsueber": "tiefbau-licht",
    "mast-beschaedigt": "tiefbau-licht",
    "unsicherer-ort": "ordnungsamt",
    "gruenflaeche": "gruenflaechen",
    "spielplatz": "gruenflaechen",
    "baum": "gruenflaechen",
    "strassenschaden": "tiefbau",
    "gehweg": "tiefbau",
    "radweg": "tiefbau",
    "sonstiges": None,
}
UNSAFE_ANSWERS = {"time_of_day": "night", "reasons": ["deserted"]}


def draft(category="papierkorb-voll", point=FRIEDENSPLATZ, **kwargs) -> ReportDraft:
    lat, lon = point if point else (None, None)
    kwargs.setdefault("attributes", UNSAFE_ANSWERS if category == "unsicherer-ort" else {})
    return ReportDraft(channel=Channel.WEB, category_code=category, lat=lat, lon=lon, **kwargs)


def refused(d: ReportDraft) -> DraftInvalid:
    with pytest.raises(DraftInvalid) as info:
        submit_report(d, RESIDENT)
    db.session.rollback()
    return info.value


def report_count() -> int:
    return db.session.execute(sa.select(sa.func.count(Report.id))).scalar_one()


def test_every_dortmund_category_reaches_its_department(app_ctx):
    codes = set(db.session.execute(sa.select(Category.code)).scalars())
    assert codes == set(EXPECTED_DEPARTMENT), "a category without an expected route"
    for code, department in EXPECTED_DEPARTMENT.items():
        result = submit_report(draft(code, PHOENIX_SEE), RESIDENT)
        got = result.report.department.code if result.report.department else None
        assert got == department, code
        assert result.district_name == "Hörde"
        assert "Hörde" in result.routing_reason["de"]
    db.session.commit()
    triaged = (
        db.session.execute(sa.select(Report).where(Report.department_id.is_(None))).scalars().all()
    )
    assert [r.category.code for r in triaged] == ["sonstiges"]
    assert "Keine Regel passt" in triaged[0].routing_reason["de"]


def test_result_says_where_the_report_went_and_why(app_ctx):
    result = submit_report(draft("laterne-aus", PHOENIX_SEE), RESIDENT)
    db.session.commit()
    assert result.department_name == "Tiefbauamt – Straßenbeleuchtung"
    assert result.routing_reason["de"] == (
        "Straßenlaterne aus in Hörde → Tiefbauamt – Straßenbeleuchtung "
        "(Regel 3: Beleuchtung, alle Stadtbezirke)"
    )
    assert result.routing_reason["en"].startswith("Street light out in Hörde → ")
    report = db.session.get(Report, result.report.id)
    assert report.routing_rule.key == "beleuchtung"
    assert report.status == ReportStatus.NEW


def test_district_specific_rule_informs_the_nordstadt_quartiersmanagement(app_ctx):
    nord = submit_report(draft("unsicherer-ort", BORSIGPLATZ), RESIDENT)
    hoerde = submit_report(draft("unsicherer-ort", PHOENIX_SEE), RESIDENT)
    db.session.commit()
    assert nord.report.department.code == hoerde.report.department.code == "ordnungsamt"
    assert [c.department.code for c in nord.report.copies] == ["qm-nordstadt"]
    assert nord.copies[0][0] == "Quartiersmanagement Nordstadt"
    assert "Innenstadt-Nord" in nord.copies[0][1]["de"]
    assert hoerde.report.copies == []


def test_a_dark_unsafe_place_also_reaches_street_lighting(app_ctx):
    answers = {"time_of_day": "evening", "reasons": ["dark", "sightlines"]}
    result = submit_report(draft("unsicherer-ort", PHOENIX_SEE, attributes=answers), RESIDENT)
    db.session.commit()
    assert result.report.department.code == "ordnungsamt"
    assert [c.department.code for c in result.report.copies] == ["tiefbau-licht"]
    assert "zu dunkel" in result.copies[0][1]["de"]


def test_references_count_up_per_year_with_the_city_prefix(app_ctx):
    first = submit_report(draft(), RESIDENT).reference
    second = submit_report(draft(), RESIDENT).reference
    db.session.commit()
    year = first.split("-")[1]
    assert first == f"DO-{year}-00001"
    assert second == f"DO-{year}-00002"


def test_submitted_event_records_channel_route_and_actor(app_ctx):
    result = submit_report(draft("wilder-muell"), Actor("resident", "web"))
    db.session.commit()
    events = (
        db.session.execute(sa.select(ReportEvent).where(ReportEvent.report_id == result.report.id))
        .scalars()
        .all()
    )
    assert [(e.kind, e.actor, e.is_public) for e in events] == [("submitted", "resident:web", True)]
    assert events[0].data["department"] == "edg"
    assert events[0].data["district"] == "00"
    assert events[0].data["channel"] == "web"


@pytest.mark.parametrize(
    ("the_draft", "field", "message"),
    [
        (draft("gibt-es-nicht"), "category", "Die Kategorie „gibt-es-nicht“ gibt es nicht."),
        (draft(""), "category", "Bitte wählen Sie eine Kategorie."),
        (
            draft(point=None),
            "location",
            "Bitte markieren Sie den Ort auf der Karte oder geben Sie eine Adresse ein.",
        ),
        (draft(point=BOCHUM_HBF), "location", "Dieser Ort liegt außerhalb von Dortmund (etwa 6,"),
        (draft(point=(95, 7.4)), "location", "Diese Koordinaten gibt es nicht"),
        (draft(point=("51,5", "abc")), "location", "Die Koordinaten müssen Zahlen sein"),
        (draft(point=(51.5, "")), "location", "Bitte geben Sie Breiten- und Längengrad an."),
        (
            draft(description="x" * 2001),
            "description",
            "Die Beschreibung ist zu lang: 2001 Zeichen",
        ),
        (
            draft("unsicherer-ort", attributes={}),
            "attribute.time_of_day",
            "Bitte beantworten: Wann fühlen Sie sich dort unsicher?",
        ),
        (
            draft("unsicherer-ort", attributes={"time_of_day": "noon", "reasons": ["dark"]}),
            "attribute.time_of_day",
            "„noon“ ist keine der Antworten für „Wann",
        ),
        (
            draft(
                "unsicherer-ort", attributes={"time_of_day": "night", "reasons": ["dark", "ufo"]}
            ),
            "attribute.reasons",
            "„ufo“ ist keine der Antworten für „Warum?",
        ),
        (
            draft("laterne-aus", attributes={"mast_number": "1" * 21}),
            "attribute.mast_number",
            "„Mastnummer“ ist zu lang (höchstens 20 Zeichen).",
        ),
        (
            draft(contact=ContactDraft(email="a@example.invalid", consent=False)),
            "consent",
            "Bitte stimmen Sie zu, dass wir Ihre Kontaktdaten",
        ),
        (
            draft(contact=ContactDraft(email="not-an-address", consent=True)),
            "email",
            "Diese E-Mail-Adresse scheint nicht zu stimmen.",
        ),
    ],
)
def test_bad_drafts_are_refused_with_a_message_per_field(app_ctx, the_draft, field, message):
    error = refused(the_draft)
    assert field in error.errors
    assert message in str(error.errors[field])
    assert error.status == 422
    assert report_count() == 0


def test_all_problems_are_reported_at_once(app_ctx):
    error = refused(draft("nope", point=BOCHUM_HBF, description="x" * 3000))
    assert set(error.errors) == {"category", "location", "description"}


@pytest.mark.parametrize(
    ("photos", "status", "message"),
    [
        ([b"x" * (30 * 1024 * 1024)], 413, "zu groß"),
        ([png_bomb(20000, 20000)], 422, "Megapixel"),
        ([truncated_jpeg()], 422, "beschädigt oder unvollständig"),
        ([b"<!doctype html><html><body>hi</body></html>"], 422, "kein Foto"),
        ([jpeg(), jpeg(), jpeg((300, 200)), jpeg((200, 300))], 422, "höchstens 3 Fotos"),
    ],
)
def test_bad_photos_leave_no_report_and_no_file(app_ctx, photo_dir, photos, status, message):
    uploads = [PhotoUpload(data, f"photo{i}.jpg") for i, data in enumerate(photos)]
    error = refused(draft(photos=uploads))
    assert error.status == status
    assert message in str(error.errors["photos"])
    assert report_count() == 0
    assert stored_files(photo_dir) == []


def test_a_failed_commit_removes_the_photo_files_it_wrote(app_ctx, photo_dir):
    submit_report(draft(photos=[PhotoUpload(jpeg())]), RESIDENT)
    assert len(stored_files(photo_dir)) == 2  # image and thumbnail, written before commit
    db.session.rollback()
    assert stored_files(photo_dir) == []
    assert report_count() == 0


def test_photos_are_stored_without_metadata_and_with_a_thumbnail(app_ctx, photo_dir):
    result = submit_report(draft(photos=[PhotoUpload(jpeg_with_gps(51.5136, 7.4653))]), RESIDENT)
    db.session.commit()
    photo = result.report.photos[0]
    from app.photos.service import photo_storage

    image = Image.open(io.BytesIO(photo_storage().open(photo.storage_key)))
    assert image.getexif() == {}
    assert b"SecretCam" not in photo_storage().open(photo.storage_key)
    thumb = Image.open(io.BytesIO(photo_storage().open(photo.thumbnail_key)))
    assert max(thumb.size) <= 320
    assert len(stored_files(photo_dir)) == 2


def test_the_photo_location_is_used_when_asked_and_none_was_given(app_ctx):
    photo = PhotoUpload(jpeg_with_gps(*PHOENIX_SEE))
    result = submit_report(draft(point=None, photos=[photo], use_photo_location=True), RESIDENT)
    db.session.commit()
    assert result.report.location_source == LocationSource.PHOTO
    assert result.report.lat == pytest.approx(PHOENIX_SEE[0], abs=1e-4)
    assert result.district_name == "Hörde"
    assert str(result.notes[0]) == "Der Ort wurde aus Ihrem Foto übernommen."
    # Without the resident's yes, the photo's location is not used.
    error = refused(draft(point=None, photos=[photo], use_photo_location=False))
    assert "location" in error.errors


def test_contact_data_is_kept_apart_and_only_with_consent(app_ctx):
    contact = ContactDraft(email="Resident@Example.invalid", name="R. Esident", consent=True)
    result = submit_report(draft(contact=contact), RESIDENT)
    db.session.commit()
    stored = db.session.execute(sa.select(ReporterContact)).scalar_one()
    assert stored.report_id == result.report.id
    assert stored.email == "Resident@example.invalid"
    assert stored.wants_updates is True
    # Deleting the contact leaves the report intact.
    db.session.delete(stored)
    db.session.commit()
    assert db.session.get(Report, result.report.id) is not None


def test_an_address_is_geocoded_to_a_point_and_district(geocoding):
    result = submit_report(draft("littering", point=None, address="Friedensplatz 1"), RESIDENT)
    db.session.commit()
    report = result.report
    assert report.location_source == LocationSource.ADDRESS
    assert result.district_name == "Innenstadt-West"
    assert "Friedensplatz" in report.address
    assert report.zipcode == "44135"


def test_an_address_that_cannot_be_found_is_refused(geocoding):
    error = refused(draft(point=None, address="Nirgendwostraße 99"))
    assert "Wir konnten „Nirgendwostraße 99“ in Dortmund nicht finden" in str(
        error.errors["address"]
    )
    assert report_count() == 0


def test_an_address_outside_the_city_is_refused(geocoding):
    # The search is bounded to the city's box, so Bochum is "not found in Dortmund".
    error = refused(draft(point=None, address="Bochum Hauptbahnhof"))
    assert "in Dortmund nicht finden" in str(error.errors["address"])
    assert report_count() == 0
    search = [params for path, params in geocoding.requests if path == "/search"][-1]
    assert search.get("bounded") == "1"


def test_coordinates_are_reverse_geocoded_into_an_address(geocoding):
    result = submit_report(draft(point=FRIEDENSPLATZ), RESIDENT)
    db.session.commit()
    assert "Friedensplatz" in result.report.address
    assert any(path == "/reverse" for path, _ in geocoding.requests)


@pytest.mark.parametrize("mode", ["down", "slow", "refuse"])
def test_with_the_geocoder_down_a_report_with_coordinates_is_still_accepted(geocoding, mode):
    geocoding.mode = mode
    geocoding.slow_seconds = 2.0
    result = submit_report(draft(point=PHOENIX_SEE), RESIDENT)
    db.session.commit()
    assert result.report.reference.startswith("DO-")
    assert result.report.address is None
    assert result.district_name == "Hörde"
    assert "Straßenadresse konnte nicht ermittelt werden" in str(result.notes[0])


def test_with_the_geocoder_down_an_address_only_report_asks_for_the_map(geocoding):
    geocoding.mode = "down"
    error = refused(draft(point=None, address="Friedensplatz 1"))
    assert "gerade nicht erreichbar" in str(error.errors["address"])


def test_nearby_open_reports_of_the_same_category(app_ctx):
    here = submit_report(draft("papierkorb-voll", (51.51360, 7.46530)), RESIDENT).report
    submit_report(draft("papierkorb-voll", (51.51360, 7.46620)), RESIDENT)  # ~62 m east
    submit_report(draft("littering", (51.51362, 7.46531)), RESIDENT)  # other category
    closed = submit_report(draft("papierkorb-voll", (51.51361, 7.46531)), RESIDENT).report
    closed.status = ReportStatus.RESOLVED
    db.session.commit()
    found = find_nearby_open_reports("papierkorb-voll", 51.51365, 7.46532)
    assert [r.reference for r in found] == [here.reference]
    assert found[0].distance_m < 10
    wider = find_nearby_open_reports("papierkorb-voll", 51.51365, 7.46532, radius_m=100)
    assert len(wider) == 2


def test_nearby_unsafe_places_use_their_wider_radius_and_a_coarse_point(app_ctx):
    report = submit_report(draft("unsicherer-ort", (51.51360, 7.46530)), RESIDENT).report
    db.session.commit()
    found = find_nearby_open_reports("unsicherer-ort", 51.51360, 7.46650)  # ~83 m away
    assert [r.reference for r in found] == [report.reference]
    assert (found[0].lat, found[0].lon) != (report.lat, report.lon)


def test_messages_follow_the_users_language(app_ctx):
    with app_ctx.test_request_context(headers={"Accept-Language": "en"}):
        error = refused(draft(point=BOCHUM_HBF))
        assert str(error.errors["location"]).startswith("This place is outside Dortmund (about 6.")


def test_control_characters_are_removed_from_every_text(app_ctx):
    """NUL bytes would break PostgreSQL text columns; tabs and new lines stay."""
    result = submit_report(
        draft(
            "laterne-aus",
            description="Lampe\x00 aus\n\tseit Tagen\x07",
            attributes={"mast_number": "12\x00-3"},
        ),
        RESIDENT,
    )
    db.session.commit()
    assert result.report.description == "Lampe aus\n\tseit Tagen"
    assert result.report.attributes == {"mast_number": "12-3"}
