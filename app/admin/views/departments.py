"""Admin pages of the departments: who reports go to, how they get them (forwarding by
e-mail, webhook or Open311 with the senders' settings), and the warning before deactivating
one that rules still send reports to."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import forms as f
from app.admin.blueprint import bp, commit, current_admin, form_of, page, show_errors
from app.admin.fields import LANGS
from app.auth.decorators import admin_required
from app.auth.services import accounts_of_department
from app.core.enums import DepartmentKind, ReportStatus
from app.core.errors import Message, Refusal
from app.extensions import db
from app.forwarding.senders.configuration import (
    config_keys_of,
    department_methods,
    env_is_set,
    parse_forward_config,
    required_keys_of,
)
from app.forwarding.senders.policy import is_allowed_secret_env
from app.routing import departments as departments_service
from app.routing import rules as routing_rules
from app.routing.models import Department

# The languages of a department's translated names: German is its ``name``.
OTHER_LANGS = tuple(lang for lang in LANGS if lang != "de")
KIND_LABELS = {
    DepartmentKind.INTERNAL: _l("Internal (city office)"),
    DepartmentKind.EXTERNAL: _l("External (gets reports by e-mail)"),
}
FORWARD_METHOD_LABELS = {
    "none": _l("None: staff work on the reports in the inbox"),
    "email": _l("E-mail: tickets go to the department's address (or to “to”)"),
    "webhook": _l("Webhook: tickets as a signed JSON POST to the partner's system"),
    "open311": _l("Open311: tickets as service requests on the partner's GeoReport v2 API"),
}
DONE_STATUS_LABELS = {
    ReportStatus.RESOLVED: _l("The report is resolved at once"),
    ReportStatus.IN_REVIEW: _l("The report goes to review: staff check it before it is resolved"),
}
# The senders document their settings in English (``configuration_schema``); these are the same
# texts for translation. A text not listed here is shown as the sender has it.
CONFIG_KEY_TEXTS = {
    "Recipient of tickets when it is not the department's e-mail address": _l(
        "Recipient of tickets when it is not the department's e-mail address"
    ),
    "Language of tickets and notices (de, en; default: de)": _l(
        "Language of tickets and notices (de, en; default: de)"
    ),
    "The partner's HTTPS endpoint receiving the JSON POST.": _l(
        "The partner's HTTPS endpoint receiving the JSON POST."
    ),
    "Name of the environment variable holding the HMAC secret.": _l(
        "Name of the environment variable holding the HMAC secret."
    ),
    "Language of names and labels in the payload (de, en; default de).": _l(
        "Language of names and labels in the payload (de, en; default de)."
    ),
    "Base URL of the GeoReport v2 API (requests.json is appended).": _l(
        "Base URL of the GeoReport v2 API (requests.json is appended)."
    ),
    "Name of the environment variable holding the api_key.": _l(
        "Name of the environment variable holding the api_key."
    ),
    "jurisdiction_id to send (optional).": _l("jurisdiction_id to send (optional)."),
    "Our category code → their service_code.": _l("Our category code → their service_code."),
    "Their service_code for categories not in the map (optional).": _l(
        "Their service_code for categories not in the map (optional)."
    ),
    "Language of the description (de, en; default de).": _l(
        "Language of the description (de, en; default de)."
    ),
}


@bp.get("/departments")
@admin_required
def departments():
    return page(
        "admin/departments.html",
        departments=departments_service.all_departments(),
        rule_counts=routing_rules.active_rule_counts(),
        kind_labels=KIND_LABELS,
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@admin_required
def department_new():
    return _department_page(None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@admin_required
def department_edit(department_id: int):
    return _department_page(db.get_or_404(Department, department_id))


def _department_data(department: Department | None) -> dict[str, Any]:
    if department is None:
        return {"kind": "internal", "is_active": True, "forward_config": {}}
    return {
        "code": department.code,
        "name": department.name,
        **{f"name_{lang}": (department.names or {}).get(lang, "") for lang in OTHER_LANGS},
        "kind": department.kind.value,
        "email": department.email or "",
        "description": department.description or "",
        "is_active": department.is_active,
        "forward_method": department.forward_method or "none",
        "forward_config": department.forward_config or {},
        "notify_on_new": department.notify_on_new,
        "ack_deadline_hours": department.ack_deadline_hours,
        "done_status": department.done_status.value,
    }


def _department_page(department: Department | None):
    form = form_of(f.DepartmentForm, lambda: _department_data(department))
    form.current_code = department.code if department is not None else None
    general: list[Message] = []
    warning = None
    status = 200
    if form.validate_on_submit():
        method = form.forward_method.data
        data = departments_service.DepartmentData(
            code=form.code.data,
            name=form.name.data,
            names={
                lang: text
                for lang in OTHER_LANGS
                if (text := (form[f"name_{lang}"].data or "").strip())
            },
            kind=DepartmentKind(form.kind.data),
            email=form.email.data or None,
            description=form.description.data,
            is_active=form.is_active.data,
            forward_method=None if method in ("", "none") else method,
            forward_config=form.forward_config.data or "",
            notify_on_new=form.notify_on_new.data,
            ack_deadline_hours=form.ack_deadline_hours.number,
            done_status=ReportStatus(form.done_status.data),
        )
        try:
            saved = commit(
                lambda: departments_service.save_department(
                    current_admin(), department, data, confirmed=form.confirm.data
                )
            )
        except departments_service.NeedsConfirmation as needed:
            warning, status = needed.message, needed.status
        except Refusal as refusal:
            general, status = show_errors(form, refusal), refusal.status
        else:
            flash(_("Saved the department “%(name)s”.", name=saved.name), "success")
            if not saved.is_active and routing_rules.active_rules_of(saved):
                flash(
                    _(
                        "Routing skips rule %(positions)s while “%(name)s” is inactive.",
                        positions=routing_rules.rule_positions(
                            routing_rules.active_rules_of(saved)
                        ),
                        name=saved.name,
                    ),
                    "warning",
                )
            return redirect(url_for(".departments"))
    elif request.method == "POST":
        status = 422
    rules = routing_rules.active_rules_of(department) if department is not None else []
    users = accounts_of_department(department) if department is not None else []
    return page(
        "admin/department_form.html",
        status,
        form=form,
        department=department,
        general=general,
        warning=warning,
        rules=rules,
        users=users,
        kind_labels=KIND_LABELS,
        method_options=[
            (m, FORWARD_METHOD_LABELS.get(m, m), None) for m in ["none", *department_methods()]
        ],
        done_options=[(st.value, label, None) for st, label in DONE_STATUS_LABELS.items()],
        forwarding_help=_forwarding_help(department, form),
    )


def _forwarding_help(department: Department | None, form: f.DepartmentForm) -> list[dict[str, Any]]:
    """Per method: its settings with what they mean, whether required, and for the ``_env``
    ones in the settings shown whether that environment variable is set here (never its
    value)."""
    config = None
    if isinstance(form.forward_config.data, str):
        config = parse_forward_config(form.forward_config.data)
    elif form.forward_config.data is not None:
        config = dict(form.forward_config.data)
    if config is None:  # not readable as entered: what is saved
        config = (department.forward_config if department is not None else None) or {}
    sections = []
    for method in department_methods():
        required = required_keys_of(method)
        keys = []
        for key, text in config_keys_of(method).items():
            env = config.get(key) if key.endswith("_env") else None
            if not is_allowed_secret_env(env):  # nothing is said about other variables
                env = None
            keys.append(
                {
                    "key": key,
                    "text": CONFIG_KEY_TEXTS.get(text, text),
                    "required": key in required,
                    "env": env,
                    "env_set": env_is_set(env) if env else None,
                }
            )
        sections.append({"method": method, "keys": keys})
    return sections
