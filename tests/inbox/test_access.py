"""Every inbox route, as nobody, as a caseworker of an unrelated department, as a copy reader
and as the people who may: nobody gets in where they should not, and nothing answers 500.

The routes are read from ``app.url_map``, so a new inbox route is checked without anyone
remembering to add it here — and one that is neither about a single report nor listed as a
list-level route below fails the test until somebody decides what it is.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.reports.drafts import ContactDraft, PhotoUpload
from tests.inbox.support import events, fresh, login, text
from tests.web.support import jpeg

# Routes that show or act on lists (filtered by the user's own scope), not on one report.
LIST_LEVEL = {
    "inbox.queue",
    "inbox.map_view",
    "inbox.map_geojson",
    "inbox.export_csv",
    "inbox.export_geojson",
    "inbox.bulk",
    "inbox.deliveries",
    "inbox.static",
}
NORDSTADT = (51.5233, 7.4817)


def inbox_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("inbox.")]
    assert len(rules) >= 15
    return rules


def url_for_rule(rule, report, photo_id) -> str:
    values = {
        "reference": report.reference,
        "photo_id": photo_id,
        # The report's first delivery (EDG's ticket for the cleanliness report the tests use,
        # or any id: the route checks the report before the delivery).
        "delivery_id": (report.id * 1000) + 1,
        "size": "full",
        "filename": "inbox.css",
    }
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[a-z]+:)?" + name + ">", str(values[name]), path)
    assert "<" not in path, path
    return path


def methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def login_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def inbox_token(client) -> str:
    page = client.get("/inbox/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def target(make_report):
    """An EDG report with a photo and a reporter's e-mail address."""
    return make_report(
        "papierkorb-voll",
        description="Korb quillt über",
        photos=[PhotoUpload(jpeg())],
        contact=ContactDraft(email="anwohnerin@example.invalid", consent=True),
    )


def form_for(rule, report) -> dict[str, str]:
    """What a hostile but well-formed form would send to each action."""
    return {
        "version": str(report.version),
        "status": "rejected",
        "note": "x",
        "text": "x",
        "department": "tiefbau",
        "reason": "meins",
        "original": report.reference,
        "category": "laterne-aus",
        "lat": "51.5",
        "lon": "7.45",
        "public_text": "x",
        "hidden": "1",
        "public": "1",
        "reference": report.reference,
        "next": "/inbox/",
    }


def test_anonymous_visitors_are_sent_to_the_login_everywhere(app_ctx, client, target):
    photo_id = target.photos[0].id
    token = login_token(client)
    for rule in inbox_rules(app_ctx):
        url = url_for_rule(rule, target, photo_id)
        for method in methods(rule):
            data = {**form_for(rule, target), "csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login?next="), (method, url)
    assert fresh(target).version == target.version
    assert [e.kind for e in events(target)] == ["submitted"]


