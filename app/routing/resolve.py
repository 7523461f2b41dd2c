"""Routing: rules are data, this is the one pure function that applies them.

Route rules are tried in position order and the first match decides the responsible
department; no match sends the report to the triage queue. Every matching copy rule adds a
department that is informed as well. The decision carries its reason in words, per language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("de", "en", "tr", "ar")

_ANY_CATEGORY = {"de": "Jede Kategorie", "en": "Any category", "tr": "Her kategori", "ar": "أي فئة"}
_ALL_DISTRICTS = {
    "de": "alle Stadtbezirke",
    "en": "all districts",
    "tr": "tüm ilçeler",
    "ar": "جميع الأحياء",
}
_RULE = {"de": "Regel", "en": "rule", "tr": "kural", "ar": "القاعدة"}
# Where a report went: "{what} in {place} → {department} ({rule})". Arabic is read from right
# to left, and an arrow is not mirrored with the text: its arrow points left.
_ASSIGNED = {
    "de": "{what} in {place} → {department} ({rule})",
    "en": "{what} in {place} → {department} ({rule})",
    "tr": "{what}, {place} → {department} ({rule})",
    "ar": "{what} في {place} ← {department} ({rule})",
}
_TRIAGE = {
    "de": "Keine Regel passt ({what} in {where}) → Sichtung durch die Leitstelle",
    "en": "No rule matches ({what} in {where}) → triage queue",
    "tr": "Uyan kural yok ({what}, {where}) → koordinasyon merkezi inceliyor",
    "ar": "لا تنطبق أي قاعدة ({what} في {where}) ← يراجعه مركز التنسيق",
}
_OUTSIDE_DISTRICTS = {
    "de": "ohne Stadtbezirk",
    "en": "no district",
    "tr": "ilçe dışında",
    "ar": "خارج الأحياء",
}
# An answer named in a rule, quoted as each language quotes; the list separator.
_QUOTED = {"de": "„{}“", "en": "“{}”", "tr": "“{}”", "ar": "«{}»"}
_COMMA = {"de": ", ", "en": ", ", "tr": ", ", "ar": "، "}


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule as the resolver sees it (no database objects)."""

    id: int
    position: int
    department_code: str
    department_name: str
    action: str = "route"  # "route" | "copy"
    category_code: str | None = None
    category_name: Mapping[str, str] | None = None
    group_code: str | None = None
    group_name: Mapping[str, str] | None = None
    district_number: str | None = None
    district_name: str | None = None
    attribute_code: str | None = None
    attribute_value: str | None = None
    attribute_value_name: Mapping[str, str] | None = None


@dataclass(frozen=True)
class RoutingInput:
    category_code: str
    category_name: Mapping[str, str]
    group_code: str
    district_number: str | None
    district_name: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    department_code: str
    department_name: str
    rule_id: int
    reason: dict[str, str]


@dataclass(frozen=True)
class RoutingDecision:
    assignment: Assignment | None  # None: triage queue
    copies: tuple[Assignment, ...]
    triage_reason: dict[str, str] | None = None

    @property
    def reason(self) -> dict[str, str]:
        if self.assignment is not None:
            return self.assignment.reason
        return self.triage_reason or {}


def _matches(rule: RuleSpec, ctx: RoutingInput) -> bool:
    if rule.category_code is not None and rule.category_code != ctx.category_code:
        return False
    if rule.group_code is not None and rule.group_code != ctx.group_code:
        return False
    if rule.district_number is not None and rule.district_number != ctx.district_number:
        return False
    if rule.attribute_code is not None:
        value = ctx.attributes.get(rule.attribute_code)
        values = value if isinstance(value, list | tuple | set) else [value]
        if rule.attribute_value not in {str(v) for v in values if v is not None}:
            return False
    return True


def _pick(texts: Mapping[str, str] | None, lang: str) -> str:
    if not texts:
        return ""
    return texts.get(lang) or texts.get("de") or next(iter(texts.values()))


def _condition(rule: RuleSpec, lang: str) -> str:
    what = _pick(rule.category_name, lang) or _pick(rule.group_name, lang) or _ANY_CATEGORY[lang]
    if rule.attribute_code is not None:
        value = _pick(rule.attribute_value_name, lang) or rule.attribute_value
        what = f"{what} {_QUOTED[lang].format(value)}"
    where = rule.district_name if rule.district_number else _ALL_DISTRICTS[lang]
    return f"{what}{_COMMA[lang]}{where}"


def _covers(first: RuleSpec, later: RuleSpec, group_of: Mapping[str, str]) -> bool:
    """True if every report that ``later`` matches is matched by ``first`` as well."""
    if first.category_code is not None and first.category_code != later.category_code:
        return False
    if first.group_code is not None:
        later_group = later.group_code or group_of.get(later.category_code or "")
        if later_group != first.group_code:
            return False
    if first.district_number is not None and first.district_number != later.district_number:
        return False
    return first.attribute_code is None or (
        first.attribute_code == later.attribute_code
        and first.attribute_value == later.attribute_value
    )


def unreachable_rules(
    rules: Sequence[RuleSpec], group_of: Mapping[str, str]
) -> dict[int, RuleSpec]:
    """Route rules that can never decide because an earlier route rule matches every report they
    match: rule id → that earlier rule. ``group_of`` maps category codes to group codes."""
    ordered = [r for r in sorted(rules, key=lambda r: (r.position, r.id)) if r.action == "route"]
    found: dict[int, RuleSpec] = {}
    for index, later in enumerate(ordered):
        for first in ordered[:index]:
            if _covers(first, later, group_of):
                found[later.id] = first
                break
    return found


def describe_rule(rule: RuleSpec, lang: str) -> str:
    """``Regel 3: Beleuchtung, alle Stadtbezirke`` — a rule in words, from its data alone."""
    lang = lang if lang in LANGUAGES else "en"
    return f"{_RULE[lang]} {rule.position}: {_condition(rule, lang)}"


def _assignment(rule: RuleSpec, ctx: RoutingInput) -> Assignment:
    reason = {}
    for lang in LANGUAGES:
        reason[lang] = _ASSIGNED[lang].format(
            what=_pick(ctx.category_name, lang),
            place=ctx.district_name or _OUTSIDE_DISTRICTS[lang],
            department=rule.department_name,
            rule=f"{_RULE[lang]} {rule.position}: {_condition(rule, lang)}",
        )
    return Assignment(
        department_code=rule.department_code,
        department_name=rule.department_name,
        rule_id=rule.id,
        reason=reason,
    )


def resolve(rules: Sequence[RuleSpec], ctx: RoutingInput) -> RoutingDecision:
    """Apply ``rules`` (any order; sorted by position here) to one report's facts."""
    ordered = sorted(rules, key=lambda r: (r.position, r.id))
    assignment = next(
        (_assignment(r, ctx) for r in ordered if r.action == "route" and _matches(r, ctx)), None
    )
    copies: list[Assignment] = []
    seen = {assignment.department_code} if assignment else set()
    for rule in ordered:
        if rule.action == "copy" and rule.department_code not in seen and _matches(rule, ctx):
            copies.append(_assignment(rule, ctx))
            seen.add(rule.department_code)
    triage_reason = None
    if assignment is None:
        triage_reason = {
            lang: _TRIAGE[lang].format(
                what=_pick(ctx.category_name, lang),
                where=ctx.district_name or _OUTSIDE_DISTRICTS[lang],
            )
            for lang in LANGUAGES
        }
    return RoutingDecision(assignment=assignment, copies=tuple(copies), triage_reason=triage_reason)
