"""Admin pages of the staff accounts: create, change role and departments, disable or enable,
set a new password. An admin cannot lock themselves out."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import forms as f
from app.admin.blueprint import bp, commit, current_admin, page, show_errors
from app.auth import services as accounts
from app.auth.decorators import admin_required
from app.auth.models import Role, User
from app.core.errors import Message, Refusal
from app.extensions import db
from app.routing.departments import all_departments

ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.DISPATCHER: _l("Dispatcher"),
    Role.ADMIN: _l("Administrator"),
}
ROLE_HINTS = {
    Role.CASEWORKER: _l("Works on the reports of their departments."),
    Role.DISPATCHER: _l("Works the triage queue and can route reports anywhere."),
    Role.ADMIN: _l("Also manages categories, departments, routing rules and users."),
}


@bp.app_template_global()
def admin_role_label(role: Role) -> str:
    return str(ROLE_LABELS.get(role, role))


def _user_options() -> dict[str, Any]:
    return {
        "role_options": [(r.value, str(ROLE_LABELS[r]), str(ROLE_HINTS[r])) for r in Role],
        "department_options": [(d.id, d.name, d.is_active) for d in all_departments()],
    }


@bp.get("/users")
@admin_required
def users():
    return page("admin/users.html", users=accounts.accounts_in_order())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = f.UserCreateForm()
    general: list[Message] = []
    status = 200
    if form.validate_on_submit():
        try:
            user = commit(
                lambda: accounts.create_account(
                    current_admin(),
                    form.email.data,
                    form.name.data,
                    Role(form.role.data),
                    form.departments.data or [],
                    form.password.data,
                )
            )
        except Refusal as refusal:
            general, status = show_errors(form, refusal), refusal.status
        else:
            flash(
                _("Created the account of %(name)s (%(email)s).", name=user.name, email=user.email),
                "success",
            )
            return redirect(url_for(".users"))
    elif request.method == "POST":
        status = 422
    return page("admin/user_new.html", status, form=form, general=general, **_user_options())


def _user_page(
    user: User,
    edit_form: f.UserEditForm | None = None,
    password_form: f.PasswordForm | None = None,
    general: list[Message] | None = None,
    status: int = 200,
):
    edit_form = edit_form or f.UserEditForm(
        formdata=None,
        data={
            "name": user.name,
            "role": user.role.value,
            "departments": [d.id for d in user.departments],
        },
    )
    return page(
        "admin/user_edit.html",
        status,
        user=user,
        form=edit_form,
        password_form=password_form or f.PasswordForm(formdata=None),
        state_form=f.ConfirmForm(formdata=None),
        general=general or [],
        is_self=user.id == current_user.id,
        **_user_options(),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        return _user_page(user)
    form = f.UserEditForm()
    if not form.validate_on_submit():
        return _user_page(user, edit_form=form, status=422)
    try:
        commit(
            lambda: accounts.update_account(
                current_admin(),
                user,
                form.name.data,
                Role(form.role.data),
                form.departments.data or [],
            )
        )
    except Refusal as refusal:
        general = show_errors(form, refusal)
        return _user_page(user, edit_form=form, general=general, status=refusal.status)
    flash(_("Saved the account of %(name)s.", name=user.name), "success")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/password")
@admin_required
def user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = f.PasswordForm()
    if not form.validate_on_submit():
        return _user_page(user, password_form=form, status=422)
    try:
        commit(lambda: accounts.set_account_password(current_admin(), user, form.password.data))
    except Refusal as refusal:
        general = show_errors(form, refusal)
        return _user_page(user, password_form=form, general=general, status=refusal.status)
    flash(
        _("Set a new password for %(name)s. Please pass it on in a safe way.", name=user.name),
        "success",
    )
    return redirect(url_for(".user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/disable")
@admin_required
def user_disable(user_id: int):
    return _user_state(user_id, enabled=False)


@bp.post("/users/<int:user_id>/enable")
@admin_required
def user_enable(user_id: int):
    return _user_state(user_id, enabled=True)


def _user_state(user_id: int, enabled: bool):
    user = db.get_or_404(User, user_id)
    form = f.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        commit(lambda: accounts.set_account_enabled(current_admin(), user, enabled))
    except Refusal as refusal:
        return _user_page(user, general=refusal.messages, status=refusal.status)
    if enabled:
        flash(_("Enabled the account of %(name)s.", name=user.name), "success")
    else:
        flash(
            _("Disabled the account of %(name)s: it can no longer log in.", name=user.name),
            "success",
        )
    return redirect(url_for(".user_edit", user_id=user.id))
