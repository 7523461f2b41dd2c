"""The web form sent twice (a double click, the back button and "send" again) makes one
report; changed entries make a new one."""

from __future__ import annotations

import re
import threading

from app.extensions import db
from app.reports.models import Report
from tests.web.support import RATHAUS, csrf_token

_KEY = re.compile(r'name="submission_key" value="([0-9a-f]{32})"')


def _form(client, **fields):
    page = client.get("/report").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client),
        "submission_key": _KEY.search(page).group(1),
        "category": "papierkorb-voll",
        "lat": str(RATHAUS[0]),
        "lon": str(RATHAUS[1]),
        "description": "Papierkorb quillt über",
    }
    data.update(fields)
    return data


def _count() -> int:
    db.session.rollback()
    return db.session.query(Report).count()


def test_the_same_form_sent_twice_makes_one_report(client):
    data = _form(client)
    first = client.post("/report", data=data)
    second = client.post("/report", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count() == 1


def test_changed_entries_with_the_same_form_make_a_new_report(client):
    data = _form(client)
    client.post("/report", data=data)
    changed = client.post("/report", data={**data, "description": "Ein anderer Papierkorb"})
    assert changed.status_code == 303
    assert _count() == 2


def test_a_fresh_form_gets_a_fresh_key(client):
    assert _form(client)["submission_key"] != _form(client)["submission_key"]


def test_a_refused_form_keeps_its_key_and_then_goes_through_once(client):
    data = _form(client, lat="", lon="")
    refused = client.post("/report", data=data)
    assert refused.status_code == 422
    assert f'value="{data["submission_key"]}"' in refused.get_data(as_text=True)
    fixed = {**data, "lat": str(RATHAUS[0]), "lon": str(RATHAUS[1])}
    assert client.post("/report", data=fixed).status_code == 303
    assert client.post("/report", data=fixed).status_code == 303
    assert _count() == 1


def test_two_clicks_at_the_same_moment_make_one_report(app_ctx, client):
    data = _form(client)
    answers = []

    def send():
        with app_ctx.test_client() as other:
            # the same browser: same cookie (CSRF token belongs to its session)
            other.set_cookie("session", client.get_cookie("session").value, domain="localhost")
            answers.append(other.post("/report", data=data))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert _count() == 1
