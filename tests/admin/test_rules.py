"""Routing rules: the ordered list in words, add/edit/delete/move with positions 1..n, the
"test this rule" box, and a new report following a rule an admin just added."""

from __future__ import annotations

import re

from app.catalogue.models import Category, CategoryGroup
from app.core.enums import RuleAction
from app.extensions import db
from app.geo.models import District
from app.reports.models import Report
from app.routing.models import Department, RoutingRule
from tests.admin.conftest import count, fresh
from tests.other_city import other_city  # noqa: F401  (fixture)

HOERDE_POINT = (51.4886, 7.5126)


def ids() -> dict:
    db.session.rollback()
    return {
        "papierkorb": fresh(Category, code="papierkorb-voll").id,
        "unsicher": fresh(Category, code="unsicherer-ort").id,
        "sauberkeit": fresh(CategoryGroup, code="sauberkeit").id,
        "hoerde": fresh(District, name="Hörde").id,
        "nord": fresh(District, name="Innenstadt-Nord").id,
        "gruen": fresh(Department, code="gruenflaechen").id,
        "edg": fresh(Department, code="edg").id,
    }


def positions() -> list[tuple[int, str | None]]:
    db.session.rollback()
    return [
        (r.position, r.key)
        for r in db.session.execute(
            db.select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
        ).scalars()
    ]


