"""Admin pages of the routing rules: the ordered list in words, add, change, move, delete."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import forms as f
from app.admin.blueprint import (
    bp,
    commit,
    confirm_delete,
    current_admin,
    flash_refusal,
    form_of,
    lang,
    page,
    show_errors,
)
from app.admin.views.options import category_options, district_options
from app.admin.views.rule_test import test_box_context
from app.auth.decorators import admin_required
from app.catalogue import services as catalogue
from app.catalogue.fields import attribute_fields
from app.catalogue.models import LIST_TYPES, CategoryGroup
from app.core.enums import RuleAction
from app.core.errors import Message, Refusal
from app.extensions import db
from app.routing import rules as routing_rules
from app.routing.departments import all_departments
from app.routing.models import RoutingRule

ACTION_LABELS = {
    RuleAction.ROUTE: _l("Route"),
    RuleAction.COPY: _l("Copy"),
}


# --- a rule in words ---------------------------------------------------------------------------


def rule_what(rule: RoutingRule, language: str) -> str:
    if rule.category is not None:
        return rule.category.name(language)
    if rule.category_group is not None:
        return _("all of “%(group)s”", group=rule.category_group.name(language))
    return _("any category")


def rule_where(rule: RoutingRule) -> str:
    return rule.district.name if rule.district is not None else _("all districts")


def rule_condition(rule: RoutingRule, language: str) -> str:
    if not rule.attribute_code:
        return ""
    attribute = next(
        (
            a
            for a in (rule.category.attributes if rule.category else [])
            if a.code == rule.attribute_code
        ),
        None,
    )
    value = rule.attribute_value or ""
    question = attribute.label(language) if attribute else rule.attribute_code
    answer = attribute.value_name(value, language) if attribute else value
    return _("“%(question)s” is “%(answer)s”", question=question, answer=answer)


def rule_sentence(rule: RoutingRule, language: str) -> str:
    condition = rule_condition(rule, language)
    suffix = ", " + condition if condition else ""
    return _(
        "Rule %(position)d: %(what)s, %(where)s%(condition)s → %(department)s",
        position=rule.position,
        what=rule_what(rule, language),
        where=rule_where(rule),
        condition=suffix,
        department=rule.department.name,
    )


@bp.app_template_global()
def admin_rule_words(rule: RoutingRule) -> dict[str, str]:
    language = lang()
    return {
        "what": rule_what(rule, language),
        "where": rule_where(rule),
        "condition": rule_condition(rule, language),
        "sentence": rule_sentence(rule, language),
        "action": str(ACTION_LABELS[rule.action]),
    }


# --- pages -------------------------------------------------------------------------------------


@bp.get("/rules")
@admin_required
def rules():
    return page(
        "admin/rules.html",
        rules=routing_rules.rules_with_details(),
        unreachable=routing_rules.unreachable(),
        **test_box_context(catalogue.groups_with_categories(), {}, None),
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@admin_required
def rule_new():
    return _rule_page(None)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@admin_required
def rule_edit(rule_id: int):
    return _rule_page(db.get_or_404(RoutingRule, rule_id))


def _rule_data(rule: RoutingRule | None) -> dict[str, Any]:
    if rule is None:
        position = request.args.get("position", "")
        return {
            "action": "route",
            "is_active": True,
            "position": position if position.isdigit() else "",
        }
    target = (
        f"category:{rule.category_id}"
        if rule.category_id
        else f"group:{rule.category_group_id}"
        if rule.category_group_id
        else ""
    )
    return {
        "action": rule.action.value,
        "target": target,
        "district": rule.district_id or "",
        "department": rule.department_id,
        "condition": f"{rule.attribute_code}={rule.attribute_value}" if rule.attribute_code else "",
        "note": rule.note or "",
        "is_active": rule.is_active,
        "position": rule.position,
    }


def _rule_page(rule: RoutingRule | None):
    form = form_of(f.RuleForm, lambda: _rule_data(rule))
    general: list[Message] = []
    status = 200
    if form.validate_on_submit():
        category_id, group_id = form.target_ids() or (None, None)
        code, value = form.condition_parts()
        data = routing_rules.RuleData(
            department_id=form.department.number,
            action=RuleAction(form.action.data),
            category_id=category_id,
            group_id=group_id,
            district_id=form.district.number,
            attribute_code=code,
            attribute_value=value,
            note=form.note.data,
            is_active=form.is_active.data,
            position=form.position.number,
        )
        try:
            saved = commit(lambda: routing_rules.save_rule(current_admin(), rule, data))
        except Refusal as refusal:
            general, status = show_errors(form, refusal), refusal.status
        else:
            flash(_("Saved: %(rule)s", rule=rule_sentence(saved, lang())), "success")
            if not saved.department.is_active:
                flash(
                    _(
                        "“%(name)s” is inactive: routing skips this rule until the department is "
                        "active again.",
                        name=saved.department.name,
                    ),
                    "warning",
                )
            return redirect(url_for(".rules") + f"#rule-{saved.id}")
    elif request.method == "POST":
        status = 422
    count = routing_rules.rule_count()
    return page(
        "admin/rule_form.html",
        status,
        form=form,
        rule=rule,
        general=general,
        max_position=count if rule is not None else count + 1,
        **_rule_options(catalogue.groups_with_categories(), rule),
    )


def _rule_options(groups: list[CategoryGroup], rule: RoutingRule | None) -> dict[str, Any]:
    language = lang()
    inactive = _("inactive")
    targets: list[Any] = [("", _("Any category"))]
    targets.append(
        (
            _("Whole groups"),
            [(f"group:{g.id}", _("all of “%(group)s”", group=g.name(language))) for g in groups],
        )
    )
    for label, options in category_options(groups):
        targets.append((label, [(f"category:{value}", name) for value, name in options]))
    conditions: list[Any] = [("", _("No condition"))]
    known = set()
    for item in attribute_fields([c for g in groups for c in g.categories]):
        attribute = item.attribute
        if attribute.datatype not in LIST_TYPES:
            continue
        label = _(
            "%(categories)s: %(question)s",
            categories=", ".join(c.name(language) for c in item.categories),
            question=attribute.label(language),
        )
        choices = []
        for value in attribute.values:
            choices.append(
                (f"{attribute.code}={value['key']}", attribute.value_name(value["key"], language))
            )
            known.add(f"{attribute.code}={value['key']}")
        conditions.append((label, choices))
    if rule is not None and rule.attribute_code:
        current = f"{rule.attribute_code}={rule.attribute_value}"
        if current not in known:
            conditions.append((current, current))
    departments = [
        (str(d.id), d.name + ("" if d.is_active else f" ({inactive})")) for d in all_departments()
    ]
    return {
        "target_options": targets,
        "district_options": [("", _("All districts")), *district_options()],
        "condition_options": conditions,
        "department_options": [("", _("Please choose")), *departments],
        "action_options": [(a.value, str(ACTION_LABELS[a])) for a in RuleAction],
    }


@bp.post("/rules/<int:rule_id>/move")
@admin_required
def rule_move(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    form = f.MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        commit(lambda: routing_rules.move_rule(current_admin(), rule, form.direction.data))
    except Refusal as refusal:
        flash_refusal(refusal)
    else:
        flash(_("Moved: %(rule)s", rule=rule_sentence(rule, lang())), "success")
    return redirect(url_for(".rules") + f"#rule-{rule.id}")


@bp.route("/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@admin_required
def rule_delete(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    sentence = rule_sentence(rule, lang())
    return confirm_delete(
        lambda: routing_rules.delete_rule(current_admin(), rule),
        done=_("Deleted: %(rule)s", rule=sentence),
        then=url_for(".rules"),
        heading=_("Delete this rule?"),
        detail=sentence,
        consequence=_(
            "Reports it placed keep their department and reason. New reports are "
            "routed by the remaining rules; the rules after it move up one place."
        ),
        back=url_for(".rules") + f"#rule-{rule.id}",
    )
