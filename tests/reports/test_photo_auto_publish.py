"""Photos public at intake: with the category's ``auto_publish_photos`` on, a photo whose
automatic anonymisation succeeded is public at once; a failed or switched-off one waits for a
caseworker, and a sensitive category never publishes by itself."""

from __future__ import annotations

import pytest

from app.catalogue.models import Category
from app.catalogue.snapshot import catalogue
from app.extensions import db
from app.reports.models import ReportPhoto
from app.reports.photo_review import auto_publish, publish_anonymised_photos
from tests.web.support import de


def photos(*states: str) -> list[ReportPhoto]:
    return [
        ReportPhoto(storage_key="k", thumbnail_key="t", width=1, height=1, anonymisation=s)
        for s in states
    ]


def category(code: str) -> Category:
    return db.session.execute(db.select(Category).where(Category.code == code)).scalar_one()


def test_only_anonymised_photos_of_a_category_that_wants_it_are_published(app_ctx):
    litter = category("papierkorb-voll")
    assert litter.auto_publish_photos
    items = photos("done", "failed", "off", "done")
    assert publish_anonymised_photos(items, litter) == 2
    assert [bool(p.is_public) for p in items] == [True, False, False, True]


@pytest.mark.parametrize("code", ["baum", "unsicherer-ort"])
def test_categories_without_the_setting_publish_nothing(app_ctx, code):
    items = photos("done")
    assert publish_anonymised_photos(items, category(code)) == 0
    assert not items[0].is_public


def test_a_sensitive_category_never_publishes_even_if_the_column_says_so(app_ctx):
    unsafe = category("unsicherer-ort")
    unsafe.auto_publish_photos = True  # what neither the form nor city.json allow
    assert not auto_publish(unsafe)
    db.session.rollback()


def test_the_intakes_snapshot_of_a_category_reads_the_same(app_ctx):
    snapshot = catalogue().categories
    assert auto_publish(snapshot["papierkorb-voll"]) is True
    assert auto_publish(snapshot["laterne-aus"]) is True
    assert auto_publish(snapshot["unsicherer-ort"]) is False
    assert auto_publish(snapshot["baum"]) is False


# --- through the intake, with the photo pipeline's real detector --------------------------------


def _public_photo_paths(client, report) -> list[str]:
    """The photo thumbnails the report's public status page shows."""
    page = client.get(f"/r/{report.reference}").get_data(as_text=True)
    paths = [f"/r/{report.reference}/photos/{p.id}/thumb" for p in report.photos]
    return [path for path in paths if path in page]


def test_a_litter_bin_photo_is_public_at_intake_once_anonymised(client, make_report):
    from app.reports.drafts import PhotoUpload
    from tests.images import jpeg

    report = make_report("papierkorb-voll", photos=[PhotoUpload(jpeg(size=(640, 480)), "a.jpg")])
    [photo] = report.photos
    assert photo.anonymisation == "done" and photo.is_public
    assert _public_photo_paths(client, report) == [f"/r/{report.reference}/photos/{photo.id}/thumb"]
    assert client.get(f"/r/{report.reference}/photos/{photo.id}/full").status_code == 200


@pytest.mark.parametrize("code", ["unsicherer-ort", "baum"])
def test_other_categories_wait_for_a_caseworker(client, make_report, code):
    from app.reports.drafts import PhotoUpload
    from tests.images import jpeg

    point = (51.5235, 7.4837)
    report = make_report(code, point, photos=[PhotoUpload(jpeg(size=(640, 480)), "a.jpg")])
    [photo] = report.photos
    assert photo.anonymisation == "done" and not photo.is_public
    assert _public_photo_paths(client, report) == []


def test_a_photo_whose_anonymisation_failed_is_not_published(client, make_report, monkeypatch):
    import app.photos.pipeline as pipeline
    from app.reports.drafts import PhotoUpload
    from tests.images import jpeg

    def broken(*args, **kwargs):
        raise RuntimeError("detector broke")

    monkeypatch.setattr(pipeline, "detect", broken)
    report = make_report("papierkorb-voll", photos=[PhotoUpload(jpeg(size=(640, 480)), "a.jpg")])
    [photo] = report.photos
    assert photo.anonymisation == "failed" and not photo.is_public  # the report is kept
    assert _public_photo_paths(client, report) == []
    assert client.get(f"/r/{report.reference}/photos/{photo.id}/thumb").status_code == 404


def test_a_released_photo_that_may_not_be_shared_is_nowhere_in_public(client, make_report):
    """Released (``is_public``) but its anonymisation failed and nobody has checked it: the
    status page, the photo URL and Open311 leave it out, and the page says photos wait."""
    from app.reports.drafts import PhotoUpload
    from tests.images import jpeg

    report = make_report("papierkorb-voll", photos=[PhotoUpload(jpeg(size=(640, 480)), "a.jpg")])
    [photo] = report.photos
    photo.anonymisation, photo.is_public, photo.reviewed_at = "failed", True, None
    db.session.commit()
    assert _public_photo_paths(client, report) == []
    page = client.get(f"/r/{report.reference}").get_data(as_text=True)
    assert de("Photos will be published after review.") in page
    for size in ("thumb", "full"):
        assert client.get(f"/r/{report.reference}/photos/{photo.id}/{size}").status_code == 404
    [item] = client.get(f"/open311/v2/requests/{report.reference}.json").get_json()
    assert "media_url" not in item and item["extended_attributes"]["media_urls"] == []

    from app.core.db import utcnow

    photo.reviewed_at = utcnow()  # a caseworker checked it
    db.session.commit()
    assert _public_photo_paths(client, report) == [f"/r/{report.reference}/photos/{photo.id}/thumb"]
    [item] = client.get(f"/open311/v2/requests/{report.reference}.json").get_json()
    assert item["media_url"].endswith(f"/r/{report.reference}/photos/{photo.id}/full")


def test_a_public_photo_is_revalidated_so_a_box_added_later_reaches_every_viewer(
    client, make_report, make_user
):
    from app.reports.drafts import PhotoUpload
    from tests.images import jpeg
    from tests.inbox.support import login, token

    report = make_report("papierkorb-voll", photos=[PhotoUpload(jpeg(size=(640, 480)), "a.jpg")])
    [photo] = report.photos
    url = f"/r/{report.reference}/photos/{photo.id}/full"
    first = client.get(url)
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304

    login(client, make_user("caseworker", ("edg",)))
    page = f"/inbox/reports/{report.reference}/photos/{photo.id}"
    box = {"left": "10", "top": "10", "width": "20", "height": "20"}
    response = client.post(f"{page}/boxes", data={"csrf_token": token(client, page), **box})
    assert response.status_code == 303

    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 200 and again.headers["ETag"] != tag
    assert again.data != first.data
