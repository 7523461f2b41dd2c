"""The actions on a report's page, through the HTTP forms: each one service call, committed
once, a message afterwards — and when refused, the page again with the reason and nothing saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.core.enums import ReportStatus
from app.extensions import db
from app.reports.drafts import ContactDraft, PhotoUpload
from app.reports.labels import STAFF_STATUS_LABELS
from app.reports.models import Report, ResponseTemplate
from tests.inbox.support import events, form_state, fresh, login, post_action, text
from tests.other_city import other_city  # noqa: F401  (fixture)
from tests.web.support import de, jpeg

S = ReportStatus
PHOENIX_SEE = (51.4886, 7.5126)
CONFLICT = (
    "Someone else changed this report while you were looking at it. "
    "Nothing was saved — please check the latest state and try again."
)


def put_in(report, status):
    db.session.execute(sa.update(Report).where(Report.id == report.id).values(status=status))
    db.session.commit()


@pytest.fixture
def edg(client, make_user):
    user = make_user("caseworker", ("edg",), name="Erika Entsorger")
    login(client, user)
    return user


def test_status_change_with_a_public_note_shows_on_the_status_page(client, edg, make_report):
    report = make_report()
    response = post_action(
        client,
        report.reference,
        "status",
        status="in_progress",
        note="Die EDG leert den Korb heute.",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/inbox/reports/{report.reference}#timeline")
    page = client.get(response.headers["Location"])
    assert de("Status set to “%(status)s”.", status=german(S.IN_PROGRESS)) in text(page)
    assert "Erika Entsorger" in text(page)  # the timeline says who
    assert fresh(report).status == S.IN_PROGRESS
    public = client.get(f"/r/{report.reference}")
    assert "Die EDG leert den Korb heute." in text(public)


def test_an_internal_note_never_reaches_the_status_page(client, edg, make_report):
    report = make_report()
    response = post_action(client, report.reference, "note", text="Anwohner ruft täglich an")
    assert response.status_code == 303
    assert "Anwohner ruft täglich an" in text(client.get(f"/inbox/reports/{report.reference}"))
    assert "Anwohner ruft täglich an" not in text(client.get(f"/r/{report.reference}"))
    (note,) = events(report, "note_added")
    assert note.is_public is False
    # An empty note is refused with the service's message.
    refused = post_action(client, report.reference, "note", text="   ")
    assert refused.status_code == 422
    assert de("Please write a note.") in text(refused)


def test_a_public_note_without_a_status_change(client, edg, make_report):
    report = make_report()
    response = post_action(client, report.reference, "status", status="", note="Wir prüfen.")
    assert response.status_code == 303
    assert fresh(report).status == S.NEW
    assert [e.public_note for e in events(report, "public_note")] == ["Wir prüfen."]
    assert post_action(client, report.reference, "status", status="", note="").status_code == 422


def test_a_response_template_is_used_when_the_note_is_empty(client, edg, make_report):
    report = make_report()
    template = db.session.execute(
        sa.select(ResponseTemplate).filter_by(title="In Bearbeitung")
    ).scalar_one()
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert f'<option value="{template.id}" data-text="{template.text("de")}"' in page
    # "Laterne repariert" belongs to another category: not offered for a litter bin.
    assert "Laterne repariert" not in page
    response = post_action(
        client, report.reference, "status", status="in_progress", template=str(template.id), note=""
    )
    assert response.status_code == 303
    assert events(report, "status_changed")[0].public_note == template.text("de")
    # A template of another category cannot be smuggled in.
    lamp = db.session.execute(
        sa.select(ResponseTemplate).filter_by(title="Laterne repariert")
    ).scalar_one()
    refused = post_action(
        client, report.reference, "status", status="resolved", template=str(lamp.id)
    )
    assert refused.status_code == 422
    assert fresh(report).status == S.IN_PROGRESS


def test_only_the_allowed_next_statuses_are_offered(client, edg, make_report):
    report = make_report()
    put_in(report, S.RESOLVED)
    form = status_form(client, report)
    assert 'value="reopened"' in form
    assert 'value="in_progress"' not in form
    put_in(report, S.REJECTED)
    form = status_form(client, report)
    assert '<select id="status"' not in form  # closed for good: nothing to choose


def status_form(client, report) -> str:
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    start = page.index('id="status-form"')
    return page[start : page.index("</form>", start)]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.NEW, S.REOPENED),
        (S.NEW, S.NEW),
        (S.IN_PROGRESS, S.IN_REVIEW),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.REJECTED, S.IN_PROGRESS),
        (S.DUPLICATE, S.NEW),
        (S.NOT_RESOLVABLE, S.REOPENED),
    ],
)
def test_transitions_outside_the_whitelist_are_refused_by_the_form(
    client, edg, make_report, start, target
):
    report = make_report()
    put_in(report, start)
    response = post_action(
        client, report.reference, "status", status=target.value, note="Soll nicht erscheinen"
    )
    assert response.status_code == 409
    assert de(
        "A report cannot go from “%(old)s” to “%(new)s”.", old=german(start), new=german(target)
    ) in text(response)
    assert fresh(report).status == start
    assert events(report, "status_changed") == []
    assert "Soll nicht erscheinen" in text(response)  # the typed note is kept for a retry


def german(status) -> str:
    with force_locale("de"):
        return str(STAFF_STATUS_LABELS[status])


def test_an_unknown_status_value_is_a_clear_422(client, edg, make_report):
    report = make_report()
    response = post_action(client, report.reference, "status", status="gone")
    assert response.status_code == 422
    assert fresh(report).status == S.NEW


def test_a_stale_page_gets_the_conflict_message_and_changes_nothing(
    client, edg, make_report, make_user
):
    report = make_report()
    stale = form_state(client, report.reference)  # the page as first loaded
    # Meanwhile a colleague (another browser) sets it in progress.
    from app.reports import workflow

    workflow.change_status(fresh(report), S.IN_PROGRESS, make_user("caseworker", ("edg",)))
    db.session.commit()
    for action, fields in [
        ("status", {"status": "rejected", "note": "Zweiter"}),
        ("reroute", {"department": "gruenflaechen", "reason": "Park"}),
        ("duplicate", {"original": make_report().reference}),
        ("category", {"category": "wilder-muell"}),
        ("location", {"lat": "51.5140", "lon": "7.4660"}),
        ("description", {"public_text": "neu", "hidden": "1"}),
    ]:
        response = post_action(client, report.reference, action, stale, **fields)
        assert response.status_code == 409, action
        assert de(CONFLICT) in text(response), action
        now = fresh(report)
        assert (now.status, now.department.code, now.category.code, now.description_moderated) == (
            S.IN_PROGRESS,
            "edg",
            "papierkorb-voll",
            None,
        ), action
    assert [e.public_note for e in events(report, "status_changed")] == [None]
    # With the page reloaded the same change goes through.
    assert post_action(client, report.reference, "status", status="rejected").status_code == 303


def test_a_conflict_only_the_database_noticed_is_reported_too(
    client, edg, make_report, monkeypatch
):
    """Two requests passed the version check at the same moment: the second UPDATE finds the
    row's version gone (SQLAlchemy's optimistic lock) — the same message, nothing saved."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.reports import workflow

    report = make_report()
    state = form_state(client, report.reference)

    def raced(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'report' expected to update 1 row(s)")

    monkeypatch.setattr(workflow, "change_status", raced)
    response = post_action(client, report.reference, "status", state, status="in_progress")
    assert response.status_code == 409
    assert de(CONFLICT) in text(response)
    assert fresh(report).status == S.NEW


def test_a_missing_version_or_token_saves_nothing(client, edg, make_report):
    report = make_report()
    state = form_state(client, report.reference)
    response = client.post(
        f"/inbox/reports/{report.reference}/status",
        data={"csrf_token": state["csrf_token"], "status": "in_progress"},
    )
    assert response.status_code == 422
    response = client.post(
        f"/inbox/reports/{report.reference}/status",
        data={"version": state["version"], "status": "in_progress"},
    )
    assert response.status_code == 400
    assert fresh(report).status == S.NEW


def test_reroute_needs_a_reason_and_leaves_the_queue(client, edg, make_report):
    report = make_report()
    refused = post_action(
        client, report.reference, "reroute", department="gruenflaechen", reason=" "
    )
    assert refused.status_code == 422
    assert de("Please say why the report goes elsewhere.") in text(refused)
    assert (
        post_action(
            client, report.reference, "reroute", department="nowhere", reason="x"
        ).status_code
        == 422
    )
    response = post_action(
        client,
        report.reference,
        "reroute",
        department="gruenflaechen",
        reason="Papierkorb steht im Park",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/inbox/"  # EDG may no longer see it
    assert de("The report has left your departments' queues.") in text(
        client.get(response.headers["Location"])
    )
    moved = fresh(report)
    assert moved.department.code == "gruenflaechen"
    assert "Papierkorb steht im Park" in moved.routing_reason["de"]
    assert client.get(f"/inbox/reports/{report.reference}").status_code == 403


def test_back_to_triage_and_a_dispatcher_places_it(client, make_user, make_report):
    report = make_report("sonstiges")
    assert report.department is None
    login(client, make_user("dispatcher"))
    queue = text(client.get("/inbox/?scope=triage"))
    assert report.reference in queue
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert 'value="triage"' not in page  # already in triage
    response = post_action(
        client, report.reference, "reroute", department="ordnungsamt", reason="Ruhestörung"
    )
    assert response.status_code == 303
    assert fresh(report).department.code == "ordnungsamt"
    assert report.reference not in text(client.get("/inbox/?scope=triage"))
    response = post_action(
        client, report.reference, "reroute", department="triage", reason="doch unklar"
    )
    assert response.status_code == 303
    assert fresh(report).department is None


def test_mark_duplicate(client, edg, make_report):
    original, copy = make_report(), make_report()
    unknown = post_action(client, copy.reference, "duplicate", original="DO-1999-99999")
    assert unknown.status_code == 422
    assert de(
        "There is no report with the reference “%(reference)s”.", reference="DO-1999-99999"
    ) in text(unknown)
    itself = post_action(client, copy.reference, "duplicate", original=copy.reference)
    assert itself.status_code == 422
    response = post_action(client, copy.reference, "duplicate", original=original.reference.lower())
    assert response.status_code == 303
    marked = fresh(copy)
    assert (marked.status, marked.duplicate_of_id) == (S.DUPLICATE, original.id)
    page = text(client.get(f"/inbox/reports/{original.reference}"))
    assert copy.reference in page  # the timeline of the original names the duplicate


def test_a_caseworker_cannot_merge_into_a_report_they_may_not_see(client, edg, make_report):
    mine = make_report(contact=ContactDraft(email="anwohnerin@example.invalid", consent=True))
    lighting = make_report("laterne-aus")  # Tiefbauamt's: the EDG caseworker gets 403 for it
    assert client.get(f"/inbox/reports/{lighting.reference}").status_code == 403
    before = len(events(lighting))
    response = post_action(client, mine.reference, "duplicate", original=lighting.reference)
    assert response.status_code == 403
    assert de("You may only merge into a report you may see.") in text(response)
    assert (fresh(mine).status, fresh(mine).duplicate_of_id) == (S.NEW, None)
    assert fresh(lighting).supporters == []
    assert len(events(lighting)) == before
    # Nor through a report of their own that is itself a duplicate of the foreign one.
    merged = make_report()
    put_in(merged, S.DUPLICATE)
    db.session.execute(
        sa.update(Report).where(Report.id == merged.id).values(duplicate_of_id=lighting.id)
    )
    db.session.commit()
    response = post_action(client, mine.reference, "duplicate", original=merged.reference)
    assert response.status_code == 403
    assert fresh(mine).status == S.NEW
    assert fresh(lighting).supporters == []


def test_change_category_and_location(client, make_user, make_report):
    login(client, make_user("dispatcher"))
    report = make_report("papierkorb-voll", PHOENIX_SEE)
    assert post_action(client, report.reference, "category", category="nope").status_code == 422
    response = post_action(client, report.reference, "category", category="laterne-aus")
    assert response.status_code == 303
    assert fresh(report).department.code == "tiefbau-licht"
    outside = post_action(client, report.reference, "location", lat="51.4785", lon="7.2228")
    assert outside.status_code == 422  # Bochum
    assert post_action(client, report.reference, "location", lat="abc", lon="7").status_code == 422
    response = post_action(client, report.reference, "location", lat="51,5233", lon="7,4817")
    assert response.status_code == 303
    moved = fresh(report)
    assert moved.district.name == "Innenstadt-Nord"
    assert (moved.lat, moved.lon) == (51.5233, 7.4817)
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert de("Category changed") in page and de("Location changed") in page


def test_moderate_the_description_and_release_a_photo(client, edg, make_report):
    report = make_report(
        description="Herr Müller aus Nr. 5 wirft Müll hin", photos=[PhotoUpload(jpeg())]
    )
    response = post_action(
        client, report.reference, "description", public_text="Jemand wirft Müll hin"
    )
    assert response.status_code == 303
    assert fresh(report).public_description == "Jemand wirft Müll hin"
    response = post_action(client, report.reference, "description", public_text="", hidden="1")
    assert response.status_code == 303
    assert fresh(report).public_description == ""
    photo_id = report.photos[0].id
    response = post_action(client, report.reference, f"photos/{photo_id}", public="1")
    assert response.status_code == 303
    assert fresh(report).photos[0].is_public is True
    response = post_action(client, report.reference, f"photos/{photo_id}", public="0")
    assert fresh(report).photos[0].is_public is False
    other = make_report(photos=[PhotoUpload(jpeg(size=(40, 30)))])
    foreign = post_action(client, report.reference, f"photos/{other.photos[0].id}", public="1")
    assert foreign.status_code == 404  # a photo of another report, through this report's form
    assert [e.kind for e in events(report)][-2:] == ["photo_released", "photo_hidden"]


def test_a_location_that_is_no_number_is_refused_with_the_citys_example(
    client, make_user, make_report, other_city
):
    from tests.other_city import CENTER_TEXT

    login(client, make_user("dispatcher"))
    report = make_report("papierkorb-voll", PHOENIX_SEE)
    response = post_action(client, report.reference, "location", lat="abc", lon="7")
    assert response.status_code == 422
    lat, lon = CENTER_TEXT
    message = de(
        "Please give the place as latitude and longitude, for example %(lat)s and %(lon)s, "
        "or click on the map.",
        lat=lat,
        lon=lon,
    )
    assert message in text(response)