def test_a_caseworker_of_another_department_gets_nothing_of_the_report(
    app_ctx, client, target, make_user
):
    outsider = make_user("caseworker", ("tiefbau",))
    login(client, outsider)
    token = inbox_token(client)
    photo_id = target.photos[0].id
    published = target.photos[0].is_public  # as the intake left it
    seen = set()
    for rule in inbox_rules(app_ctx):
        url = url_for_rule(rule, target, photo_id)
        for method in methods(rule):
            data = {**form_for(rule, target), "csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            body = text(response) if response.mimetype.startswith(("text/", "application/")) else ""
            assert response.status_code != 500, (method, url)
            if set(rule.arguments) & {"reference", "photo_id"}:
                assert response.status_code == 403, (method, url, response.status_code)
            else:
                assert rule.endpoint in LIST_LEVEL, (
                    f"{rule.endpoint}: a new inbox route — decide whether it is about one report "
                    "(then it takes the reference) or a list, and add it to LIST_LEVEL"
                )
                assert response.status_code in (200, 303), (method, url, response.status_code)
                if rule.endpoint == "inbox.bulk":
                    follow = client.get(response.headers["Location"])
                    body = text(follow)
                    assert f"{target.reference}: " in body  # refused: not in their queues
                else:
                    assert target.reference not in body, (method, url)
            assert "anwohnerin@example.invalid" not in body
            assert "Korb quillt über" not in body or rule.endpoint == "inbox.bulk"
            seen.add(rule.endpoint)
    assert {"inbox.report", "inbox.photo", "inbox.change_status", "inbox.reroute"} <= seen
    # Nothing of what they sent changed the report.
    report = fresh(target)
    assert (report.version, report.status.value, report.department.code) == (
        target.version,
        "new",
        "edg",
    )
    assert [e.kind for e in events(target)] == ["submitted"]
    assert report.photos[0].is_public is published


def test_a_copy_department_reads_but_cannot_change(app_ctx, client, make_report, make_user):
    report = make_report(
        "unsicherer-ort",
        NORDSTADT,
        description="Dunkle Unterführung",
        photos=[PhotoUpload(jpeg())],
        contact=ContactDraft(email="melder@example.invalid", consent=True),
    )
    assert [c.department.code for c in report.copies] == ["qm-nordstadt"]
    reader = make_user("caseworker", ("qm-nordstadt",))
    login(client, reader)
    token = inbox_token(client)
    page = client.get(f"/inbox/reports/{report.reference}")
    assert page.status_code == 200
    assert "Dunkle Unterführung" in text(page)
    assert "melder@example.invalid" not in text(page)  # contact data: responsible only
    assert 'id="status-form"' not in text(page)
    assert client.get(f"/inbox/photos/{report.photos[0].id}/thumb").status_code == 200
    for rule in inbox_rules(app_ctx):
        if "POST" not in rule.methods or "reference" not in rule.arguments:
            continue
        url = url_for_rule(rule, report, report.photos[0].id)
        response = client.post(url, data={**form_for(rule, report), "csrf_token": token})
        if rule.endpoint == "inbox.add_note":
            assert response.status_code == 303  # internal notes are for readers too
        else:
            assert response.status_code == 403, (url, response.status_code)
            assert "melder@example.invalid" not in text(response)
    changed = fresh(report)
    assert (changed.status.value, changed.department.code) == ("new", "ordnungsamt")
    assert [e.kind for e in events(report)] == ["submitted", "note_added"]


@pytest.mark.parametrize("role", ["caseworker", "dispatcher", "admin"])
def test_no_route_answers_500_to_the_people_who_may_use_it(
    app_ctx, client, target, make_user, role
):
    """Empty, nonsensical and well-formed forms alike: a clear answer, never a crash."""
    login(client, make_user(role, ("edg",)))
    token = inbox_token(client)
    photo_id = target.photos[0].id
    junk = {
        "version": "x",
        "status": "flying",
        "department": "nowhere",
        "original": "%%",
        "category": "nope",
        "lat": "nan",
        "lon": "1e999",
        "template": "99999999999999",
        "next": "//evil.example/",
        "reference": "DO-0000-00000",
        "public": "maybe",
    }
    for rule in inbox_rules(app_ctx):
        url = url_for_rule(rule, target, photo_id)
        for method in methods(rule):
            for data in ({}, junk):
                sent = {**data, "csrf_token": token} if method == "POST" else None
                query = (
                    ""
                    if method == "POST"
                    else "?"
                    + "&".join(
                        f"{k}={v}"
                        for k, v in {
                            **junk,
                            "from": "2026-13-45",
                            "to": "99999-01-01",
                            "cursor": "WyJ4IiwxXQ",
                            "scope": "all",
                        }.items()
                    )
                )
                response = client.open(url + (query if data else ""), method=method, data=sent)
                assert response.status_code < 500, (method, url, data, response.status_code)
                if method == "POST" and response.status_code == 303:
                    assert not response.headers["Location"].startswith("//")
    db.session.rollback()
