"""Response templates: list, add, edit, delete."""

from __future__ import annotations

from app.catalogue.models import Category
from app.core.enums import ReportStatus
from app.reports.models import ResponseTemplate
from tests.admin.conftest import count, fresh


def template_form(**overrides) -> dict:
    data = {
        "title": "Laterne gemeldet",
        "category": str(fresh(Category, code="laterne-aus").id),
        "status": "forwarded",
        "text_de": "Wir haben den Beleuchtungsdienst beauftragt.",
        "text_en": "We have asked the lighting service to fix it.",
    }
    data.update(overrides)
    return data


def test_list_add_edit_delete(as_admin, reseed_city):
    page = as_admin.text(as_admin.get("/admin/response-templates"))
    assert "Weitergeleitet an EDG" in page and "Laterne repariert" in page

    response = as_admin.post("/admin/response-templates/new", template_form())
    assert response.status_code == 302
    template = fresh(ResponseTemplate, title="Laterne gemeldet")
    assert template.category.code == "laterne-aus"
    assert template.status == ReportStatus.FORWARDED
    assert template.texts["en"] == "We have asked the lighting service to fix it."

    response = as_admin.post(
        f"/admin/response-templates/{template.id}",
        template_form(title="Laterne: Auftrag erteilt", category="", status="", text_en=""),
    )
    assert response.status_code == 302
    template = fresh(ResponseTemplate, id=template.id)
    assert (template.title, template.category, template.status) == (
        "Laterne: Auftrag erteilt",
        None,
        None,
    )
    assert template.texts == {"de": "Wir haben den Beleuchtungsdienst beauftragt."}

    before = count(ResponseTemplate)
    assert "Delete the response template" in as_admin.text(
        as_admin.get(f"/admin/response-templates/{template.id}/delete")
    )
    response = as_admin.post(f"/admin/response-templates/{template.id}/delete")
    assert response.status_code == 302
    assert count(ResponseTemplate) == before - 1


def test_a_template_in_turkish_and_arabic(as_admin, reseed_city):
    form = template_form(
        text_tr="Aydınlatma servisini görevlendirdik.", text_ar="كلّفنا خدمة الإنارة بإصلاحه."
    )
    assert as_admin.post("/admin/response-templates/new", form).status_code == 302
    template = fresh(ResponseTemplate, title="Laterne gemeldet")
    assert template.texts["tr"] == "Aydınlatma servisini görevlendirdik."
    assert template.text("ar") == "كلّفنا خدمة الإنارة بإصلاحه."
    page = as_admin.text(as_admin.get(f"/admin/response-templates/{template.id}"))
    assert 'lang="ar" dir="rtl">كلّفنا خدمة الإنارة بإصلاحه.</textarea>' in page
    # Dortmund's own templates come in all four languages
    done = fresh(ResponseTemplate, title="Erledigt")
    assert set(done.texts) == {"de", "en", "tr", "ar"}


def test_bad_templates_are_refused(as_admin, reseed_city):
    before = count(ResponseTemplate)
    cases = [
        (template_form(title=""), "Please enter a title."),
        (template_form(title="Erledigt"), "There is already a template called “Erledigt”."),
        (template_form(text_de=""), "Please enter the German text."),
        (template_form(text_de="x" * 2001), "This is too long: 2001 characters, at most 2000."),
        (template_form(status="done-ish"), "Please choose a status from the list."),
        (template_form(category="999999"), "This category does not exist (any more)."),
        (template_form(category="lamp"), "Please choose from the list."),
    ]
    for data, message in cases:
        response = as_admin.post("/admin/response-templates/new", data)
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message
    assert count(ResponseTemplate) == before
