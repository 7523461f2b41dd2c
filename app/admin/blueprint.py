"""The admin blueprint and what every admin page does alike: only admins, the page in the
admin's language, one service call committed once, a refusal shown next to its fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from app.admin.forms import ConfirmForm
from app.auth.decorators import admin_required
from app.auth.models import User
from app.core.errors import Message, Refusal
from app.extensions import db

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

T = TypeVar("T")
F = TypeVar("F", bound=FlaskForm)

CONFLICT = _l("Someone else changed this at the same time. Please check the form and save again.")


@bp.before_request
@admin_required
def _only_admins() -> None:
    """Every page and file of this blueprint, also routes added later: admins only."""


def current_admin() -> User:
    return current_user._get_current_object()


def lang() -> str:
    return str(get_locale() or "de")


def commit(change: Callable[[], T]) -> T:
    """Run one service and commit; a unique-constraint race becomes a 409 message."""
    try:
        result = change()
        db.session.commit()
        return result
    except Refusal:
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        raise Refusal({"": CONFLICT}, 409) from None


def show_errors(form: FlaskForm, refusal: Refusal) -> list[Message]:
    """Put each message at its field; return those that belong to the whole form."""
    general = []
    for name, message in refusal.errors.items():
        if name and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            general.append(message)
    return general


def flash_refusal(refusal: Refusal) -> None:
    for message in refusal.messages:
        flash(str(message), "error")


def page(template_name: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template_name, lang=lang(), **context), status


def form_of(form_class: type[F], stored: Callable[[], Mapping[str, Any]]) -> F:
    """The form as a page shows it: on GET filled with ``stored()`` (what the database has),
    on POST with what was sent."""
    return form_class(data=stored()) if request.method == "GET" else form_class()


def confirm_delete(
    delete: Callable[[], object], *, done: str, then: str, **question: Any
) -> ResponseReturnValue:
    """A delete page: GET asks (``question``: heading, detail, consequence, back), a confirmed
    POST runs ``delete``, flashes ``done`` (or the refusal) and redirects to ``then``."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            commit(delete)
        except Refusal as refusal:
            flash_refusal(refusal)
        else:
            flash(done, "success")
        return redirect(then)
    return page("admin/confirm_delete.html", form=form, general=[], **question)
