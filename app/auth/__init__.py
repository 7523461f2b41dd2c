"""Staff accounts and roles (caseworker, dispatcher, admin): log-in, log-out, throttling."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    import sqlalchemy as sa
    from flask_babel import lazy_gettext as _l
    from sqlalchemy.orm import joinedload

    from app.auth.models import User
    from app.auth.views import bp
    from app.extensions import db, login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    # With the departments in the same statement: every staff page reads them. Built once:
    # ``Session.get`` with loader options built and keyed the statement anew on every request
    # (half of the user's loading).
    by_id = (
        sa.select(User).options(joinedload(User.departments)).where(User.id == sa.bindparam("id"))
    )

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, stamp = session_id.partition("-")
        try:
            user = db.session.execute(by_id, {"id": int(user_id)}).unique().scalar_one_or_none()
        except ValueError:
            return None
        # A disabled account's open sessions end with its next request, and so do the
        # sessions opened before a password change (the stamp no longer matches).
        if user is None or not user.is_enabled or user.session_stamp != stamp:
            return None
        return user

    app.register_blueprint(bp)
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in app.view_functions
