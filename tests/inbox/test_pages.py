"""The queue and the report page: what they show, to whom, in which language — and that no
query string makes them fail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db
from app.inbox import queue_views
from app.inbox.presenters import actor_names
from app.reports.drafts import ContactDraft, PhotoUpload
from app.reports.models import Report, ReportSupporter
from app.statistics.months import city_timezone, local_date
from tests.inbox.support import login, text
from tests.web.support import de, jpeg

S = ReportStatus
PHOENIX_SEE = (51.4886, 7.5126)
NORDSTADT = (51.5233, 7.4817)


def rows(response) -> list[str]:
    """The references in the queue table, in order."""
    return re.findall(r'name="reference" value="([^"]+)"', response.get_data(as_text=True))


def test_the_queue_lists_the_departments_reports_with_filters(client, make_user, make_report):
    basket = make_report("papierkorb-voll", description="Korb am Markt")
    sofa = make_report("wilder-muell", PHOENIX_SEE, description="Sofa am See")
    lamp = make_report("laterne-aus")  # Tiefbauamt: not EDG's
    login(client, make_user("caseworker", ("edg",)))
    assert rows(client.get("/inbox/")) == [sofa.reference, basket.reference]
    assert lamp.reference not in text(client.get("/inbox/"))
    assert rows(client.get("/inbox/?category=wilder-muell")) == [sofa.reference]
    assert rows(client.get(f"/inbox/?district={sofa.district.number}")) == [sofa.reference]
    assert rows(client.get("/inbox/?q=markt")) == [basket.reference]
    assert rows(client.get(f"/inbox/?q={basket.reference}")) == [basket.reference]
    assert rows(client.get("/inbox/?order=oldest")) == [basket.reference, sofa.reference]
    today = local_date(basket.created_at, city_timezone()).isoformat()  # the city's day
    assert len(rows(client.get(f"/inbox/?from={today}&to={today}"))) == 2
    assert rows(client.get("/inbox/?to=2001-01-01")) == []
    db.session.execute(sa.update(Report).where(Report.id == sofa.id).values(status=S.IN_PROGRESS))
    db.session.commit()
    page = client.get("/inbox/?status=new")
    assert rows(page) == [basket.reference]
    # Counts per status for the filter without its status choice.
    counts = dict(
        re.findall(
            r'class="status-(\w+)[^"]*">[^<]+<span class="count">(\d+)</span>',
            page.get_data(as_text=True),
        )
    )
    assert counts == {"new": "1", "in_progress": "1"}


def test_overdue_reports_are_highlighted_and_can_be_filtered(client, make_user, make_report):
    late, fine = make_report(), make_report()
    db.session.execute(
        sa.update(Report).where(Report.id == late.id).values(due_at=utcnow() - timedelta(hours=2))
    )
    db.session.add(ReportSupporter(report_id=late.id, channel="web"))
    db.session.commit()
    login(client, make_user("caseworker", ("edg",)))
    page = client.get("/inbox/").get_data(as_text=True)
    late_row = page[page.index(f'value="{late.reference}"') :]
    late_row = late_row[: late_row.index("</tr>")]
    assert "row-overdue" in page and "overdue-flag" in late_row
    assert '<td data-label="' + de("Supporters") + '" class="num">1</td>' in late_row
    assert rows(client.get("/inbox/?overdue=1")) == [late.reference]
    assert fine.reference not in rows(client.get("/inbox/?overdue=1"))


def test_keyset_pages(client, make_user, make_report, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    made = [make_report().reference for _ in range(5)]
    login(client, make_user("caseworker", ("edg",)))
    seen, url = [], "/inbox/?category=papierkorb-voll"
    while url:
        page = client.get(url)
        seen += rows(page)
        link = re.search(r'rel="next" id="next-page" href="([^"]+)"', page.get_data(as_text=True))
        url = link.group(1).replace("&amp;", "&") if link else None
        if url:
            assert "category=papierkorb-voll" in url  # the filter travels with the cursor
    assert seen == made[::-1]


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=new&status=new&status=%00",
        "from=31.02.2026",
        "from=2026-13-01",
        "to=9999-12-31",
        "from=0001-01-01",
        "to=yesterday",
        "category=%27%3B--",
        "district=99",
        "department=x",
        "scope=all",
        "scope=%3Cscript%3E",
        "cursor=%%%",
        "cursor=WyJ4IiwxXQ",
        "cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgMV0",  # a time without a zone
        "cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxZTMwXQ",  # an id of 1e30
        "cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
        "q=" + "x" * 5000,
        "q=100%25_",
        "q=DO-2026-",
        "overdue=maybe",
        "order=sideways",
        "from=2026-02-01&to=2026-01-01",
    ],
)
def test_no_query_string_breaks_the_queue_map_or_exports(client, make_user, make_report, query):
    make_report()
    login(client, make_user("caseworker", ("edg",)))
    for path in (
        "/inbox/",
        "/inbox/map",
        "/inbox/map.geojson",
        "/inbox/export.csv",
        "/inbox/export.geojson",
    ):
        response = client.get(f"{path}?{query}")
        # A NUL character is refused before the inbox sees it (tests/security/test_nul_bytes.py).
        expected = 400 if "%00" in query else 200
        assert response.status_code == expected, (path, query)


def test_bad_values_are_explained(client, make_user):
    login(client, make_user("caseworker", ("edg",)))
    page = text(client.get("/inbox/?from=31.02.2026&status=gone&status=new"))
    assert (
        de("The date “%(value)s” was not understood and was ignored.", value="31.02.2026") in page
    )
    assert de("The filter value “%(value)s” is not known and was ignored.", value="gone") in page
    assert 'value="new" checked' in page  # the good part of the filter stays


def test_scopes(client, make_user, make_report):
    mine = make_report()
    triage = make_report("sonstiges")
    copy = make_report("unsicherer-ort", NORDSTADT)
    login(client, make_user("caseworker", ("qm-nordstadt",)))
    assert rows(client.get("/inbox/")) == []
    assert rows(client.get("/inbox/?scope=copies")) == [copy.reference]
    assert rows(client.get("/inbox/?scope=all")) == []  # not theirs to ask for
    assert rows(client.get("/inbox/?scope=triage")) == []
    client.post(
        "/logout",
        data={
            "csrf_token": re.search(
                r'name="csrf_token" value="([^"]+)"', client.get("/inbox/").get_data(as_text=True)
            )[1]
        },
    )
    login(client, make_user("dispatcher"))
    assert rows(client.get("/inbox/")) == [triage.reference]  # a dispatcher starts at triage
    assert set(rows(client.get("/inbox/?scope=all"))) == {
        mine.reference,
        triage.reference,
        copy.reference,
    }
    assert rows(client.get("/inbox/?scope=all&department=edg")) == [mine.reference]


def test_bulk_status_change_reports_each_refusal(client, make_user, make_report):
    a, b, closed = make_report(), make_report(), make_report()
    foreign = make_report("laterne-aus")
    db.session.execute(sa.update(Report).where(Report.id == closed.id).values(status=S.REJECTED))
    db.session.commit()
    login(client, make_user("caseworker", ("edg",)))
    page = client.get("/inbox/?status=new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/inbox/bulk",
        data={
            "csrf_token": token,
            "status": "in_progress",
            "note": "Wir sind dran.",
            "reference": [a.reference, b.reference, closed.reference, foreign.reference],
            "next": "/inbox/?status=new",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/inbox/?status=new"
    page = text(client.get(response.headers["Location"]))
    assert (
        de("New status “%(status)s” — reports changed: %(n)d", n=2, status=text_of(S.IN_PROGRESS))
        in page
    )
    assert f"{closed.reference}: " in page
    assert f"{foreign.reference}: " in page
    db.session.rollback()
    statuses = dict(db.session.execute(sa.select(Report.reference, Report.status)).all())
    assert statuses == {
        a.reference: S.IN_PROGRESS,
        b.reference: S.IN_PROGRESS,
        closed.reference: S.REJECTED,
        foreign.reference: S.NEW,
    }
    # Many refusals: a few by name, the rest counted (flashes live in the session cookie).
    many = [make_report() for _ in range(13)]
    response = client.post(
        "/inbox/bulk",
        data={"csrf_token": token, "status": "reopened", "reference": [r.reference for r in many]},
    )
    page = text(client.get(response.headers["Location"]))
    assert page.count('class="flash flash-error"') == 11
    assert de("… and %(n)d more reports that were not changed.", n=3) in page
    # Nothing chosen: a message, nothing done.
    response = client.post("/inbox/bulk", data={"csrf_token": token, "status": "resolved"})
    assert response.status_code == 303
    assert de("Please select at least one report.") in text(client.get("/inbox/"))


def text_of(status) -> str:
    from flask_babel import force_locale

    from app.reports.labels import STAFF_STATUS_LABELS

    with force_locale("de"):
        return str(STAFF_STATUS_LABELS[status])


# --- the report page ----------------------------------------------------------------------


def test_the_report_page_shows_what_a_caseworker_needs(client, make_user, make_report):
    report = make_report(
        "unsicherer-ort",
        NORDSTADT,
        description="Dunkle Ecke am Borsigplatz",
        attributes={"time_of_day": "night", "reasons": ["deserted", "dark"]},
        photos=[PhotoUpload(jpeg())],
        contact=ContactDraft(email="melderin@example.invalid", phone="0231 123", consent=True),
    )
    neighbour = make_report("unsicherer-ort", (51.52335, 7.48175))
    db.session.add(ReportSupporter(report_id=report.id, channel="web"))
    db.session.commit()
    login(client, make_user("caseworker", ("ordnungsamt",)))
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert "Dunkle Ecke am Borsigplatz" in page
    assert "melderin@example.invalid" in page and "0231 123" in page  # responsible department
    assert report.routing_reason["de"] in page
    assert "Quartiersmanagement Nordstadt" in page  # the copy
    attributes = report.category.attributes
    time_of_day = next(a for a in attributes if a.code == "time_of_day")
    reasons = next(a for a in attributes if a.code == "reasons")
    assert time_of_day.label("de") in page and time_of_day.value_name("night", "de") in page
    assert reasons.value_name("dark", "de") in page
    assert de("%(n)d residents said “me too”", n=1) in page
    assert f'href="/inbox/reports/{neighbour.reference}"' in page  # nearby, with a link
    assert f"/inbox/photos/{report.photos[0].id}/thumb" in page
    assert f'href="/inbox/photos/{report.photos[0].id}/full"' in page
    english = text(client.get(f"/inbox/reports/{report.reference}?lang=en"))
    assert time_of_day.label("en") in english and reasons.value_name("dark", "en") in english
    assert report.routing_reason["en"] in english


def test_photos_are_served_to_staff_who_may_see_the_report(client, make_user, make_report):
    report = make_report(photos=[PhotoUpload(jpeg(size=(1200, 900)))])
    photo = report.photos[0]
    login(client, make_user("caseworker", ("edg",)))
    full = client.get(f"/inbox/photos/{photo.id}/full")
    thumb = client.get(f"/inbox/photos/{photo.id}/thumb")
    assert (full.status_code, full.mimetype) == (200, "image/jpeg")
    assert len(thumb.data) < len(full.data)
    assert "private" in full.headers["Cache-Control"]
    assert client.get(f"/inbox/photos/{photo.id}/huge").status_code == 404
    assert client.get("/inbox/photos/999999/full").status_code == 404


def test_unknown_references_are_404(client, make_user):
    login(client, make_user("caseworker", ("edg",)))
    assert client.get("/inbox/reports/DO-2026-99999").status_code == 404
    assert client.get("/inbox/reports/" + "X" * 300).status_code == 404


def test_the_timeline_names_who_did_what(app_ctx, make_user):
    from app.open311.keys import create_api_key

    user = make_user("caseworker", ("edg",), name="Erika Entsorger")
    key, _token = create_api_key("Dortmund-App")
    db.session.commit()
    names = actor_names(
        {
            f"user:{user.id}",
            "resident:web",
            "resident:telegram",
            f"api_client:{key.id}",
            "system",
            "user:999999",
            "odd",
        }
    )
    assert names[f"user:{user.id}"] == "Erika Entsorger"
    assert names["resident:web"] == de("Resident (web form)")
    assert names["resident:telegram"] == de("Resident (Telegram)")
    assert "Dortmund-App" in names[f"api_client:{key.id}"]
    assert names["system"] == de("System")
    assert names["user:999999"] == de("Deleted user account")
    assert names["odd"] == "odd"


def test_the_timeline_shows_times_in_berlin(client, make_user, make_report):
    report = make_report()
    from app.core.events import ReportEvent

    event = db.session.execute(
        sa.select(ReportEvent).where(ReportEvent.report_id == report.id)
    ).scalar_one()
    from datetime import UTC, datetime

    event.created_at = datetime(2026, 7, 1, 10, 30, tzinfo=UTC)  # 12:30 summer time
    db.session.commit()
    login(client, make_user("caseworker", ("edg",)))
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert "01.07.2026, 12:30" in page


def test_queue_rows_escape_what_people_wrote_and_show_partner_returns(
    client, make_user, make_report
):
    """The rows are built in Python (app/inbox/queue_rows.py): addresses and a partner's
    reason are shown as text, never as markup; the triage list says who returned a report."""
    from app.core.events import ReportEvent

    report = make_report("papierkorb-voll", address="Markt <b>3</b> & Co")
    db.session.execute(sa.update(Report).where(Report.id == report.id).values(department_id=None))
    db.session.add(
        ReportEvent(
            report_id=report.id,
            kind="partner_returned",
            actor="partner:x",
            data={"reason": "<script>nicht unseres</script> & weg"},
        )
    )
    db.session.commit()
    login(client, make_user("dispatcher"))
    page = client.get("/inbox/?scope=triage").get_data(as_text=True)
    assert re.findall(r'name="reference" value="([^"]+)"', page) == [report.reference]
    assert "Markt &lt;b&gt;3&lt;/b&gt; &amp; Co" in page
    assert "<script>nicht" not in page
    assert "&lt;script&gt;nicht unseres&lt;/script&gt; &amp; weg" in page
    assert 'class="returned-flag"' in page
    all_reports = client.get("/inbox/?scope=all").get_data(as_text=True)
    row = all_reports[all_reports.index(f'value="{report.reference}"') :]
    row = row[: row.index("</tr>")]
    assert '<td data-label="' + de("Department") + '">' + de("triage") + "</td>" in row
    assert f'href="/inbox/reports/{report.reference}"' in row


def test_the_queue_page_reads_its_table_in_a_few_statements_whatever_the_rows(
    client, make_user, make_report
):
    """The table's rows come with the page's one read of reports (the columns the table shows,
    not the descriptions): no statement per row, for 3 rows as for 12."""
    login(client, make_user("caseworker", ("edg",)))

    def statements() -> list[str]:
        seen: list[str] = []

        def note(conn, cursor, sql, parameters, context, executemany):
            seen.append(sql)

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get("/inbox/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        return seen

    made = [make_report("papierkorb-voll", description=f"Korb {i}") for i in range(3)]
    few = statements()
    made += [make_report("wilder-muell", description=f"Sofa {i}") for i in range(9)]
    many = statements()
    assert len(many) == len(few) <= 6, many
    page = [sql for sql in many if sql.lstrip().startswith("SELECT report.id")]
    assert len(page) == 1 and "report.description" not in page[0]
    shown = rows(client.get("/inbox/"))
    assert sorted(shown) == sorted(r.reference for r in made)
