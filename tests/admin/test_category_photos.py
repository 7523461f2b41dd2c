"""A category's "publish photos automatically" setting in the admin form: saved, shown, and
refused with a clear message for a sensitive category (the form and the service alike)."""

from __future__ import annotations

import pytest

from app.auth.models import User
from app.catalogue import services as catalogue
from app.catalogue.models import Category
from app.core.errors import Refusal
from app.extensions import db
from tests.admin.conftest import fresh
from tests.admin.test_categories import category_form, control
from tests.web.support import de

SENSITIVE_MESSAGE = (
    "Photos of a sensitive category (unsafe places) are never published automatically: a "
    "caseworker checks each one. Please leave this off."
)


def test_dortmund_publishes_cleanliness_and_lighting_photos_but_never_unsafe_places(app_ctx):
    setting = {
        code: (auto, sensitive)
        for code, auto, sensitive in db.session.execute(
            db.select(Category.code, Category.auto_publish_photos, Category.is_sensitive)
        ).tuples()
    }
    assert setting["papierkorb-voll"] == (True, False)
    assert setting["wilder-muell"] == (True, False)
    assert setting["laterne-aus"] == (True, False)
    assert setting["unsicherer-ort"] == (False, True)
    assert setting["baum"] == (False, False)  # the others wait for a caseworker


def test_the_setting_is_saved_and_shown(as_admin, reseed_city):
    response = as_admin.post("/admin/categories/new", category_form(auto_publish_photos="y"))
    assert response.status_code == 302
    category = fresh(Category, code="hundekot")
    assert category.auto_publish_photos is True
    page = as_admin.text(as_admin.get(f"/admin/categories/{category.id}"))
    assert "checked" in control(page, "auto_publish_photos")
    assert "Publish photos automatically once faces and number plates" in page

    form = category_form(code="hundekot")  # the box left empty: off again
    assert as_admin.post(f"/admin/categories/{category.id}", form).status_code == 302
    assert fresh(Category, code="hundekot").auto_publish_photos is False


def test_a_sensitive_category_refuses_it_with_a_clear_message(as_admin, reseed_city):
    unsafe = fresh(Category, code="unsicherer-ort")
    form = category_form(
        code="unsicherer-ort",
        group=str(unsafe.group_id),
        is_sensitive="y",
        auto_publish_photos="y",
    )
    response = as_admin.post(f"/admin/categories/{unsafe.id}", form)
    assert response.status_code == 422
    page = as_admin.text(response)
    assert SENSITIVE_MESSAGE in page
    assert 'aria-invalid="true"' in control(page, "auto_publish_photos")
    assert fresh(Category, code="unsicherer-ort").auto_publish_photos is False


def test_the_service_refuses_it_too(app_ctx, make_user, reseed_city):
    admin: User = make_user("admin")
    unsafe = fresh(Category, code="unsicherer-ort")
    data = catalogue.CategoryData(
        code=unsafe.code,
        group_id=unsafe.group_id,
        names=dict(unsafe.names),
        is_sensitive=True,
        auto_publish_photos=True,
    )
    with pytest.raises(Refusal) as refused:
        catalogue.save_category(admin, unsafe, data)
    assert str(refused.value.errors["auto_publish_photos"]) == de(SENSITIVE_MESSAGE)
    db.session.rollback()
    assert fresh(Category, code="unsicherer-ort").auto_publish_photos is False
