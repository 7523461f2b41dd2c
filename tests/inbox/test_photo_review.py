"""A photo's review page in the inbox: the detector's boxes drawn over the photo, the notice when
its anonymisation failed or was off, a box made unrecognisable by hand (stored image and
thumbnail changed for good, another report's photo with the same file never), and "Geprüft /
freigeben"."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image, ImageChops, ImageStat

from app.extensions import db
from app.photos.service import photo_storage
from app.reports.drafts import PhotoUpload
from app.reports.models import ReportPhoto
from tests.images import encode
from tests.inbox.support import events, login, text, token
from tests.web.support import de

WIDTH, HEIGHT = 800, 600


def checkerboard(size=(WIDTH, HEIGHT), cell: int = 10) -> bytes:
    """A sharp pattern: pixelating any part of it flattens that part unmistakably."""
    img = Image.new("RGB", size, (250, 250, 250))
    dark = Image.new("RGB", (cell, cell), (20, 40, 160))
    for top in range(0, size[1], cell):
        for left in range((top // cell % 2) * cell, size[0], 2 * cell):
            img.paste(dark, (left, top))
    return encode(img, "JPEG", quality=95)


def stored_image(key: str) -> Image.Image:
    with Image.open(io.BytesIO(photo_storage().open(key))) as img:
        return img.convert("RGB")


def spread(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Standard deviation of the brightness in ``box``: high on the pattern, low when blurred."""
    return ImageStat.Stat(img.crop(box).convert("L")).stddev[0]


def difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    return ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box)).convert("L")).mean[0]


def photo_row(photo_id: int) -> ReportPhoto:
    db.session.rollback()
    return db.session.get(ReportPhoto, photo_id)


def set_state(photo: ReportPhoto, **values) -> None:
    """What the intake's detector recorded (its own tests are in tests/photos); a photo whose
    anonymisation failed is never public at intake."""
    if values.get("anonymisation") == "failed":
        values.setdefault("is_public", False)
    for name, value in values.items():
        setattr(photo, name, value)
    db.session.commit()


@pytest.fixture
def caseworker(client, make_user):
    login(client, make_user("caseworker", ("edg",)))
    return client


def page_of(client, report, photo):
    return client.get(f"/inbox/reports/{report.reference}/photos/{photo.id}")


def add_box(client, report, photo, **fields):
    data = {"csrf_token": token(client, f"/inbox/reports/{report.reference}/photos/{photo.id}")}
    data.update(fields)
    return client.post(f"/inbox/reports/{report.reference}/photos/{photo.id}/boxes", data=data)


def review(client, report, photo, publish: str):
    data = {"csrf_token": token(client, f"/inbox/reports/{report.reference}/photos/{photo.id}")}
    return client.post(
        f"/inbox/reports/{report.reference}/photos/{photo.id}/review",
        data={**data, "publish": publish},
    )


