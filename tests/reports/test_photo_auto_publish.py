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