def rule_form(**overrides) -> dict:
    known = ids()
    data = {
        "action": "route",
        "target": f"category:{known['papierkorb']}",
        "district": str(known["hoerde"]),
        "condition": "",
        "department": str(known["gruen"]),
        "note": "Test: Hörde räumt Papierkörbe selbst",
        "is_active": "y",
        "position": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_list_says_each_rule_in_words(as_admin):
    page = as_admin.text(as_admin.get("/admin/rules"))
    rows = re.findall(r'<tr id="rule-\d+".*?</tr>', page, re.S)
    assert len(rows) == 8
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert text[1].startswith("2 Route all of “Cleanliness” all districts – → EDG Entsorgung")
    assert text[6].startswith(
        "7 Copy all of “Unsafe place” Nordstadt: Quartiersmanagement wird "
        "informiert Innenstadt-Nord – → Quartiersmanagement Nordstadt"
    )
    assert "“Why? (choose any)” is “too dark”" in text[7]
    assert "Test the rules" in page  # the test box is on the page


def test_an_admin_adds_a_rule_and_a_new_report_follows_it(as_admin, reseed_city, make_report):
    before = make_report("papierkorb-voll", HOERDE_POINT)
    assert before.department.code == "edg"

    response = as_admin.post("/admin/rules/new", rule_form())
    assert response.status_code == 302
    rule = db.session.execute(db.select(RoutingRule).where(RoutingRule.key.is_(None))).scalar_one()
    assert response.headers["Location"] == f"/admin/rules#rule-{rule.id}"
    assert [p for p, _key in positions()] == list(range(1, 10))
    assert positions()[0] == (1, None) and positions()[1] == (2, "gefaehrliche-abfaelle")
    page = as_admin.text(as_admin.get("/admin/rules"))
    assert "Saved: Rule 1: Litter bin full, Hörde → Grünflächenamt" in page

    report = make_report("papierkorb-voll", HOERDE_POINT)
    assert report.department.name == "Grünflächenamt"
    assert report.routing_rule_id == rule.id
    assert report.routing_reason["de"] == (
        "Papierkorb voll in Hörde → Grünflächenamt (Regel 1: Papierkorb voll, Hörde)"
    )
    # elsewhere the old rule still applies
    assert make_report("papierkorb-voll", (51.5136, 7.4653)).department.code == "edg"


def test_edit_move_and_delete_keep_positions_without_gaps(as_admin, reseed_city, make_report):
    as_admin.post("/admin/rules/new", rule_form(position=""))  # at the end
    assert positions()[-1] == (9, None)
    rule = db.session.execute(db.select(RoutingRule).where(RoutingRule.key.is_(None))).scalar_one()

    response = as_admin.post(
        f"/admin/rules/{rule.id}",
        rule_form(action="copy", position="3", district="", is_active=None),
    )
    assert response.status_code == 302
    assert [key for _p, key in positions()][:4] == [
        "gefaehrliche-abfaelle",
        "sauberkeit",
        None,
        "beleuchtung",
    ]
    rule = fresh(RoutingRule, id=rule.id)
    assert (rule.action, rule.district_id, rule.is_active) == (RuleAction.COPY, None, False)

    for direction, expected in (("up", 2), ("up", 1), ("up", 1), ("down", 2)):
        response = as_admin.post(f"/admin/rules/{rule.id}/move", {"direction": direction})
        assert response.status_code == 302
        assert fresh(RoutingRule, id=rule.id).position == expected
        assert [p for p, _k in positions()] == list(range(1, 10))
    last = positions()[-1]
    last_id = fresh(RoutingRule, key=last[1]).id
    as_admin.post(f"/admin/rules/{last_id}/move", {"direction": "down"})
    assert positions()[-1] == last
    response = as_admin.post(f"/admin/rules/{rule.id}/move", {"direction": "sideways"})
    assert response.status_code == 400

    # deleting a rule that placed reports: the reports keep their department
    sauberkeit = fresh(RoutingRule, key="sauberkeit")
    report = make_report("papierkorb-voll", HOERDE_POINT)
    assert report.routing_rule_id == sauberkeit.id
    page = as_admin.text(as_admin.get(f"/admin/rules/{sauberkeit.id}/delete"))
    assert "Delete this rule?" in page and "all of “Cleanliness”" in page
    response = as_admin.post(f"/admin/rules/{sauberkeit.id}/delete")
    assert response.status_code == 302
    assert [p for p, _k in positions()] == list(range(1, 9))
    assert "sauberkeit" not in [k for _p, k in positions()]
    kept = fresh(Report, id=report.id)
    assert kept.department.code == "edg" and kept.routing_rule_id is None
    # and new reports of the group now go to triage
    assert make_report("papierkorb-voll", HOERDE_POINT).department is None


def test_bad_rules_are_refused_and_change_nothing(as_admin, reseed_city):
    known = ids()
    before = positions()
    cases = [
        (
            rule_form(target=f"group:{known['sauberkeit']}", condition="reasons=dark"),
            "A condition on an answer needs one category",
        ),
        (rule_form(condition="reasons=dark"), "“Papierkorb voll” has no question “reasons”."),
        (
            rule_form(target=f"category:{known['unsicher']}", condition="reasons=purple"),
            "“purple” is not one of the choices",
        ),
        (rule_form(department=""), "Please choose a department."),
        (rule_form(department="999999"), "Please choose a department."),
        (rule_form(position="99"), "Please give a position from 1 to 9."),
        (rule_form(position="eins"), "Please enter a whole number, e.g. 3."),
        (rule_form(district="999999"), "This district does not exist."),
        (rule_form(target="category:999999"), "This category or group does not exist"),
        (rule_form(target="everything"), "Please choose from the list."),
        (rule_form(action="maybe"), "Please choose whether the rule routes or sends a copy."),
        (rule_form(note="x" * 300), "This is too long: 300 characters, at most 255."),
    ]
    for data, message in cases:
        response = as_admin.post("/admin/rules/new", data)
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message
    rule = fresh(RoutingRule, key="gruen")
    response = as_admin.post(f"/admin/rules/{rule.id}", rule_form(position="9"))
    assert response.status_code == 422
    assert "Please give a position from 1 to 8." in as_admin.text(response)
    assert positions() == before


def test_a_condition_on_an_answer(as_admin, reseed_city, make_report):
    known = ids()
    response = as_admin.post(
        "/admin/rules/new",
        rule_form(
            target=f"category:{known['unsicher']}",
            district="",
            condition="time_of_day=night",
            department=str(known["gruen"]),
        ),
    )
    assert response.status_code == 302
    night = make_report(
        "unsicherer-ort", HOERDE_POINT, attributes={"time_of_day": "night", "reasons": ["deserted"]}
    )
    day = make_report(
        "unsicherer-ort", HOERDE_POINT, attributes={"time_of_day": "day", "reasons": ["deserted"]}
    )
    assert night.department.code == "gruenflaechen"
    assert "„nachts“" in night.routing_reason["de"]
    assert day.department.code == "ordnungsamt"


# --- the test box --------------------------------------------------------------------------------


def box(as_admin, **args):
    return as_admin.get("/admin/rules/test", query_string=args)


def test_the_box_shows_where_a_point_would_go(as_admin, reseed_city):
    known = ids()
    lat, lon = HOERDE_POINT
    response = box(as_admin, category=known["papierkorb"], lat=lat, lon=lon)
    assert response.status_code == 200
    page = as_admin.text(response)
    assert "EDG Entsorgung Dortmund GmbH" in page
    assert (
        "Litter bin full in Hörde → EDG Entsorgung Dortmund GmbH (rule 2: Cleanliness, "
        "all districts)"
    ) in page
    assert "Decided by" in page

    as_admin.post("/admin/rules/new", rule_form())
    page = as_admin.text(box(as_admin, category=known["papierkorb"], lat=lat, lon=lon))
    assert '<strong class="result-department" id="result-department">Grünflächenamt' in page
    assert "(rule 1: Litter bin full, Hörde)" in page
    # by district instead of a point; nothing was created
    page = as_admin.text(box(as_admin, category=known["papierkorb"], district=known["nord"]))
    assert "EDG Entsorgung" in page and "Innenstadt-Nord" in page
    assert count(Report) == 0


def test_the_box_shows_copies_and_uses_answers(as_admin):
    known = ids()
    page = as_admin.text(
        box(
            as_admin,
            category=known["unsicher"],
            district=known["nord"],
            **{"attribute.reasons": ["dark", "deserted"], "attribute.time_of_day": "night"},
        )
    )
    assert "Ordnungsamt – Kommunaler Ordnungsdienst" in page
    copies = page.split('id="result-copies"')[1].split("</ul>")[0]
    assert "Quartiersmanagement Nordstadt" in copies
    assert "Tiefbauamt – Straßenbeleuchtung" in copies
    # without the answer "too dark" the lighting office is not informed
    page = as_admin.text(box(as_admin, category=known["unsicher"], district=known["nord"]))
    copies = page.split('id="result-copies"')[1].split("</ul>")[0]
    assert "Tiefbauamt" not in copies


def test_the_box_explains_triage_and_skipped_rules(as_admin, reseed_city):
    sonstiges = fresh(Category, code="sonstiges").id
    page = as_admin.text(box(as_admin, category=sonstiges, lat="51.5136", lon="7.4653"))
    assert "the triage queue (no rule matches)" in page
    assert "No rule matches (Something else in Innenstadt-West) → triage queue" in page

    department = fresh(Department, code="gruenflaechen")
    department.is_active = False
    db.session.commit()
    baum = fresh(Category, code="baum").id
    page = as_admin.text(box(as_admin, category=baum, lat="51.5136", lon="7.4653"))
    assert "the triage queue (no rule matches)" in page


def test_the_box_refuses_bad_input(as_admin):
    known = ids()
    cases = [
        ({"lat": "51.5", "lon": "7.46"}, "Please choose a category."),
        ({"category": known["papierkorb"]}, None),  # nothing to test yet: just the form
        (
            {"category": known["papierkorb"], "lat": "abc", "lon": "7"},
            "The coordinates must be numbers",
        ),
        (
            {"category": known["papierkorb"], "lat": "52.52", "lon": "13.40"},
            "This point is outside the city",
        ),
        (
            {"category": known["papierkorb"], "lat": "95", "lon": "7"},
            "These coordinates do not exist",
        ),
        ({"category": known["papierkorb"], "district": "999999"}, "This district does not exist."),
        (
            {"category": known["papierkorb"], "lat": "51.5"},
            "Please give both latitude and longitude.",
        ),
        ({"category": known["papierkorb"], "lat": "nan", "lon": "inf"}, "do not exist"),
        (
            {
                "category": known["unsicher"],
                "district": known["nord"],
                "attribute.time_of_day": "teatime",
            },
            "“teatime” is not one of the choices",
        ),
    ]
    for args, message in cases:
        response = box(as_admin, **args)
        if message is None:
            assert response.status_code == 422
            assert (
                "Please give a point (latitude and longitude) or choose a district."
                in as_admin.text(response)
            )
            continue
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message


def test_changes_are_logged_with_the_admin(as_admin, admin, reseed_city, caplog):
    caplog.set_level("INFO", logger="app.routing.rules")
    as_admin.post("/admin/rules/new", rule_form())
    rule = db.session.execute(db.select(RoutingRule).where(RoutingRule.key.is_(None))).scalar_one()
    as_admin.post(f"/admin/rules/{rule.id}/move", {"direction": "down"})
    messages = [r.getMessage() for r in caplog.records if r.name == "app.routing.rules"]
    assert (
        f"admin {admin.id} added routing rule {rule.id}: 1 route category:papierkorb-voll "
        "district:5 -> gruenflaechen" in messages
    )
    assert f"admin {admin.id} moved routing rule {rule.id} down: now at 2" in messages


def test_a_rule_behind_a_broader_one_is_flagged_in_the_list_and_the_tester(as_admin, reseed_city):
    page = as_admin.text(as_admin.get("/admin/rules"))
    assert 'id="unreachable-rules"' not in page  # Dortmund's own rules all apply
    # Appended at the end, behind rule 2 (all of Sauberkeit → EDG): it can never decide.
    response = as_admin.post("/admin/rules/new", rule_form(position=""))
    assert response.status_code == 302
    new = positions()[-1][0]
    page = as_admin.text(as_admin.get("/admin/rules"))
    assert 'id="unreachable-rules"' in page
    [row] = re.findall(
        rf'<tr id="rule-\d+">\s*<td class="num" data-label="#">{new}</td>.*?</tr>', page, re.S
    )
    assert "never applies" in row and "Rule 2 comes first" in row
    tester = as_admin.text(as_admin.get("/admin/rules/test"))
    assert f"Rule {new}</a> never applies: rule 2 matches all of its reports first." in tester
    # Moved to the top it decides again, and the warning is gone.
    rule_id = db.session.execute(
        db.select(RoutingRule.id).where(RoutingRule.position == new)
    ).scalar_one()
    for _ in range(new - 1):
        as_admin.post(f"/admin/rules/{rule_id}/move", {"direction": "up"})
    assert 'id="unreachable-rules"' not in as_admin.text(as_admin.get("/admin/rules"))


def test_the_box_takes_its_examples_from_the_city(as_admin, other_city):
    from tests.other_city import CENTER_TEXT

    known = ids()
    form = as_admin.text(box(as_admin))
    assert f'placeholder="{CENTER_TEXT[0]}"' in form and f'placeholder="{CENTER_TEXT[1]}"' in form
    assert "51.5136" not in form and "7.4653" not in form
    page = as_admin.text(box(as_admin, category=known["papierkorb"], lat="abc", lon="7"))
    assert "The coordinates must be numbers, e.g. {} and {}.".format(*CENTER_TEXT) in page


def test_the_template_hint_names_no_department_of_one_city(as_admin):
    response = as_admin.get("/admin/response-templates/new")
    assert response.status_code == 200
    page = as_admin.text(response)
    assert "For staff, e.g." in page and "EDG" not in page
