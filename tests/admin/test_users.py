"""Staff accounts in the admin area: create, edit role and departments, disable/enable, new
password – and an admin cannot lock themselves out."""

from __future__ import annotations

from app.auth.models import Role, User
from app.routing.models import Department
from tests.admin.conftest import PASSWORD, count, csrf_token, fresh, log_in


def dept(code: str) -> str:
    return str(fresh(Department, code=code).id)


def test_list_and_create(as_admin, make_user, second_person):
    make_user("caseworker", ("edg",), name="Carla Case")
    page = as_admin.text(as_admin.get("/admin/users"))
    assert "Carla Case" in page and "EDG Entsorgung Dortmund GmbH" in page
    assert "Ada Admin" in page and "(you)" in page

    response = as_admin.post(
        "/admin/users/new",
        {
            "email": "Neu@Example.invalid",
            "name": "Nora Neu",
            "role": "caseworker",
            "departments": [dept("edg"), dept("gruenflaechen")],
            "password": "twelve chars!",
        },
    )
    assert response.status_code == 302
    user = fresh(User, email="neu@example.invalid")
    assert (user.name, user.role) == ("Nora Neu", Role.CASEWORKER)
    assert sorted(d.code for d in user.departments) == ["edg", "gruenflaechen"]
    # the new account can log in at once
    log_in(second_person, "neu@example.invalid", "twelve chars!")
    assert second_person.get("/inbox/").status_code == 200


def test_bad_accounts_are_refused(as_admin, make_user):
    existing = make_user("dispatcher")
    before = count(User)
    good = {
        "email": "x@example.invalid",
        "name": "X",
        "role": "caseworker",
        "departments": [dept("edg")],
        "password": "long enough password",
    }
    cases = [
        ({**good, "email": "not-an-address"}, "This e-mail address does not look right."),
        ({**good, "email": existing.email}, f"There is already an account for {existing.email}."),
        ({**good, "password": "short"}, "The password needs at least 12 characters."),
        ({**good, "departments": []}, "A caseworker needs at least one department."),
        ({**good, "departments": ["999999"]}, "This department does not exist."),
        ({**good, "departments": ["edg"]}, "Please tick departments from the list."),
        ({**good, "role": "superuser"}, "Please choose a role."),
    ]
    for data, message in cases:
        response = as_admin.post("/admin/users/new", data)
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message
    assert count(User) == before


def test_edit_role_and_departments(as_admin, make_user):
    user = make_user("caseworker", ("edg",))
    response = as_admin.post(
        f"/admin/users/{user.id}",
        {"name": "Dana Dispatch", "role": "dispatcher", "departments": []},
    )
    assert response.status_code == 302
    user = fresh(User, id=user.id)
    assert (user.name, user.role, user.departments) == ("Dana Dispatch", Role.DISPATCHER, [])

    response = as_admin.post(
        f"/admin/users/{user.id}", {"name": "Dana", "role": "caseworker", "departments": []}
    )
    assert response.status_code == 422
    assert "A caseworker needs at least one department." in as_admin.text(response)
    assert fresh(User, id=user.id).role == Role.DISPATCHER


def test_an_admin_cannot_demote_or_disable_themselves(as_admin, admin):
    page = as_admin.text(as_admin.get(f"/admin/users/{admin.id}"))
    assert "This is your own account" in page
    assert f"/admin/users/{admin.id}/disable" not in page
    response = as_admin.post(f"/admin/users/{admin.id}", {"name": "Ada", "role": "dispatcher"})
    assert response.status_code == 422
    assert "You cannot take away your own admin role" in as_admin.text(response)
    response = as_admin.post(f"/admin/users/{admin.id}/disable")
    assert response.status_code == 409
    assert "You cannot disable your own account" in as_admin.text(response)
    me = fresh(User, id=admin.id)
    assert me.role == Role.ADMIN and me.is_enabled


def test_disable_ends_the_session_and_enable_restores_access(as_admin, make_user, second_person):
    user = make_user("caseworker", ("edg",))
    their = second_person
    log_in(their, user.email)
    assert their.get("/inbox/").status_code == 200

    response = as_admin.post(f"/admin/users/{user.id}/disable", follow_redirects=True)
    assert "Disabled the account of" in as_admin.text(response)
    assert not fresh(User, id=user.id).is_enabled
    assert their.get("/inbox/").status_code == 302  # logged out on the next click
    response = their.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(their)}
    )
    assert response.status_code == 401

    as_admin.post(f"/admin/users/{user.id}/enable")
    assert fresh(User, id=user.id).is_enabled
    assert their.get("/inbox/").status_code == 200


def test_set_a_new_password(as_admin, make_user, second_person):
    user = make_user("dispatcher")
    response = as_admin.post(f"/admin/users/{user.id}/password", {"password": "too short"})
    assert response.status_code == 422
    assert "The password needs at least 12 characters." in as_admin.text(response)
    response = as_admin.post(
        f"/admin/users/{user.id}/password", {"password": "a brand new passphrase"}
    )
    assert response.status_code == 302
    log_in(second_person, user.email, "a brand new passphrase")
