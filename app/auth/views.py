"""Log-in and log-out for staff."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import throttle
from app.auth.forms import LoginForm
from app.auth.services import authenticate
from app.core.db import utcnow
from app.extensions import db
from app.web.limits import wait_text

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
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        address = request.remote_addr or "unknown"
        known = throttle.known_device(request.cookies, email)
        wait = throttle.seconds_blocked(email, address, known_device=known)
        if wait:
            error = " ".join((_("Too many failed attempts."), wait_text(wait)))
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            user = authenticate(email, form.password.data)
            if user is not None:
                throttle.record_success(email, address)
                login_user(user)
                user.last_login_at = utcnow()
                db.session.commit()
                response = redirect(_safe_next(request.args.get("next")))
                throttle.remember_device(response, request.cookies, email)
                return response
            throttle.record_failure(email, address)
            error = _("E-mail or password is wrong.")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status, headers


@bp.post("/logout")
@login_required
def logout():
    # Ends the account's sessions on the server: a copy of the session cookie kept from before
    # is refused from now on (the stamp in it no longer matches).
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login", logged_out=1))
