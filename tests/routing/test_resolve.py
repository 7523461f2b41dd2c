"""The pure routing function, table-tested."""

import pytest

from app.routing.resolve import RoutingInput, RuleSpec, describe_rule, resolve, unreachable_rules

RULES = [
    RuleSpec(
        id=1,
        position=1,
        department_code="umwelt",
        department_name="Umweltamt",
        category_code="gift",
        category_name={"de": "Gift"},
    ),
    RuleSpec(
        id=2,
        position=2,
        department_code="edg",
        department_name="EDG",
        group_code="sauber",
        group_name={"de": "Sauberkeit"},
    ),
    RuleSpec(
        id=3,
        position=3,
        department_code="ordnung",
        department_name="Ordnungsamt",
        group_code="unsicher",
        group_name={"de": "Unsicherer Ort"},
    ),
    RuleSpec(
        id=4,
        position=4,
        action="copy",
        department_code="qm",
        department_name="QM Nord",
        group_code="unsicher",
        district_number="04",
        district_name="Innenstadt-Nord",
    ),
    RuleSpec(
        id=5,
        position=5,
        action="copy",
        department_code="licht",
        department_name="Licht",
        category_code="angst",
        attribute_code="reasons",
        attribute_value="dark",
    ),
    RuleSpec(
        id=6,
        position=6,
        action="copy",
        department_code="ordnung",
        department_name="Ordnungsamt",
        group_code="unsicher",
    ),
]


def ctx(category, group, district=None, **attributes):
    return RoutingInput(
        category_code=category,
        category_name={"de": category, "en": category},
        group_code=group,
        district_number=district,
        district_name={"04": "Innenstadt-Nord", "5": "Hörde"}.get(district),
        attributes=attributes,
    )


@pytest.mark.parametrize(
    ("facts", "department", "copies"),
    [
        (ctx("gift", "sauber", "5"), "umwelt", []),  # the specific rule comes first
        (ctx("muell", "sauber", "5"), "edg", []),  # then the group rule
        (ctx("angst", "unsicher", "5"), "ordnung", []),
        (ctx("angst", "unsicher", "04"), "ordnung", ["qm"]),  # district-specific copy
        (ctx("angst", "unsicher", "5", reasons=["dark", "deserted"]), "ordnung", ["licht"]),
        (ctx("angst", "unsicher", "04", reasons=["dark"]), "ordnung", ["qm", "licht"]),
        (ctx("angst", "unsicher", "5", reasons=["deserted"]), "ordnung", []),
        (ctx("anderes", "sonst", "5"), None, []),  # no rule: triage
        (ctx("anderes", "sonst", None), None, []),
    ],
)
def test_first_route_rule_wins_and_every_copy_rule_adds(facts, department, copies):
    decision = resolve(RULES, facts)
    assert (decision.assignment.department_code if decision.assignment else None) == department
    assert [c.department_code for c in decision.copies] == copies


def test_rules_are_applied_in_position_order_whatever_the_list_order():
    late_specific = RuleSpec(
        id=9,
        position=0,
        department_code="special",
        department_name="S",
        group_code="sauber",
        district_number="5",
        district_name="Hörde",
    )
    decision = resolve([*reversed(RULES), late_specific], ctx("muell", "sauber", "5"))
    assert decision.assignment.department_code == "special"
    assert (
        resolve([*RULES, late_specific], ctx("muell", "sauber", "04")).assignment.department_code
        == "edg"
    )


def test_the_reason_names_category_place_department_and_rule_in_both_languages():
    decision = resolve(RULES, ctx("angst", "unsicher", "04", reasons=["dark"]))
    assert decision.reason["de"] == (
        "angst in Innenstadt-Nord → Ordnungsamt (Regel 3: Unsicherer Ort, alle Stadtbezirke)"
    )
    assert decision.reason["en"].startswith("angst in Innenstadt-Nord → Ordnungsamt (rule 3:")
    assert "QM Nord" in decision.copies[0].reason["de"]
    assert "Innenstadt-Nord" in decision.copies[0].reason["de"]