def test_the_photo_page_draws_the_detectors_boxes_over_the_photo(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    face = {"x": 100, "y": 60, "w": 120, "h": 150, "kind": "face", "score": 0.93}
    plate = {"x": 420, "y": 480, "w": 200, "h": 44, "kind": "plate", "score": None}
    set_state(photo, anonymisation="done", boxes=[face, plate])

    response = page_of(caseworker, report, photo)
    assert response.status_code == 200
    page = text(response)
    # The drawing is in the photo's own pixels, over the full image, so it scales with it.
    assert f'viewBox="0 0 {photo.width} {photo.height}"' in page
    assert '<rect x="100" y="60" width="120" height="150"' in page
    assert '<rect x="420" y="480" width="200" height="44"' in page
    assert "1 Gesicht" in page and "2 Kennzeichen" in page  # labels drawn beside the boxes
    # … and in words below the photo, in per cent.
    assert "links 12.5 %, oben 10.0 %, 15.0 % breit, 25.0 % hoch" in page
    assert "Automatisch unkenntlich gemacht: 2 Bereiche" in page
    assert "fehlgeschlagen" not in page
    # The report page links to it and says what happened to the photo.
    report_page = text(caseworker.get(f"/inbox/reports/{report.reference}"))
    assert f"/inbox/reports/{report.reference}/photos/{photo.id}" in report_page
    assert "Automatisch unkenntlich gemacht: 2 Bereiche" in report_page
    # Litter bins publish anonymised photos at once: the hint says so.
    assert "Fotos dieser Kategorie sind öffentlich, sobald Gesichter" in report_page


def test_a_failed_anonymisation_is_announced_on_the_photo_and_the_report(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    set_state(photo, anonymisation="failed", boxes=[])
    notice = "Automatische Unkenntlichmachung fehlgeschlagen — Foto zurückgehalten, bitte prüfen"

    page = text(page_of(caseworker, report, photo))
    assert notice in page
    assert 'role="alert"' in page.split(notice)[0].rsplit("<div", 1)[1]
    assert "zurückgehalten, bis es geprüft ist" in page  # partners: held back
    assert notice in text(caseworker.get(f"/inbox/reports/{report.reference}"))

    set_state(photo_row(photo.id), anonymisation="off")
    page = text(page_of(caseworker, report, photo))
    assert notice not in page
    assert "Automatische Unkenntlichmachung war für dieses Foto ausgeschaltet" in page


def test_a_box_by_hand_pixelates_the_stored_photo_and_thumbnail_for_good(
    caseworker, make_report, photo_dir
):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    set_state(photo, anonymisation="done", boxes=[])
    old_full, old_thumb = photo.storage_key, photo.thumbnail_key
    before = stored_image(old_full)

    # 10 % from the left, 20 % from the top, 25 % wide, 30 % high: 80, 120, 200 × 180 pixels.
    response = add_box(caseworker, report, photo, left="10", top="20", width="25", height="30")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/inbox/reports/{report.reference}/photos/{photo.id}"
    )

    row = photo_row(photo.id)
    assert row.boxes == [{"x": 80, "y": 120, "w": 200, "h": 180, "kind": "manual", "score": None}]
    assert row.reviewed_at is not None  # a box by hand is the photo's review
    assert row.storage_key != old_full and row.thumbnail_key != old_thumb
    after = stored_image(row.storage_key)
    assert after.size == before.size
    inside = (90, 130, 270, 290)
    assert spread(before, inside) > 60 and spread(after, inside) < 15  # the pattern is gone
    far = (500, 0, 800, 100)  # well outside the box and its padding
    assert difference(before, after, far) < 4
    # The thumbnail is made anew from the changed photo: the area is flat there too.
    thumb = stored_image(row.thumbnail_key)
    assert max(thumb.size) <= 320
    scale = thumb.width / WIDTH
    assert spread(thumb, tuple(round(v * scale) for v in inside)) < 15
    # The unchanged files are gone (no other photo uses them): nothing to undo it with.
    names = {p.name for p in photo_dir.rglob("*.jpg")}
    assert old_full not in names and old_thumb not in names
    assert {row.storage_key, row.thumbnail_key} <= names
    # Served as stored now, and the page and the history say so.
    served = caseworker.get(f"/inbox/photos/{photo.id}/full")
    assert served.data == photo_storage().open(row.storage_key)
    assert "no-cache" in served.headers["Cache-Control"]  # no stale copy from a cache
    page = text(page_of(caseworker, report, photo))
    assert '<rect x="80" y="120" width="200" height="180"' in page and "1 von Hand" in page
    assert [e.kind for e in events(report, "photo_box_added")] == ["photo_box_added"]
    timeline = text(caseworker.get(f"/inbox/reports/{report.reference}"))
    assert "Ein Bereich von Foto 1 von Hand unkenntlich gemacht" in timeline


def test_a_photo_of_another_report_with_the_same_file_is_never_changed(caseworker, make_report):
    upload = checkerboard()
    report = make_report(photos=[PhotoUpload(upload, "a.jpg")])
    other = make_report(photos=[PhotoUpload(upload, "b.jpg")])
    photo, theirs = report.photos[0], other.photos[0]
    assert photo.storage_key == theirs.storage_key  # one file, content-addressed
    shared_key, shared_bytes = theirs.storage_key, photo_storage().open(theirs.storage_key)

    assert (
        add_box(caseworker, report, photo, left="0", top="0", width="50", height="50").status_code
        == 303
    )

    assert photo_row(photo.id).storage_key != shared_key
    untouched = photo_row(theirs.id)
    assert (untouched.storage_key, untouched.boxes, untouched.reviewed_at) == (shared_key, [], None)
    assert photo_storage().open(shared_key) == shared_bytes  # still there, byte for byte


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"left": "zehn", "top": "20", "width": "10", "height": "10"},
            "Please give left, top, width and height of the area as numbers (per cent of the "
            "photo), for example 10, 20, 15 and 10.",
        ),
        (
            {"left": "", "top": "20", "width": "10", "height": "10"},
            "Please give left, top, width and height of the area as numbers (per cent of the "
            "photo), for example 10, 20, 15 and 10.",
        ),
        (
            {"left": "100", "top": "20", "width": "10", "height": "10"},
            "The box must start on the photo: left and top from 0 to less than 100 per cent.",
        ),
        (
            {"left": "10", "top": "-1", "width": "10", "height": "10"},
            "The box must start on the photo: left and top from 0 to less than 100 per cent.",
        ),
        ({"left": "10", "top": "20", "width": "0", "height": "10"}, "size"),
        ({"left": "10", "top": "20", "width": "10", "height": "nan"}, "numbers"),
    ],
)
def test_a_box_that_cannot_be_used_is_refused_and_changes_nothing(
    caseworker, make_report, fields, message
):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    key = photo.storage_key

    response = add_box(caseworker, report, photo, **fields)

    assert response.status_code == 422
    page = text(response)
    if message == "size":
        expected = de(
            "Width and height must be from %(min)s to 100 per cent of the photo.", min="0.5"
        )
    elif message == "numbers":
        expected = de(
            "Please give left, top, width and height of the area as numbers (per cent of the "
            "photo), for example 10, 20, 15 and 10."
        )
    else:
        expected = de(message)
    assert de("Nothing was saved") in page and expected in page
    assert f'value="{fields["left"]}"' in page  # what was typed is kept
    row = photo_row(photo.id)
    assert (row.storage_key, row.boxes, row.reviewed_at) == (key, [], None)
    assert events(report, "photo_box_added") == []


