"""A small fixed data set whose statistics are worked out by hand in the tests.

Reports are made through the intake service, then given fixed dates (received, closed, due —
the due date from the real working-day calculation) and outcomes; partner returns, re-routes
and "me too" go through their services. Every change is committed the way the app commits,
so the rollup is kept current by its own hooks.

June 2025 (Innenstadt-West "00" = W, Innenstadt-Nord "04" = N; times are local):

ref  category     district  received         outcome                                  days
S1   Sauberkeit   W  Wed 18.6. 10:00  resolved Mon 23.6. 09:00: in time, as        5
                                      Thu 19.6. (Fronleichnam) does not count:
                                      due Mon 23.6. 10:00
S2   Sauberkeit   W  Mon 2.6. 08:00   returned by EDG, resolved 2.6. 15:00: in time 0
S3   Sauberkeit   N  Tue 10.6. 12:00  re-routed EDG → Tiefbauamt, resolved         6
                                      Mon 16.6. (due Thu 12.6.): late
S4   Sauberkeit   N  Fri 27.6. 09:00  open, 2 × "me too"; due Tue 1.7.: late
S5   Sauberkeit   W  Thu 5.6.         duplicate (not counted for the target)
L1   Beleuchtung  N  Mon 2.6. 10:00   resolved Mon 30.6.; due Tue 17.6. (9.6.     28
                                      Pfingstmontag): late
L2   Beleuchtung  W  Fri 20.6.        resolved Thu 3.7.; due Fri 4.7.: in time    13
U1   Unsafe       N  Thu 5.6.         dark + deserted, night, lighting check;     15
                                      resolved Fri 20.6.; due Mon 23.6.: in time
U2   Unsafe       W  Wed 25.6.        deserted, evening; open, 1 × "me too": late
U3   Unsafe       N  Sat 14.6.        dark, night, lighting check; not resolvable
                                      28.6.

April 2025: G1 (Spielplatz, W) rejected. July 2025: Z1 (Sauberkeit, W) received
30.6. 22:30 UTC = 1.7. 00:30 local, open. June 2024: P1 (Sauberkeit, W) 10.6. → resolved
11.6. in time (1 day); P2 (Unsicherer Ort, N, dark, night, lighting check) 3.6. → resolved
30.6. late (27 days).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.core.enums import Channel, ReportStatus
from app.extensions import db
from app.reports.due import due_date
from app.reports.models import Report

BERLIN = ZoneInfo("Europe/Berlin")
WEST = (51.50486, 7.42514)  # Innenstadt-West, district "00"
NORTH = (51.53428, 7.47349)  # Innenstadt-Nord, district "04"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def place(
    report: Report,
    received: datetime,
    *,
    status: ReportStatus | None = None,
    closed: datetime | None = None,
) -> Report:
    """Give a report fixed dates: received, due (working days, as at intake), closed."""
    report = db.session.get(Report, report.id)
    report.created_at = received.astimezone(UTC)
    report.due_at = due_date(report.category, report.created_at)
    if status is not None:
        report.status = status
        report.closed_at = closed.astimezone(UTC) if closed else None
    db.session.commit()
    return report


@pytest.fixture
def data_set(app_ctx, make_report, make_user):
    from app.forwarding.models import Delivery
    from app.forwarding.partner import return_ticket
    from app.reports.residents import add_supporter
    from app.reports.workflow import reroute
    from app.routing.models import Department

    R = ReportStatus
    unsafe = "unsicherer-ort"
    reports: dict[str, Report] = {}

    reports["S1"] = place(
        make_report("papierkorb-voll", WEST),
        local(2025, 6, 18, 10, 0),
        status=R.RESOLVED,
        closed=local(2025, 6, 23, 9, 0),
    )
    s2 = make_report("papierkorb-voll", WEST)
    ticket = db.session.execute(
        sa.select(Delivery).where(Delivery.report_id == s2.id, Delivery.purpose == "forward")
    ).scalar_one()
    return_ticket(ticket, "Nicht unser Gebiet, Tel. 0231 123456")
    db.session.commit()
    reports["S2"] = place(
        s2, local(2025, 6, 2, 8, 0), status=R.RESOLVED, closed=local(2025, 6, 2, 15, 0)
    )
    s3 = make_report("littering", NORTH)
    dispatcher = make_user(role="dispatcher")
    tiefbau = db.session.execute(sa.select(Department).filter_by(code="tiefbau")).scalar_one()
    reroute(db.session.get(Report, s3.id), tiefbau, "INTERN: gehört zum Tiefbau", dispatcher)
    db.session.commit()
    reports["S3"] = place(
        s3, local(2025, 6, 10, 12, 0), status=R.RESOLVED, closed=local(2025, 6, 16, 12, 0)
    )
    s4 = make_report("wilder-muell", NORTH)
    for n in (1, 2):
        add_supporter(
            db.session.get(Report, s4.id),
            Channel.WEB,
            email=f"nachbar{n}@example.invalid",
            wants_updates=True,
        )
        db.session.commit()
    reports["S4"] = place(s4, local(2025, 6, 27, 9, 0))
    reports["S5"] = place(
        make_report("papierkorb-voll", WEST),
        local(2025, 6, 5, 9, 0),
        status=R.DUPLICATE,
        closed=local(2025, 6, 5, 11, 0),
    )
    reports["L1"] = place(
        make_report("laterne-aus", NORTH),
        local(2025, 6, 2, 10, 0),
        status=R.RESOLVED,
        closed=local(2025, 6, 30, 10, 0),
    )
    reports["L2"] = place(
        make_report("laterne-aus", WEST),
        local(2025, 6, 20, 10, 0),
        status=R.RESOLVED,
        closed=local(2025, 7, 3, 10, 0),
    )
    reports["U1"] = place(
        make_report(
            unsafe, NORTH, attributes={"time_of_day": "night", "reasons": ["dark", "deserted"]}
        ),
        local(2025, 6, 5, 21, 0),
        status=R.RESOLVED,
        closed=local(2025, 6, 20, 12, 0),
    )
    u2 = make_report(unsafe, WEST, attributes={"time_of_day": "evening", "reasons": ["deserted"]})
    add_supporter(db.session.get(Report, u2.id), Channel.WEB)
    db.session.commit()
    reports["U2"] = place(u2, local(2025, 6, 25, 19, 0))
    reports["U3"] = place(
        make_report(unsafe, NORTH, attributes={"time_of_day": "night", "reasons": ["dark"]}),
        local(2025, 6, 14, 22, 0),
        status=R.NOT_RESOLVABLE,
        closed=local(2025, 6, 28, 10, 0),
    )
    reports["G1"] = place(
        make_report("spielplatz", WEST),
        local(2025, 4, 15, 10, 0),
        status=R.REJECTED,
        closed=local(2025, 4, 16, 10, 0),
    )
    reports["Z1"] = place(
        make_report("papierkorb-voll", WEST), datetime(2025, 6, 30, 22, 30, tzinfo=UTC)
    )
    reports["P1"] = place(
        make_report("papierkorb-voll", WEST),
        local(2024, 6, 10, 9, 0),
        status=R.RESOLVED,
        closed=local(2024, 6, 11, 9, 0),
    )
    reports["P2"] = place(
        make_report(unsafe, NORTH, attributes={"time_of_day": "night", "reasons": ["dark"]}),
        local(2024, 6, 3, 20, 0),
        status=R.RESOLVED,
        closed=local(2024, 6, 30, 20, 0),
    )
    return reports