def test_the_reason_is_written_in_turkish_and_arabic_too():
    facts = RoutingInput(
        category_code="angst",
        category_name={"de": "Angstraum", "tr": "Güvensiz yer", "ar": "مكان غير آمن"},
        group_code="unsicher",
        district_number="04",
        district_name="Innenstadt-Nord",
    )
    decision = resolve(RULES, facts)
    assert set(decision.reason) == {"de", "en", "tr", "ar"}
    assert decision.reason["tr"].startswith("Güvensiz yer, Innenstadt-Nord → Ordnungsamt (kural 3:")
    # Arabic reads from right to left: the arrow points left, towards the department
    assert decision.reason["ar"].startswith(
        "مكان غير آمن في Innenstadt-Nord ← Ordnungsamt (القاعدة 3:"
    )
    assert decision.reason["en"].startswith("Angstraum in")  # no English name: the German one
    triage = resolve(RULES, ctx("anderes", "sonst", None))
    assert (
        triage.reason["tr"]
        == "Uyan kural yok (anderes, ilçe dışında) → koordinasyon merkezi inceliyor"
    )
    assert "خارج الأحياء" in triage.reason["ar"]


def test_a_rule_in_words_in_every_language():
    rule = RuleSpec(
        id=7,
        position=2,
        department_code="licht",
        department_name="Licht",
        category_code="angst",
        category_name={"de": "Angstraum", "ar": "مكان غير آمن"},
        attribute_code="reasons",
        attribute_value="dark",
        attribute_value_name={"de": "zu dunkel", "tr": "çok karanlık", "ar": "مظلم جدًا"},
    )
    assert describe_rule(rule, "de") == "Regel 2: Angstraum „zu dunkel“, alle Stadtbezirke"
    assert describe_rule(rule, "tr") == "kural 2: Angstraum “çok karanlık”, tüm ilçeler"
    assert describe_rule(rule, "ar") == "القاعدة 2: مكان غير آمن «مظلم جدًا»، جميع الأحياء"
    assert describe_rule(rule, "fr").startswith("rule 2:")  # another language: English


def test_triage_reason_says_no_rule_matched():
    decision = resolve(RULES, ctx("anderes", "sonst", "5"))
    assert decision.assignment is None
    assert "Keine Regel passt" in decision.reason["de"]
    assert "triage" in decision.reason["en"]


def test_inactive_department_is_not_copied_twice_when_it_is_already_responsible():
    decision = resolve(RULES, ctx("angst", "unsicher", "5"))
    assert "ordnung" not in [c.department_code for c in decision.copies]


def _rule(rule_id, position, **fields):
    return RuleSpec(
        id=rule_id, position=position, department_code="d", department_name="D", **fields
    )


GROUP_OF = {"laterne-aus": "beleuchtung", "wilder-muell": "sauberkeit"}


@pytest.mark.parametrize(
    ("first", "later", "unreachable"),
    [
        # a broader rule before a narrower one: the narrower never decides
        ({"group_code": "beleuchtung"}, {"category_code": "laterne-aus"}, True),
        ({}, {"category_code": "laterne-aus", "district_number": "04"}, True),
        ({"category_code": "laterne-aus"}, {"category_code": "laterne-aus"}, True),
        (
            {"group_code": "beleuchtung"},
            {"category_code": "laterne-aus", "attribute_code": "a", "attribute_value": "x"},
            True,
        ),
        # the earlier rule is narrower, or about something else: both can decide
        ({"category_code": "laterne-aus"}, {"group_code": "beleuchtung"}, False),
        ({"district_number": "04"}, {"category_code": "laterne-aus"}, False),
        ({"group_code": "sauberkeit"}, {"category_code": "laterne-aus"}, False),
        (
            {"category_code": "laterne-aus", "attribute_code": "a", "attribute_value": "x"},
            {"category_code": "laterne-aus"},
            False,
        ),
        ({"copy": True}, {"category_code": "laterne-aus"}, False),
    ],
)
def test_a_route_rule_behind_a_broader_one_is_found_unreachable(first, later, unreachable):
    action = "copy" if first.pop("copy", False) else "route"
    rules = [_rule(2, 2, **later), _rule(1, 1, action=action, **first)]
    found = unreachable_rules(rules, GROUP_OF)
    assert (2 in found) is unreachable
    if unreachable:
        assert found[2].id == 1
    assert 1 not in found
