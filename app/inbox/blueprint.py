"""The caseworker inbox's blueprint and what applies to every page of it: staff only, the
template helpers, the error pages. The pages themselves live in ``queue_views``, ``map_views``,
``report_views`` and ``action_views``; views stay thin: parse the request → one query or one
workflow service → commit once → redirect (or render). Permissions and the status whitelist
live in ``app.reports.workflow``; a refused action re-renders the page with the service's
message and HTTP status, and nothing is saved."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.auth.models import Role
from app.core.enums import ReportStatus
from app.extensions import login_manager
from app.inbox.presenters import (
    age,
    ago,
    channel_label,
    coordinate,
    is_overdue,
    language_name,
    local_date,
    local_datetime,
    scope_label,
    status_label,
)

bp = Blueprint(
    "inbox",
    __name__,
    url_prefix="/inbox",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

STAFF_ROLES = (Role.CASEWORKER, Role.DISPATCHER, Role.ADMIN)


@bp.before_request
def _staff_only():
    """Default deny for everything under /inbox (assets too), whatever a view declares."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in STAFF_ROLES:
        abort(403)
    return None


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "status_label": status_label,
        "channel_label": channel_label,
        "local_datetime": local_datetime,
        "local_date": local_date,
        "age": age,
        "ago": ago,
        "is_overdue": is_overdue,
        "coordinate": coordinate,
        "language_name": language_name,
        "scope_label": scope_label,
        "all_statuses": list(ReportStatus),
    }


# --- errors ---------------------------------------------------------------------------------


def _error_page(status: int, title: str, message: str):
    return render_template("inbox/error.html", status=status, title=title, message=message), status


@bp.errorhandler(403)
def _forbidden(error):
    return _error_page(
        403,
        _("Not for your department"),
        _("This report belongs to another department, or your role may not do this."),
    )


@bp.errorhandler(404)
def _not_found(error):
    return _error_page(
        404,
        _("Not found"),
        _("There is no report or page at this address. Please check the reference number."),
    )


@bp.errorhandler(CSRFError)
def _csrf_failed(error):
    return _error_page(
        400,
        _("The form has expired"),
        _(
            "The form was incomplete or has expired, so nothing was saved. Please reload the page "
            "and try again."
        ),
    )
