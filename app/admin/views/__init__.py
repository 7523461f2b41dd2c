"""Admin pages: categories (with their questions), departments, routing rules (with the
"test this rule" box), users and response templates.

Thin views: read the form → call one service → commit once → redirect; a refused change shows
the form again with a message next to each field (422, or 409 for conflicts).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.admin import forms as f
from app.admin import services as svc
from app.admin.blueprint import bp
from app.admin.blueprint import commit as _commit
from app.admin.blueprint import current_admin as _admin
from app.admin.blueprint import page as _page
from app.admin.blueprint import show_errors as _show_errors
from app.admin.views import categories as _categories  # noqa: F401 - registers its pages
from app.admin.views import response_templates as _templates  # noqa: F401 - registers its pages
from app.admin.views import rule_test as _rule_test  # noqa: F401 - registers its pages
from app.admin.views import rules as _rules  # noqa: F401 - registers its pages
from app.admin.views import users as _users  # noqa: F401 - registers its pages
from app.auth.decorators import admin_required
from app.auth.models import User
from app.catalogue.models import Category
from app.core.enums import DepartmentKind, ReportStatus, RuleAction
from app.core.errors import Refusal
from app.extensions import db
from app.reports.models import ResponseTemplate
from app.routing import rules as routing_rules
from app.routing.models import Department, RoutingRule

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
# The senders document their settings in English (``config_keys``); these are the same texts
# for translation. A text not listed here is shown as the sender has it.
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


# --- overview ------------------------------------------------------------------------------------


@bp.get("/")
@admin_required
def index():
    def count(model) -> int:
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()

    counts = {
        "categories": count(Category),
        "departments": count(Department),
        "rules": count(RoutingRule),
        "users": count(User),
        "templates": count(ResponseTemplate),
    }
    rules = routing_rules.ordered_rules()
    skipped = [r for r in rules if r.is_active and not r.department.is_active]
    categories = (
        db.session.execute(
            sa.select(Category)
            .where(Category.is_active.is_(True))
            .order_by(Category.position)
            .options(selectinload(Category.group))
        )
        .scalars()
        .all()
    )
    uncovered = [c for c in categories if not _always_routed(c, rules)]
    return _page("admin/index.html", counts=counts, skipped=skipped, uncovered=uncovered)


def _always_routed(category: Category, rules: list[RoutingRule]) -> bool:
    """An active route rule catches every report of the category, wherever it is."""
    return any(
        r.is_active
        and r.department.is_active
        and r.action == RuleAction.ROUTE
        and r.district_id is None
        and r.attribute_code is None
        and r.category_id in (None, category.id)
        and r.category_group_id in (None, category.group_id)
        for r in rules
    )


# --- departments ---------------------------------------------------------------------------------


def _departments() -> list[Department]:
    return list(
        db.session.execute(
            sa.select(Department).order_by(Department.is_active.desc(), Department.name)
        ).scalars()
    )


@bp.get("/departments")
@admin_required
def departments():
    rule_counts = dict(
        db.session.execute(
            sa.select(RoutingRule.department_id, sa.func.count(RoutingRule.id))
            .where(RoutingRule.is_active.is_(True))
            .group_by(RoutingRule.department_id)
        ).all()
    )
    return _page(
        "admin/departments.html",
        departments=_departments(),
        rule_counts=rule_counts,
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


def _department_page(department: Department | None):
    if request.method == "GET":
        data = (
            {
                "code": department.code,
                "name": department.name,
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
            if department is not None
            else {"kind": "internal", "is_active": True, "forward_config": {}}
        )
        form = f.DepartmentForm(data=data)
    else:
        form = f.DepartmentForm()
    general: list = []
    warning = None
    status = 200
    if form.validate_on_submit():
        data = svc.DepartmentData(
            code=form.code.data or "",
            name=form.name.data or "",
            kind=form.kind.data,
            email=form.email.data or "",
            description=form.description.data or "",
            is_active=form.is_active.data,
            forward_method=form.forward_method.data,
            forward_config=form.forward_config.data or "",
            notify_on_new=form.notify_on_new.data,
            ack_deadline_hours=form.ack_deadline_hours.number,
            done_status=form.done_status.data,
        )
        try:
            saved = _commit(
                lambda: svc.save_department(_admin(), department, data, confirmed=form.confirm.data)
            )
        except svc.NeedsConfirmation as needed:
            warning, status = needed.message, 409
        except Refusal as invalid:
            general, status = _show_errors(form, invalid), invalid.status
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
    users = (
        db.session.execute(
            sa.select(User).where(User.departments.contains(department)).order_by(User.name)
        )
        .scalars()
        .all()
        if department is not None
        else []
    )
    return _page(
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
            (m, FORWARD_METHOD_LABELS.get(m, m), None) for m in ["none", *svc.department_methods()]
        ],
        done_options=[(st.value, label, None) for st, label in DONE_STATUS_LABELS.items()],
        forwarding_help=_forwarding_help(department, form),
    )


def _forwarding_help(department: Department | None, form: f.DepartmentForm) -> list[dict]:
    """Per method: its settings with what they mean, whether required, and for the ``_env``
    ones in the settings shown whether that environment variable is set here (never its
    value)."""
    config = None
    if isinstance(form.forward_config.data, str):
        config = svc.parse_forward_config(form.forward_config.data)
    elif form.forward_config.data is not None:
        config = dict(form.forward_config.data)
    if config is None:  # not readable as entered: what is saved
        config = (department.forward_config if department is not None else None) or {}
    sections = []
    for method in svc.department_methods():
        required = svc.REQUIRED_CONFIG_KEYS.get(method, ())
        keys = []
        for key, text in svc.config_keys_of(method).items():
            env = config.get(key) if key.endswith("_env") else None
            if not svc.is_allowed_secret_env(env):  # nothing is said about other variables
                env = None
            keys.append(
                {
                    "key": key,
                    "text": CONFIG_KEY_TEXTS.get(text, text),
                    "required": key in required,
                    "env": env,
                    "env_set": svc.env_is_set(env) if env else None,
                }
            )
        sections.append({"method": method, "keys": keys})
    return sections
