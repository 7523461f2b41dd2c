"""Log-in and log-out for staff."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import throttle
from app.auth.forms import LoginForm
from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only local paths: a crafted ?next= must not send staff to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("inbox.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        address = request.remote_addr or "unknown"
        wait = throttle.seconds_blocked(email, address)
        if wait:
            error = _(
                "Too many failed attempts. Please wait %(minutes)d minutes and try again.",
                minutes=max(1, (wait + 59) // 60),
            )
            status = 429
        else:
            user = db.session.execute(
                db.select(User).where(User.email == email)
            ).scalar_one_or_none()
            if user is not None and user.is_enabled and user.check_password(form.password.data):
                throttle.clear_account(email)
                login_user(user)
                user.last_login_at = utcnow()
                db.session.commit()
                return redirect(_safe_next(request.args.get("next")))
            throttle.record_failure(email, address)
            error = _("E-mail or password is wrong.")
            status = 401
    elif request.method == "POST":
        status = 400
    response = render_template("auth/login.html", form=form, error=error)
    return response, status, ({"Retry-After": "900"} if status == 429 else {})


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login", logged_out=1))
