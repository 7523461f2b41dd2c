"""Departments through the admin forms, and the warning when rules still point to one."""

from __future__ import annotations

from app.core.enums import DepartmentKind
from app.routing.models import Department
from tests.admin.conftest import count, fresh


def department_form(**overrides) -> dict:
    data = {
        "code": "stadtbahn",
        "name": "DSW21 Stadtbahn",
        "kind": "external",
        "email": "stoerung@dsw21.example.invalid",
        "description": "Haltestellen",
        "is_active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_list_add_and_edit(as_admin, reseed_city):
    page = as_admin.text(as_admin.get("/admin/departments"))
    assert "Grünflächenamt" in page and "meldungen@edg.example.invalid" in page

    response = as_admin.post("/admin/departments/new", department_form())
    assert response.status_code == 302
    department = fresh(Department, code="stadtbahn")
    assert (department.name, department.kind, department.email, department.is_active) == (
        "DSW21 Stadtbahn",
        DepartmentKind.EXTERNAL,
        "stoerung@dsw21.example.invalid",
        True,
    )

    response = as_admin.post(
        f"/admin/departments/{department.id}",
        department_form(code="anders", name="DSW21", kind="internal", email="", description=""),
    )
    assert response.status_code == 302
    department = fresh(Department, id=department.id)
    assert department.code == "stadtbahn"  # the code stays
    assert (department.name, department.kind, department.email, department.description) == (
        "DSW21",
        DepartmentKind.INTERNAL,
        None,
        None,
    )


def test_bad_input_is_refused(as_admin, reseed_city):
    before = count(Department)
    cases = [
        (department_form(email="not an address"), "This e-mail address does not look right."),
        (department_form(email=""), "External departments get their reports by e-mail"),
        (department_form(code="Stadt Bahn"), "Use only lowercase letters a–z, digits and “-”"),
        (department_form(code="edg"), "There is already a department with the code “edg”."),
        (department_form(name=""), "Please enter a name."),
        (department_form(name="Grünflächenamt"), "There is already a department called"),
        (department_form(kind="sometimes"), "Please choose internal or external."),
    ]
    for data, message in cases:
        response = as_admin.post("/admin/departments/new", data)
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message
    assert count(Department) == before


def test_deactivating_a_department_with_rules_warns_first(as_admin, reseed_city):
    department = fresh(Department, code="gruenflaechen")
    url = f"/admin/departments/{department.id}"
    form = department_form(
        code=None, name=department.name, kind="internal", email=department.email, is_active=None
    )
    response = as_admin.post(url, form)
    assert response.status_code == 409
    page = as_admin.text(response)
    assert "Routing rule 5 still sends reports to Grünflächenamt." in page
    assert 'name="confirm"' in page
    assert fresh(Department, code="gruenflaechen").is_active

    response = as_admin.post(url, {**form, "confirm": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Routing skips rule 5 while “Grünflächenamt” is inactive." in as_admin.text(response)
    assert not fresh(Department, code="gruenflaechen").is_active
    # the rules page and the overview say so too
    assert "skipped: department inactive" in as_admin.text(as_admin.get("/admin/rules"))
    assert "routing skips them" in as_admin.text(as_admin.get("/admin/"))


def test_deactivating_a_department_without_rules_needs_no_confirmation(as_admin, reseed_city):
    as_admin.post("/admin/departments/new", department_form())
    department = fresh(Department, code="stadtbahn")
    response = as_admin.post(f"/admin/departments/{department.id}", department_form(is_active=None))
    assert response.status_code == 302
    assert not fresh(Department, code="stadtbahn").is_active