def test_a_box_without_the_forms_token_is_refused(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    response = caseworker.post(
        f"/inbox/reports/{report.reference}/photos/{photo.id}/boxes",
        data={"left": "1", "top": "1", "width": "10", "height": "10"},
    )
    assert response.status_code == 400
    assert photo_row(photo.id).storage_key == photo.storage_key


def test_checked_and_released_or_checked_for_partners_only(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")] * 2)
    first, second = report.photos
    set_state(first, anonymisation="failed")
    set_state(photo_row(second.id), anonymisation="failed")
    public_page = f"/r/{report.reference}"
    assert f"/photos/{first.id}/" not in text(caseworker.get(public_page))

    response = review(caseworker, report, first, "1")  # "Geprüft / freigeben"
    assert response.status_code == 303
    row = photo_row(first.id)
    assert row.is_public and row.reviewed_at is not None and row.shareable
    assert f"/r/{report.reference}/photos/{first.id}/thumb" in text(caseworker.get(public_page))

    assert review(caseworker, report, second, "0").status_code == 303  # partners only
    row = photo_row(second.id)
    assert row.reviewed_at is not None and row.shareable and not row.is_public
    assert f"/photos/{second.id}/" not in text(caseworker.get(public_page))

    kinds = [(e.kind, e.data["photo_id"]) for e in events(report) if e.kind.startswith("photo")]
    assert kinds == [("photo_released", first.id), ("photo_reviewed", second.id)]
    timeline = text(caseworker.get(f"/inbox/reports/{report.reference}"))
    assert "Foto 1 veröffentlicht" in timeline
    assert "Foto 2 geprüft (für Partner, nicht öffentlich)" in timeline


def test_publishing_from_the_report_page_counts_as_the_check(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    set_state(photo, anonymisation="failed")
    page = text(caseworker.get(f"/inbox/reports/{report.reference}"))
    assert "Geprüft / freigeben" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = caseworker.post(
        f"/inbox/reports/{report.reference}/photos/{photo.id}",
        data={"csrf_token": csrf, "version": version, "public": "1"},
    )
    assert response.status_code == 303
    row = photo_row(photo.id)
    assert row.is_public and row.reviewed_at is not None


def test_the_copy_reader_sees_the_photo_but_no_forms(client, make_user, make_report):
    report = make_report("unsicherer-ort", (51.5235, 7.4837), photos=[PhotoUpload(checkerboard())])
    login(client, make_user("caseworker", ("qm-nordstadt",)))
    page = text(page_of(client, report, report.photos[0]))
    assert 'id="photo-image"' in page
    assert 'id="box-form"' not in page and 'id="review-form"' not in page


def test_a_photo_of_another_report_is_not_found_through_this_report(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard())])
    other = make_report(photos=[PhotoUpload(checkerboard(cell=12))])
    url = f"/inbox/reports/{report.reference}/photos/{other.photos[0].id}"
    assert caseworker.get(url).status_code == 404
    assert (
        add_box(
            caseworker, report, other.photos[0], left="1", top="1", width="5", height="5"
        ).status_code
        == 404
    )
    db.session.rollback()
    assert (
        db.session.execute(
            sa.select(ReportPhoto.boxes).where(ReportPhoto.id == other.photos[0].id)
        ).scalar_one()
        == []
    )


def test_a_photo_whose_file_is_gone_is_refused_with_a_message(caseworker, make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    photo_storage().delete(photo.storage_key)

    response = add_box(caseworker, report, photo, left="10", top="10", width="10", height="10")

    assert response.status_code == 409
    assert de("The photo's file is missing, so nothing could be changed.") in text(response)
    row = photo_row(photo.id)
    assert (row.storage_key, row.boxes, row.reviewed_at) == (photo.storage_key, [], None)
    assert events(report, "photo_box_added") == []
